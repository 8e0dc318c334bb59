/**
 * A worker thread of a parallel ingest (parallel-ingest.ts): it holds the rule set and the key, and turns each batch
 * it is sent — source units, or whole files it reads and parses itself — into prepared resources (prepare-unit.ts).
 * It never touches the store.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import { adoptCoreDefinitions, type SlimStructureDefinition } from '../validation/definitions.ts';
import { toPostedUnits } from './posted-units.ts';
import { prepareBatch, type PrepareBatch } from './prepare-unit.ts';

export interface IngestWorkerData {
  rules: string;
  key: Uint8Array;
  /** The reference date of the age rules, so every worker folds ages the same way. */
  now: string;
  /** Whether to serialize the index entries (the store takes SerializedStoreWrites). */
  serializeIndex: boolean;
}

export interface IngestWorkerRequest extends PrepareBatch {
  seq: number;
}

/** Posted once the worker's modules are loaded and its rule set read: it answers batches from then on. */
export interface IngestWorkerReady {
  ready: true;
}

/** Sent before any batch: the main thread's core definitions, which validation would otherwise parse here. */
export interface IngestWorkerDefinitions {
  coreDefinitions: Map<string, SlimStructureDefinition>;
}

const { rules, key: keyBytes, now, serializeIndex } = workerData as IngestWorkerData;
const key = Buffer.from(keyBytes);
const deidentifier = createDeidentifier(loadRuleSet(rules), key, new Date(now));
const pipeline = withDeidentifiedProfiles(defaultPipeline);

parentPort!.on('message', (message: IngestWorkerRequest | IngestWorkerDefinitions) => {
  if ('coreDefinitions' in message) adoptCoreDefinitions(message.coreDefinitions);
  else void answer(message);
});

parentPort!.postMessage({ ready: true } satisfies IngestWorkerReady);

async function answer({ seq, ...batch }: IngestWorkerRequest): Promise<void> {
  try {
    parentPort!.postMessage({ seq, prepared: toPostedUnits(await prepareBatch(batch, deidentifier, key, pipeline, serializeIndex)) });
  } catch (err) {
    parentPort!.postMessage({ seq, error: (err as Error).stack ?? String(err) });
  }
}
