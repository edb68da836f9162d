import type { BenchmarkName } from '../configs/schema/eval.ts';
import { mean, percentile } from '../stats/percentile.ts';
import { wilsonInterval } from '../stats/proportion.ts';
import type { AmbiguityReason } from './record.ts';

/** The fields metrics read from a results line (the runner's lines and re-scored lines both have them). */
export interface ScoredLine {
  correct: boolean | null;
  ambiguity_reason: AmbiguityReason | null;
  latency_ms?: number | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  error?: unknown;
  [extra: string]: unknown;
}

export interface MetricsContext {
  benchmark: BenchmarkName;
  /** Where the examples came from, e.g. "openai/gsm8k:main/test" or a local path. */
  dataset: string;
  subset_size: number | null;
  /** The sampling seed of the run. */
  seed: number | null;
  /** Set when the run scores no accuracy (routerbench without labels). */
  note: string | null;
}

/** `<name>_metrics.json` / `.csv`: the Phase-1 keys, flat, so the CSV is one row. */
export interface BenchmarkMetrics {
  benchmark: BenchmarkName;
  dataset: string;
  subset_size: number | null;
  seed: number | null;
  accuracy_pct: number | null;
  correct: number | null;
  scorable_examples: number;
  unscorable_examples: number;
  total_examples: number;
  ci95_low_pct: number | null;
  ci95_high_pct: number | null;
  latency_mean_ms: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  prompt_tokens_total: number;
  completion_tokens_total: number;
  mean_completion_tokens: number | null;
  note: string | null;
  /** Secondary readings, e.g. gsm8k's strict_match_pct and flexible_correct_pct: over the lines that have them. */
  [secondary: `${string}_pct`]: number | null;
}

export function round2(x: number | null): number | null {
  return x === null ? null : Math.round(x * 100) / 100;
}

function pct(part: number, whole: number): number | null {
  return whole === 0 ? null : round2((100 * part) / whole);
}

function numbers(lines: readonly ScoredLine[], key: 'latency_ms' | 'prompt_tokens' | 'completion_tokens'): number[] {
  const out: number[] = [];
  for (const line of lines) {
    const v = line[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Boolean extras whose name ends in `_correct` or `_match` become `<name>_pct` over the lines where they are set. */
function secondaryRates(lines: readonly ScoredLine[]): Record<string, number | null> {
  const tallies = new Map<string, { yes: number; n: number }>();
  for (const line of lines) {
    for (const [key, value] of Object.entries(line)) {
      if (key === 'correct' || !/_(?:correct|match)$/.test(key) || typeof value !== 'boolean') continue;
      const t = tallies.get(key) ?? { yes: 0, n: 0 };
      t.n++;
      if (value) t.yes++;
      tallies.set(key, t);
    }
  }
  const out: Record<string, number | null> = {};
  for (const [key, t] of tallies) out[`${key}_pct`] = pct(t.yes, t.n);
  return out;
}

/** Counts of unscorable lines per reason (request errors per kind). */
export function unscorableByReason(lines: readonly ScoredLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    if (line.correct === null) {
      const reason = line.ambiguity_reason ?? 'unknown';
      out[reason] = (out[reason] ?? 0) + 1;
    }
  }
  return out;
}

/** Accuracy over scorable lines only, its Wilson 95% interval, latency and token totals. */
export function computeMetrics(lines: readonly ScoredLine[], ctx: MetricsContext): BenchmarkMetrics {
  const scorable = lines.filter((l) => l.correct !== null);
  const correct = scorable.filter((l) => l.correct === true).length;
  const ci = ctx.note === null ? wilsonInterval(correct, scorable.length) : null;
  // Failed requests have no meaningful latency: only answered ones count.
  const latencies = numbers(
    lines.filter((l) => l.error === null || l.error === undefined),
    'latency_ms',
  );
  const completion = numbers(lines, 'completion_tokens');
  const completionTotal = completion.reduce((a, b) => a + b, 0);
  return {
    benchmark: ctx.benchmark,
    dataset: ctx.dataset,
    subset_size: ctx.subset_size,
    seed: ctx.seed,
    accuracy_pct: ctx.note === null ? pct(correct, scorable.length) : null,
    correct: ctx.note === null ? correct : null,
    scorable_examples: scorable.length,
    unscorable_examples: lines.length - scorable.length,
    total_examples: lines.length,
    ci95_low_pct: ci === null ? null : round2(100 * ci.low),
    ci95_high_pct: ci === null ? null : round2(100 * ci.high),
    latency_mean_ms: round2(mean(latencies)),
    latency_p50_ms: round2(percentile(latencies, 50)),
    latency_p95_ms: round2(percentile(latencies, 95)),
    prompt_tokens_total: numbers(lines, 'prompt_tokens').reduce((a, b) => a + b, 0),
    completion_tokens_total: completionTotal,
    mean_completion_tokens: completion.length === 0 ? null : round2(completionTotal / completion.length),
    note: ctx.note,
    ...secondaryRates(lines),
  };
}
