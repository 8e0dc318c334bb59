/** One row of `npm run bench`: a measured value, and the target (or baseline) it is compared with. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The number to compare with: an issue's target or a peer's measurement. */
  target?: number;
  /** For times and bytes, lower is better: the ratio is then target / value. */
  lowerIsBetter?: boolean;
}

export type Bench = () => Promise<BenchRow[]>;
