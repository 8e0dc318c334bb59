/** Asking every chosen site at once, each within its own timeout and all within the request's deadline. */
import type { SiteClient, SiteRequest, SiteResult } from './site-client.ts';
import type { HubMetrics } from './metrics.ts';

export interface FanOutResult<T> {
  results: SiteResult<T>[];
  /** The sites that answered. */
  answered: string[];
  /** True when at least one chosen site did not answer: the merged answer covers fewer sites. */
  partial: boolean;
}

export async function fanOut<T>(sites: SiteClient[], request: Omit<SiteRequest, 'deadline'>, deadline: number, metrics?: HubMetrics): Promise<FanOutResult<T>> {
  const results = await Promise.all(
    sites.map(async (site) => {
      const result = await site.send<T>({ ...request, deadline });
      metrics?.record(site.name, result);
      return result;
    }),
  );
  const answered = results.filter((r) => r.ok).map((r) => r.site);
  return { results, answered, partial: answered.length < sites.length };
}

/** The sites a request asks: all, or those named by `_site` (comma-separated, repeatable). Unknown names are an error. */
export function chooseSites(all: SiteClient[], requested: string[]): SiteClient[] | { unknown: string[] } {
  if (requested.length === 0) return all;
  const names = new Set(requested.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));
  const unknown = [...names].filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) return { unknown };
  return all.filter((s) => names.has(s.name));
}
