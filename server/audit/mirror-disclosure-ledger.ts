/**
 * Mirrors the disclosure ledger into the audit trail: every aggregate release or refusal becomes an AuditEvent
 * (disclosure-audit-event.ts) that site administrators search at /fhir/AuditEvent. The ledger stays the durable
 * record (fsync'd before an answer leaves, replayed for budgets); entries a crash kept out of the trail are caught
 * up at the next start, newest first until one is found there.
 */
import type { Logger } from 'pino';
import type { ReleaseLedger } from '../policy/release-ledger.ts';
import type { AuditTrail } from './audit-trail.ts';
import { disclosureAuditEventId, disclosureAuditEventOf } from './disclosure-audit-event.ts';

/** Trails each ledger is mirrored into: mirroring twice would record every event twice. */
const mirrored = new WeakMap<ReleaseLedger, WeakSet<AuditTrail>>();

/** Starts mirroring (once per ledger and trail); resolves once the entries missing from the trail are recorded. */
export async function mirrorDisclosureLedger(ledger: ReleaseLedger, trail: AuditTrail, logger?: Logger): Promise<void> {
  const trails = mirrored.get(ledger) ?? new WeakSet<AuditTrail>();
  mirrored.set(ledger, trails);
  if (trails.has(trail)) return;
  trails.add(trail);
  const existing = ledger.subscribe((entry) => trail.append(disclosureAuditEventOf(entry, trail.server)));
  const catchUp = (async () => {
    const missing = [];
    for (let i = existing.length - 1; i >= 0; i--) {
      if (await trail.has(disclosureAuditEventId(existing[i]))) break;
      missing.push(existing[i]);
    }
    for (const entry of missing.reverse()) trail.append(disclosureAuditEventOf(entry, trail.server));
    if (missing.length > 0) logger?.info({ entries: missing.length }, 'disclosure ledger entries added to the audit trail');
  })();
  trail.includeInFlush(catchUp);
  await catchUp;
}
