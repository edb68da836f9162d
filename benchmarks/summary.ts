import { join } from 'node:path';
import { writeCsvAtomic, writeJsonAtomic } from '../store/files.ts';
import type { BenchmarkMetrics } from './metrics.ts';
import { round2 } from './metrics.ts';

/** One row of quality_summary.csv: a benchmark, from one run or aggregated across seeds. */
export interface QualitySummaryRow {
  benchmark: string;
  /** Mean across seeds when several runs are given. */
  accuracy_pct: number | null;
  /** Sample std (ddof=1) across seeds; null with one seed. */
  accuracy_pct_std: number | null;
  n_seeds: number;
  seeds: string;
  /** Wilson 95% interval of a single run; null across seeds (a seed spread is not a binomial interval). */
  ci95_low_pct: number | null;
  ci95_high_pct: number | null;
  correct: number | null;
  scorable_examples: number;
  unscorable_examples: number;
  total_examples: number;
  note: string | null;
}

export interface QualitySummary {
  benchmarks: QualitySummaryRow[];
  /** The per-run rows behind each multi-seed aggregate (empty when every benchmark ran once). */
  per_seed: Pick<BenchmarkMetrics, 'benchmark' | 'seed' | 'accuracy_pct' | 'ci95_low_pct' | 'ci95_high_pct' | 'correct' | 'scorable_examples' | 'unscorable_examples' | 'total_examples' | 'note'>[];
}

/** Sample standard deviation (ddof=1, as seed 003's pandas std); null below two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

function sumNullable(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
}

function aggregate(runs: readonly BenchmarkMetrics[]): QualitySummaryRow {
  const first = runs[0]!;
  const single = runs.length === 1;
  const accuracies = runs.map((r) => r.accuracy_pct).filter((a): a is number => a !== null);
  // A seed without an accuracy (no labels, nothing scorable) leaves the mean undefined rather than biased.
  const complete = accuracies.length === runs.length;
  // Keys in CSV column order.
  return {
    benchmark: first.benchmark,
    accuracy_pct: single ? first.accuracy_pct : complete ? round2(accuracies.reduce((a, b) => a + b, 0) / accuracies.length) : null,
    accuracy_pct_std: single || !complete ? null : round2(sampleStd(accuracies)),
    n_seeds: runs.length,
    seeds: runs.map((r) => (r.seed === null ? 'null' : String(r.seed))).join(';'),
    ci95_low_pct: single ? first.ci95_low_pct : null,
    ci95_high_pct: single ? first.ci95_high_pct : null,
    correct: sumNullable(runs.map((r) => r.correct)),
    scorable_examples: runs.reduce((a, r) => a + r.scorable_examples, 0),
    unscorable_examples: runs.reduce((a, r) => a + r.unscorable_examples, 0),
    total_examples: runs.reduce((a, r) => a + r.total_examples, 0),
    note: first.note,
  };
}

/** Rows per benchmark (in first-seen order); several metrics for one benchmark are seeds of it. */
export function buildQualitySummary(runs: readonly BenchmarkMetrics[]): QualitySummary {
  const byBenchmark = new Map<string, BenchmarkMetrics[]>();
  for (const run of runs) byBenchmark.set(run.benchmark, [...(byBenchmark.get(run.benchmark) ?? []), run]);
  const benchmarks = [...byBenchmark.values()].map(aggregate);
  const per_seed = [...byBenchmark.values()]
    .filter((group) => group.length > 1)
    .flat()
    .map((r) => ({
      benchmark: r.benchmark, seed: r.seed, accuracy_pct: r.accuracy_pct, ci95_low_pct: r.ci95_low_pct, ci95_high_pct: r.ci95_high_pct,
      correct: r.correct, scorable_examples: r.scorable_examples, unscorable_examples: r.unscorable_examples, total_examples: r.total_examples, note: r.note,
    }));
  return { benchmarks, per_seed };
}

/** `quality_summary.json` (rows and per-seed detail) and `quality_summary.csv` (one row per benchmark) in the run folder. */
export async function writeQualitySummary(runDir: string, runs: readonly BenchmarkMetrics[]): Promise<QualitySummary> {
  const summary = buildQualitySummary(runs);
  await writeJsonAtomic(join(runDir, 'quality_summary.json'), summary);
  await writeCsvAtomic(
    join(runDir, 'quality_summary.csv'),
    summary.benchmarks.map((r) => ({ ...r })),
  );
  return summary;
}
