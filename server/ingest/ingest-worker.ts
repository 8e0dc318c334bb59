/**
 * A worker thread of a parallel ingest (parallel-ingest.ts): it holds the rule set and the key, and turns each batch
 * of source units it is sent into prepared resources (prepare-unit.ts). It never touches the store.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import { prepareUnits } from './prepare-unit.ts';
import type { SourceUnit } from './read-sources.ts';

export interface IngestWorkerData {
  rules: string;
  key: Uint8Array;
  /** The reference date of the age rules, so every worker folds ages the same way. */
  now: string;
}

const { rules, key: keyBytes, now } = workerData as IngestWorkerData;
const key = Buffer.from(keyBytes);
const deidentifier = createDeidentifier(loadRuleSet(rules), key, new Date(now));
const pipeline = withDeidentifiedProfiles(defaultPipeline);

parentPort!.on('message', ({ seq, units }: { seq: number; units: SourceUnit[] }) => {
  try {
    parentPort!.postMessage({ seq, prepared: prepareUnits(units, deidentifier, key, pipeline) });
  } catch (err) {
    parentPort!.postMessage({ seq, error: (err as Error).stack ?? String(err) });
  }
});
