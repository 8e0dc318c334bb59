/** Per-caller rate limits: a sliding one-minute window and a per-UTC-day count, kept in memory. */
import { policyRefusal } from './refusals.ts';

export class RateLimiter {
  private readonly recent = new Map<string, number[]>();
  private readonly daily = new Map<string, { day: string; count: number }>();

  constructor(private readonly limits: { perMinute: number; perDay: number }) {}

  /** Counts one query for the caller, or throws a 429 naming the `rate-limit` rule. */
  take(caller: string, now = Date.now()): void {
    const window = (this.recent.get(caller) ?? []).filter((t) => t > now - 60_000);
    const day = new Date(now).toISOString().slice(0, 10);
    const today = this.daily.get(caller);
    const count = today?.day === day ? today.count : 0;
    if (window.length >= this.limits.perMinute) {
      throw policyRefusal('rate-limit', `At most ${this.limits.perMinute} aggregate queries per minute per client`);
    }
    if (count >= this.limits.perDay) throw policyRefusal('rate-limit', `At most ${this.limits.perDay} aggregate queries per day per client`);
    window.push(now);
    this.recent.set(caller, window);
    this.daily.set(caller, { day, count: count + 1 });
  }
}
