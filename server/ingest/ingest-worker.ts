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
import { prepareUnits } from './prepare-unit.ts';
import { readSourceFile, type SourceUnit } from './read-sources.ts';

export interface IngestWorkerData {
  rules: string;
  key: Uint8Array;
  /** The reference date of the age rules, so every worker folds ages the same way. */
  now: string;
  /** Whether to serialize the index entries (the store takes SerializedStoreWrites). */
  serializeIndex: boolean;
}

/** One batch: units already read, or files (from planSources) to read here, in that order. */
export interface IngestWorkerRequest {
  seq: number;
  units?: SourceUnit[];
  files?: string[];
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

async function answer({ seq, units = [], files = [] }: IngestWorkerRequest): Promise<void> {
  try {
    const all = [...units];
    for (const file of files) for await (const unit of readSourceFile(file)) all.push(unit);
    parentPort!.postMessage({ seq, prepared: toPostedUnits(prepareUnits(all, deidentifier, key, pipeline, serializeIndex)) });
  } catch (err) {
    parentPort!.postMessage({ seq, error: (err as Error).stack ?? String(err) });
  }
}
