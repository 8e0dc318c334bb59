/** Per-site request counts and latency, exposed at /metrics in the Prometheus text format. */
import type { SiteResult } from './site-client.ts';

const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

interface SiteSeries {
  outcomes: Map<string, number>;
  buckets: number[];
  sumMs: number;
  count: number;
}

export class HubMetrics {
  private readonly sites = new Map<string, SiteSeries>();
  private readonly requests = new Map<string, number>();

  record(site: string, result: SiteResult): void {
    let series = this.sites.get(site);
    if (!series) {
      series = { outcomes: new Map(), buckets: BUCKETS_MS.map(() => 0), sumMs: 0, count: 0 };
      this.sites.set(site, series);
    }
    const outcome = result.ok ? 'ok' : result.kind;
    series.outcomes.set(outcome, (series.outcomes.get(outcome) ?? 0) + 1);
    series.sumMs += result.ms;
    series.count++;
    BUCKETS_MS.forEach((le, i) => {
      if (result.ms <= le) series.buckets[i]++;
    });
  }

  /** Counts a federated request by operation and whether it was complete. */
  recordRequest(operation: string, outcome: 'complete' | 'partial' | 'failed'): void {
    const key = `${operation}|${outcome}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** https://prometheus.io/docs/instrumenting/exposition_formats/ */
  render(circuitStates: Map<string, string>): string {
    const lines: string[] = [
      '# HELP vitrine_hub_site_requests_total Requests from the hub to each site, by outcome.',
      '# TYPE vitrine_hub_site_requests_total counter',
    ];
    for (const [site, s] of this.sites) for (const [outcome, n] of s.outcomes) lines.push(`vitrine_hub_site_requests_total{site="${site}",outcome="${outcome}"} ${n}`);
    lines.push('# HELP vitrine_hub_site_latency_ms Latency of each site as the hub sees it.', '# TYPE vitrine_hub_site_latency_ms histogram');
    for (const [site, s] of this.sites) {
      BUCKETS_MS.forEach((le, i) => lines.push(`vitrine_hub_site_latency_ms_bucket{site="${site}",le="${le}"} ${s.buckets[i]}`));
      lines.push(`vitrine_hub_site_latency_ms_bucket{site="${site}",le="+Inf"} ${s.count}`);
      lines.push(`vitrine_hub_site_latency_ms_sum{site="${site}"} ${s.sumMs}`, `vitrine_hub_site_latency_ms_count{site="${site}"} ${s.count}`);
    }
    lines.push('# HELP vitrine_hub_site_circuit_open 1 while the circuit breaker of a site is open.', '# TYPE vitrine_hub_site_circuit_open gauge');
    for (const [site, state] of circuitStates) lines.push(`vitrine_hub_site_circuit_open{site="${site}"} ${state === 'open' ? 1 : 0}`);
    lines.push('# HELP vitrine_hub_requests_total Federated requests by operation and completeness.', '# TYPE vitrine_hub_requests_total counter');
    for (const [key, n] of this.requests) {
      const [operation, outcome] = key.split('|');
      lines.push(`vitrine_hub_requests_total{operation="${operation}",outcome="${outcome}"} ${n}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
