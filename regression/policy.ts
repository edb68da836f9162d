import { z } from 'zod';
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED } from '../stats/paired.ts';

/** Which way is better for a metric: throughput up, latency down. */
export const Direction = z.enum(['higher', 'lower']);
export type Direction = z.infer<typeof Direction>;

/** A metric to watch: its direction alone (the section's tolerance applies), or with its own tolerance. */
export const MetricRule = z.union([
  Direction,
  z.strictObject({
    better: Direction,
    tolerance_pct: z.number().nonnegative().describe('relative change in the worse direction that still passes, in percent'),
  }),
]);
export type MetricRule = z.infer<typeof MetricRule>;

const MetricRules = z.record(z.string().min(1), MetricRule);

export const QualityPolicy = z.strictObject({
  alpha: z.number().gt(0).lt(1).default(0.05).describe('significance level, compared with the corrected p'),
  correction: z.enum(['holm', 'bh', 'none']).default('holm').describe('multiple-comparison correction across the benchmarks tested'),
  test: z.enum(['mcnemar_exact', 'mcnemar_chi2', 'bootstrap']).default('mcnemar_exact').describe('which p-value decides'),
  min_effect_pts: z.number().nonnegative().default(2).describe('smallest |Δ accuracy| in points that may be flagged (above the batching noise floor)'),
  min_paired_items: z.int().positive().default(20).describe('fewer paired items than this: inconclusive'),
  bootstrap_resamples: z.int().positive().default(DEFAULT_BOOTSTRAP_RESAMPLES),
  bootstrap_seed: z.int().nonnegative().default(DEFAULT_BOOTSTRAP_SEED),
});
export type QualityPolicy = z.infer<typeof QualityPolicy>;

export const DEFAULT_THROUGHPUT_METRICS: Record<string, MetricRule> = {
  request_throughput_rps: 'higher',
  output_throughput_tps: 'higher',
  mean_ttft_ms: 'lower',
  median_ttft_ms: 'lower',
  p99_ttft_ms: 'lower',
  median_e2el_ms: 'lower',
  p99_e2el_ms: 'lower',
};

export const DEFAULT_ONLINE_METRICS: Record<string, MetricRule> = {
  effective_throughput_tps: 'higher',
  latency_p50_ms: 'lower',
  latency_p99_ms: 'lower',
  ttft_p99_ms: 'lower',
};

export const EfficiencyPolicy = z.strictObject({
  throughput_drop_pct: z.number().nonnegative().default(5).describe('a higher-is-better metric may fall this much (percent) and pass'),
  latency_rise_pct: z.number().nonnegative().default(10).describe('a lower-is-better metric may rise this much (percent) and pass'),
  require_self_check: z.boolean().default(true).describe('a side whose load generator failed its self-check (late timestamps) makes the row inconclusive'),
  throughput_metrics: MetricRules.default(DEFAULT_THROUGHPUT_METRICS),
  online_metrics: MetricRules.default(DEFAULT_ONLINE_METRICS),
});
export type EfficiencyPolicy = z.infer<typeof EfficiencyPolicy>;

/** The thresholds of a candidate-vs-baseline verdict; a schedule YAML carries one under `regression:`. */
export const RegressionPolicy = z.strictObject({
  quality: QualityPolicy.prefault({}),
  efficiency: EfficiencyPolicy.prefault({}),
});
export type RegressionPolicy = z.infer<typeof RegressionPolicy>;

export const DEFAULT_POLICY: RegressionPolicy = RegressionPolicy.parse({});

/** A rule's direction and tolerance, the section's tolerance filling in. */
export function resolveRule(rule: MetricRule, policy: EfficiencyPolicy): { better: Direction; tolerance_pct: number } {
  if (typeof rule === 'object') return rule;
  return { better: rule, tolerance_pct: rule === 'higher' ? policy.throughput_drop_pct : policy.latency_rise_pct };
}
