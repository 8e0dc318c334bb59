/** The $operations a site serves. Each lives in its own file and brings its routes and its canonical definition. */
import type { Route } from '../routes.ts';
import { evaluateMeasureOperation } from './evaluate-measure.ts';
import { histogramOperation } from './histogram.ts';
import { deidReportOperation } from './deid-report.ts';
import { ingestOperation } from './ingest.ts';
import { statsOperation } from './stats.ts';
import { validateOperation } from './validate.ts';

export interface OperationEntry {
  /** The code without `$`: "validate". */
  name: string;
  /** The canonical URL of its OperationDefinition. */
  definition: string;
  /** Resource types it applies to (listed per type in the CapabilityStatement); undefined for system level only. */
  resourceTypes?: 'all' | string[];
  routes: Route[];
}

export const operations: OperationEntry[] = [validateOperation, evaluateMeasureOperation, statsOperation, histogramOperation, ingestOperation, deidReportOperation];
