import type { ItemOutcome } from '../stats/pairing.ts';
import type { Direction, RegressionPolicy } from './policy.ts';
import type { RunRef } from './run-ref.ts';

/** The plain inputs of a verdict, read from disk by load.ts (or built by a test). */

export interface RunLabel {
  name: string;
  workflow_id: string | null;
  run_id: string | null;
  model: string | null;
  config_hash: string | null;
  folders: RunRef;
}

/** Numeric headline values of one measurement (null: reported as null, e.g. no completed requests). */
export type MetricValues = Record<string, number | null>;

export interface ThroughputData {
  values: MetricValues;
  /** The load generator's self-check; null when the file predates it. */
  self_check_ok: boolean | null;
}

export interface OnlineRowData {
  stage: string;
  target_rate_rps: number | null;
  values: MetricValues;
  self_check_ok: boolean | null;
}

export interface QualityBenchmarkData {
  benchmark: string;
  /** `<bench>_metrics.json` numbers (accuracy_pct, scorable_examples, …); null when the file is missing. */
  metrics: MetricValues | null;
  items: ItemOutcome[];
}

export interface RunData {
  label: RunLabel;
  throughput: ThroughputData | null;
  online: OnlineRowData[] | null;
  quality: QualityBenchmarkData[] | null;
  /** What the loader skipped or could not read, for the report. */
  notes: string[];
}

export type Verdict = 'pass' | 'regressed' | 'improved' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['regressed', 'improved', 'pass', 'inconclusive'];

/** ↗ better, ↘ worse, → unchanged (seed 004's markers), judged by the metric's direction. */
export type Marker = '↗' | '↘' | '→';

export type Section = 'quality' | 'throughput' | 'online';

export interface BootstrapStats {
  delta_pts: number;
  ci_low_pts: number;
  ci_high_pts: number;
  p: number;
  resamples: number;
  seed: number;
}

export interface QualityStats {
  paired_items: number;
  unscorable_dropped: number;
  prompt_mismatch: number;
  only_baseline: number;
  only_candidate: number;
  duplicates: number;
  /** McNemar's discordant counts. */
  baseline_only_correct: number;
  candidate_only_correct: number;
  mcnemar_exact_p: number;
  mcnemar_chi2: number;
  mcnemar_chi2_p: number;
  bootstrap: BootstrapStats | null;
  paired_se_pts: number | null;
  /** The p-value the policy's test chose, before and after the correction (null: not in the tested family). */
  p: number | null;
  p_adjusted: number | null;
}

export interface MetricRow {
  section: Section;
  /** gsm8k for quality rows; the rate (e.g. "rate 8") for online rows; "offline" for throughput. */
  group: string;
  metric: string;
  better: Direction;
  baseline: number | null;
  candidate: number | null;
  /** candidate − baseline, in the metric's unit (accuracy points for quality). */
  abs_delta: number | null;
  /** abs_delta / |baseline| · 100; null when the baseline is 0 or missing. */
  rel_delta_pct: number | null;
  marker: Marker;
  verdict: Verdict;
  /** One line saying why. */
  reason: string;
  tolerance_pct: number | null;
  stats: QualityStats | null;
}

export interface RegressionVerdict {
  schema: 'evalflow.regression-verdict/v1';
  baseline: RunLabel;
  candidate: RunLabel;
  policy: RegressionPolicy;
  overall: Verdict;
  counts: Record<Verdict, number>;
  sections: Record<Section, MetricRow[]>;
  notes: string[];
}
