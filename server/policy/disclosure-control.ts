/**
 * The disclosure-control service a site runs: its policy, its secret PRF key, its release ledger and its rate
 * limits. `release` is the one gate every number passes before it reaches an aggregate-only caller:
 * budget, suppression (decided on true values), noise fixed by the keyed PRF, rounding, and the ledger entry.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppliedRules } from './applied-report.ts';
import { describeNoise, noiseDraw } from './noise.ts';
import { epsilonPerRelease, statisticsMinN, type DisclosurePolicy } from './policy.ts';
import { RateLimiter } from './rate-limit.ts';
import { policyRefusal, type PolicyRule } from './refusals.ts';
import { ReleaseLedger } from './release-ledger.ts';
import { decideSuppression, type CountCell, type SumRelation, type SuppressionReason } from './suppression.ts';

/** A continuous statistic (a sum, a sum of squares) released only beside a visible count of at least the minimum n. */
export interface MeasureCell {
  id: string;
  trueValue: number;
  /** How much one patient can move it (values are clamped to the policy's bounds first). */
  sensitivity: number;
  /** The count cell it belongs to. */
  countId: string;
}

export interface ReleaseInput {
  caller: { clientId: string; role: string };
  operation: string;
  /** The canonical query (canonical-query.ts). */
  query: string;
  counts: CountCell[];
  relations: SumRelation[];
  measures?: MeasureCell[];
  /** Independent releases for budget accounting (disjoint strata of one partition count once). */
  releases: number;
}

export type ReleasedValue = { value: number } | { suppressed: SuppressionReason };

export interface ReleaseResult {
  values: Map<string, ReleasedValue>;
  applied: AppliedRules;
}

export class DisclosureControl {
  readonly ledger: ReleaseLedger;
  private readonly limiter: RateLimiter;

  private constructor(
    readonly policy: DisclosurePolicy,
    private readonly secret: Buffer,
    ledgerFile: string | undefined,
  ) {
    this.ledger = new ReleaseLedger(ledgerFile);
    this.limiter = new RateLimiter(policy.rateLimit);
  }

  /**
   * Opens the service over `<dataDir>/disclosure/` (the PRF key and the ledger persist there across restarts);
   * without a data dir, key and ledger live in memory only. `secret` fixes the key (tests).
   */
  static async open(policy: DisclosurePolicy, dataDir?: string, secret?: Buffer): Promise<DisclosureControl> {
    const dir = dataDir ? path.join(dataDir, 'disclosure') : undefined;
    const key = secret ?? (dir ? loadOrCreateKey(path.join(dir, 'prf.key')) : randomBytes(32));
    const control = new DisclosureControl(policy, key, dir ? path.join(dir, 'ledger.jsonl') : undefined);
    await control.ledger.open();
    return control;
  }

  async close(): Promise<void> {
    await this.ledger.close();
  }

  /** Counts a query against the caller's rate limits (throws 429 `rate-limit`). */
  async admit(caller: { clientId: string; role: string }, operation: string, query: string): Promise<void> {
    try {
      this.limiter.take(caller.clientId);
    } catch (err) {
      await this.recordRefusal(caller, operation, query, 'rate-limit');
      throw err;
    }
  }

  /** Records a refused query in the ledger. */
  async recordRefusal(caller: { clientId: string; role: string }, operation: string, query: string, rule: PolicyRule): Promise<void> {
    const period = this.periodKey();
    const budgetLeft = Math.max(0, this.policy.budget.perPeriod - this.ledger.spent(caller.clientId, period));
    await this.ledger.append({ caller: caller.clientId, role: caller.role, operation, query, period, cost: 0, budgetLeft, refused: rule });
  }

  /** Applies the policy to the true numbers of one answer and records what was released. */
  async release(input: ReleaseInput): Promise<ReleaseResult> {
    const { policy } = this;
    const caller = input.caller.clientId;
    const measures = input.measures ?? [];
    const fingerprint = createHmac('sha256', this.secret)
      .update(JSON.stringify([input.operation, input.query, input.counts, measures.map((m) => [m.id, m.trueValue])]))
      .digest('hex');
    const repeat = this.ledger.hasFingerprint(caller, fingerprint);
    const period = this.periodKey();
    const spent = this.ledger.spent(caller, period);
    const cost = repeat ? 0 : input.releases * epsilonPerRelease(policy.noise);
    if (spent + cost > policy.budget.perPeriod + 1e-9) {
      await this.recordRefusal(input.caller, input.operation, input.query, 'budget-exhausted');
      throw policyRefusal('budget-exhausted', `This query needs ${cost} of privacy budget; ${Math.max(0, policy.budget.perPeriod - spent)} is left this ${policy.budget.period}`);
    }

    const hidden = decideSuppression(input.counts, input.relations, policy.minCellSize, policy.showZero);
    const values = new Map<string, ReleasedValue>();
    const draw = (cell: string, trueValue: number, sensitivity: number) =>
      noiseDraw(policy.noise, this.secret, { caller, query: `${input.operation} ${input.query}`, cell, trueValue }, sensitivity);
    for (const cell of input.counts) {
      const reason = hidden.get(cell.id);
      values.set(cell.id, reason ? { suppressed: reason } : { value: this.releasedCount(cell.trueValue, draw(cell.id, cell.trueValue, 1)) });
    }
    const trueCounts = new Map(input.counts.map((c) => [c.id, c.trueValue]));
    for (const m of measures) {
      const n = trueCounts.get(m.countId) ?? 0;
      const ok = !hidden.has(m.countId) && n >= statisticsMinN(policy);
      values.set(m.id, ok ? { value: m.trueValue + draw(m.id, m.trueValue, m.sensitivity) } : { suppressed: 'primary' });
    }

    const released: Record<string, number | string> = {};
    for (const [id, v] of values) released[id] = 'value' in v ? v.value : 'suppressed';
    await this.ledger.append({ caller, role: input.caller.role, operation: input.operation, query: input.query, released, period, cost, budgetLeft: policy.budget.perPeriod - spent - cost, fingerprint, repeat: repeat || undefined });

    const reasons = [...hidden.values()];
    const applied: AppliedRules = {
      mode: 'disclosure-control',
      minCellSize: policy.minCellSize,
      suppressedPrimary: reasons.filter((r) => r === 'primary').length,
      suppressedComplementary: reasons.filter((r) => r === 'complementary').length,
      roundedTo: policy.rounding,
      noise: describeNoise(policy.noise),
      epsilonSpent: cost,
      budgetLeft: policy.budget.perPeriod - spent - cost,
      budgetPeriod: `${policy.budget.period} ${period}`,
      repeat: repeat || undefined,
      notes: [],
    };
    return { values, applied };
  }

  /** A visible count: noise, then at least k, then rounded (up, when rounding would take it below k). */
  private releasedCount(trueValue: number, noise: number): number {
    const { minCellSize: k, rounding, showZero } = this.policy;
    if (trueValue === 0 && showZero) return 0;
    const noisy = Math.max(k, trueValue + noise);
    const rounded = Math.round(noisy / rounding) * rounding;
    return rounded >= k ? rounded : Math.ceil(k / rounding) * rounding;
  }

  /** The budget period an instant falls in: "2025-03-14", "2025-W11", "2025-03" or "2025". */
  periodKey(now = new Date()): string {
    const iso = now.toISOString();
    switch (this.policy.budget.period) {
      case 'year':
        return iso.slice(0, 4);
      case 'month':
        return iso.slice(0, 7);
      case 'week': {
        const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7)));
        return `week-of-${monday.toISOString().slice(0, 10)}`;
      }
      default:
        return iso.slice(0, 10);
    }
  }
}

function loadOrCreateKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  // `wx`: when two processes race, one write fails and both then read the winner's key.
  try {
    writeFileSync(file, key, { flag: 'wx', mode: 0o600 });
  } catch {
    return readFileSync(file);
  }
  return key;
}
