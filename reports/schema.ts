import { z } from 'zod';

/*
 * What a report reads from the results tree. The writers own the full shapes; these schemas name only the
 * fields a report shows, so they are loose on purpose: unknown keys are dropped (not errors) and most
 * fields may be missing, because a report of an older or partial run should still render with gaps.
 */

const num = z.number().nullish().transform((v) => v ?? null);
const str = z.string().nullish().transform((v) => v ?? null);

/** run_meta.json (seed 000 §3, as store/run-meta.ts writes it). */
export const RunMetaFile = z.object({
  timestamp_utc: str,
  model: str,
  suite: str,
  preset: str,
  step: str,
  backend: str,
  vllm_version: str,
  evalflow_version: str,
  git_commit: str,
  hostname: str,
  gpus: z
    .array(z.object({ name: z.string(), memory_mb: num }))
    .nullish()
    .transform((v) => v ?? []),
  model_load_time_s: num,
  temporal: z.object({ workflow_id: str, run_id: str }).nullish().transform((v) => v ?? null),
  config_hash: str,
});
export type RunMetaFile = z.infer<typeof RunMetaFile>;

const selfCheck = z
  .object({ ok: z.boolean(), reasons: z.array(z.string()) })
  .nullish()
  .transform((v) => v ?? null);

/** throughput_results.json: the seed-000 §1.1 keys plus the vLLM-style extras the report shows. */
export const ThroughputResultsFile = z.object({
  request_throughput_rps: num,
  input_throughput_tps: num,
  output_throughput_tps: num,
  total_time_s: num,
  mean_ttft_ms: num,
  p99_ttft_ms: num,
  median_ttft_ms: num,
  mean_tpot_ms: num,
  p99_tpot_ms: num,
  mean_e2el_ms: num,
  p99_e2el_ms: num,
  total_token_throughput_tps: num,
  num_prompts: num,
  completed: num,
  failed: num,
  self_check: selfCheck,
});
export type ThroughputResultsFile = z.infer<typeof ThroughputResultsFile>;

/** One loadgen RequestRecord (loadgen/record.ts), reduced to what a TTFT distribution needs. */
export const RawRecord = z.object({
  warmup: z.boolean().optional(),
  sentMs: z.number(),
  firstTokenMs: z.number().nullable(),
  endMs: z.number().nullable(),
  error: z.unknown().optional(),
});
export type RawRecord = z.infer<typeof RawRecord>;
export const RawResultsFile = z.array(RawRecord);

/** One row of online_results.json: a stage of the rate sweep (seed 000 §1.2). */
export const OnlineRow = z.object({
  stage: z.string(),
  mode: str,
  target_rate_rps: num,
  achieved_rate_rps: num,
  completed: num,
  failed: num,
  latency_p50_ms: num,
  latency_p95_ms: num,
  latency_p99_ms: num,
  ttfb_p50_ms: num,
  ttft_p50_ms: num,
  ttft_p99_ms: num,
  effective_throughput_tps: num,
  goodput_rps: num,
  self_check: selfCheck,
});
export type OnlineRow = z.infer<typeof OnlineRow>;
export const OnlineResultsFile = z.array(OnlineRow);

const qualityRow = {
  benchmark: z.string(),
  accuracy_pct: num,
  ci95_low_pct: num,
  ci95_high_pct: num,
  correct: num,
  scorable_examples: num,
  unscorable_examples: num,
  total_examples: num,
  note: str,
};

/** quality_summary.json (benchmarks/summary.ts). */
export const QualitySummaryFile = z.object({
  benchmarks: z.array(z.object({ ...qualityRow, accuracy_pct_std: num, n_seeds: num })),
  per_seed: z
    .array(z.object({ ...qualityRow, seed: num }))
    .nullish()
    .transform((v) => v ?? []),
});
export type QualitySummaryFile = z.infer<typeof QualitySummaryFile>;
export type QualityRow = QualitySummaryFile['benchmarks'][number];
export type SeedRow = QualitySummaryFile['per_seed'][number];

/** One row of a sweep's scaling_comparison.json (seed 001 §10): one model, nulls where not measured. */
export const ScalingRow = z.object({
  model: z.string(),
  params_b: num,
  gsm8k_accuracy_pct: num,
  math_accuracy_pct: num,
  routerbench_accuracy_pct: num,
  request_throughput_rps: num,
  output_throughput_tps: num,
  mean_ttft_ms: num,
  p99_ttft_ms: num,
  latency_p50_ms: num,
  latency_p99_ms: num,
  model_load_time_s: num,
  gpu_memory_gb: num,
  energy_wh: num,
});
export type ScalingRow = z.infer<typeof ScalingRow>;
export const ScalingComparisonFile = z.array(ScalingRow);
