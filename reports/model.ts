import type { OnlineRow, QualitySummaryFile, RawRecord, RunMetaFile, ScalingRow, ThroughputResultsFile } from './schema.ts';

/** One run folder as a report sees it: where it is, its run_meta.json (null when missing) and its results. */
export interface RunFolder<T> {
  dir: string;
  meta: RunMetaFile | null;
  data: T;
}

export interface ThroughputRun extends RunFolder<ThroughputResultsFile> {
  /** raw_results.json; null when the file is missing (the report then says so instead of a histogram). */
  records: RawRecord[] | null;
}

/** Everything a run report shows; a kind that has no folder is null. */
export interface RunReportData {
  throughput: ThroughputRun | null;
  online: RunFolder<OnlineRow[]> | null;
  quality: RunFolder<QualitySummaryFile> | null;
}

export interface SweepReportData {
  dir: string;
  rows: ScalingRow[];
}
