/**
 * A seeded site behind HTTP and real SMART tokens, with a disclosure policy: what the hub or a researcher's client
 * meets. `researcher` holds an aggregate-only token (`system/*.s`), `clinician` a site-internal one (`user/*.rs`),
 * `admin` a site administrator's (`system/*.rs`); `site.http` is the internal loader (`system/*.cruds`).
 * The disclosure ledger lives in `ledgerDir` (pass one to reopen a ledger a previous site wrote; the caller then
 * removes it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DisclosureControl } from '../../server/policy/disclosure-control.ts';
import type { DisclosurePolicy } from '../../server/policy/policy.ts';
import { FIXED_KEY, testPolicy, writeCohort, type CohortPatient } from './aggregate-cohort.ts';
import { createTestSite, type TestAgent, type TestSite } from './test-site.ts';

export const RESEARCHER_ID = 'researcher-http';

export interface AggregateHttpSite {
  site: TestSite;
  disclosure: DisclosureControl;
  ledgerDir: string;
  researcher: TestAgent;
  clinician: TestAgent;
  admin: TestAgent;
  close(): Promise<void>;
}

export async function createAggregateHttpSite(
  patients: CohortPatient[],
  policy: DisclosurePolicy = testPolicy(),
  ledgerDir?: string,
): Promise<AggregateHttpSite> {
  const dir = ledgerDir ?? (await mkdtemp(path.join(tmpdir(), 'vitrine-ledger-')));
  const disclosure = await DisclosureControl.open(policy, dir, FIXED_KEY);
  const site = await createTestSite({ disclosure });
  await writeCohort(site.store, patients);
  return {
    site,
    disclosure,
    ledgerDir: dir,
    researcher: await site.as({ role: 'aggregate', scopes: 'system/*.s', clientId: RESEARCHER_ID }),
    clinician: await site.as({ role: 'internal', scopes: 'user/*.rs', clientId: 'clinician-http' }),
    admin: await site.as({ role: 'admin', scopes: 'system/*.rs', clientId: 'site-admin' }),
    close: async () => {
      await site.close();
      await disclosure.close();
      if (!ledgerDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
