// scaling_comparison.csv/json: one row per model, the columns below in this order (the contract for plots and notebooks).
import type { StepName } from '../configs/schema/suite.ts';

export type ComparisonStatus = 'done' | 'skipped' | 'failed';

export interface ComparisonRow {
  model: string;
  params_b: number;
  dtype: string;
  /** GPUs the model ran on (the plan's); null when skipped. */
  gpus: number | null;
  tensor_parallel_size: number | null;
  status: ComparisonStatus;
  /** Why there are no results: the fit check's reason when skipped, the failure when failed; null when done. */
  skip_reason: string | null;
  gsm8k_accuracy_pct: number | null;
  math_accuracy_pct: number | null;
  routerbench_accuracy_pct: number | null;
  /** Offline throughput step. */
  request_throughput_rps: number | null;
  output_throughput_tps: number | null;
  mean_ttft_ms: number | null;
  p99_ttft_ms: number | null;
  /** Online step, at its highest request rate. */
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  /** Allocation to healthy server (run_meta.json). */
  model_load_time_s: number | null;
  /** Peak GPU memory in use, sampled during the steps; else what vLLM reserves (GPU memory × gpu_memory_utilization); null without GPUs. */
  gpu_memory_gb: number | null;
  /** GPU energy over the model's benchmark steps (run_meta.json hardware), null where not sampled. */
  energy_wh: number | null;
}

export const COMPARISON_COLUMNS = [
  'model',
  'params_b',
  'dtype',
  'gpus',
  'tensor_parallel_size',
  'status',
  'skip_reason',
  'gsm8k_accuracy_pct',
  'math_accuracy_pct',
  'routerbench_accuracy_pct',
  'request_throughput_rps',
  'output_throughput_tps',
  'mean_ttft_ms',
  'p99_ttft_ms',
  'latency_p50_ms',
  'latency_p99_ms',
  'model_load_time_s',
  'gpu_memory_gb',
  'energy_wh',
] as const satisfies readonly (keyof ComparisonRow)[];

/** What the comparison needs to know about one model; the numbers come from its results on disk. */
export interface ComparisonInput {
  model: string;
  params_b: number;
  dtype: string;
  gpus: number | null;
  tensorParallelSize: number | null;
  status: ComparisonStatus;
  reason: string | null;
  /** The model's results root; null when skipped. */
  resultsRoot: string | null;
  stepKeys: { step: StepName; key: string }[];
  gpuMemoryUtilization: number | null;
}

/** A row with every metric empty (skipped models, and the start of every other row). */
export function emptyRow(input: ComparisonInput): ComparisonRow {
  return {
    model: input.model,
    params_b: input.params_b,
    dtype: input.dtype,
    gpus: input.gpus,
    tensor_parallel_size: input.tensorParallelSize,
    status: input.status,
    skip_reason: input.reason,
    gsm8k_accuracy_pct: null,
    math_accuracy_pct: null,
    routerbench_accuracy_pct: null,
    request_throughput_rps: null,
    output_throughput_tps: null,
    mean_ttft_ms: null,
    p99_ttft_ms: null,
    latency_p50_ms: null,
    latency_p99_ms: null,
    model_load_time_s: null,
    gpu_memory_gb: null,
    energy_wh: null,
  };
}

/** Rows in column order, smallest model first (the x axis of every scaling plot). */
export function orderedRows(rows: readonly ComparisonRow[]): Record<string, unknown>[] {
  return [...rows]
    .sort((a, b) => a.params_b - b.params_b || a.model.localeCompare(b.model))
    .map((row) => Object.fromEntries(COMPARISON_COLUMNS.map((c) => [c, row[c]])));
}
