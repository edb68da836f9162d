import type { Direction } from '../regression/policy.ts';
import { DEFAULT_ONLINE_METRICS, DEFAULT_THROUGHPUT_METRICS } from '../regression/policy.ts';
import { metricDirection } from '../regression/direction.ts';
import { absDelta, markerOf, relDeltaPct } from '../regression/delta.ts';
import type { Marker } from '../regression/types.ts';
import { flattenObject } from './flatten.ts';
import type { RunRecord } from './record.ts';

export interface ConfigDiffRow {
  key: string;
  /** One per run; null where the run's config has no such key. */
  values: (string | null)[];
}

/** Keys whose values differ between the runs (all keys with `all`), sorted. */
export function configDiff(runs: readonly RunRecord[], opts: { all?: boolean } = {}): ConfigDiffRow[] {
  const flat = runs.map((r) => flattenObject(r.config));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const rows: ConfigDiffRow[] = [];
  for (const key of keys) {
    const values = flat.map((f) => f[key] ?? null);
    if (opts.all || new Set(values).size > 1) rows.push({ key, values });
  }
  return rows;
}

export interface MetricDiffRow {
  name: string;
  values: (number | null)[];
  better: Direction | null;
  /** Indices of the best value (ties share it); empty when there is no direction or nothing differs. */
  best: number[];
  /** With exactly two runs: the second against the first. */
  abs_delta: number | null;
  rel_delta_pct: number | null;
  marker: Marker | null;
}

const HEADLINE_QUALITY = new Set(['accuracy_pct', 'correct', 'scorable_examples', 'unscorable_examples', 'ci95_low_pct', 'ci95_high_pct', 'latency_p50_ms']);
const HEADLINE_THROUGHPUT = new Set([...Object.keys(DEFAULT_THROUGHPUT_METRICS), 'total_token_throughput_tps', 'completed', 'failed']);
const HEADLINE_ONLINE = new Set([...Object.keys(DEFAULT_ONLINE_METRICS), 'achieved_rate_rps', 'goodput_rps', 'completed', 'failed']);

/** The metrics compare shows without --all-metrics: what a person decides on, not every percentile. */
export function isHeadlineMetric(name: string): boolean {
  const parts = name.split('.');
  const key = parts[parts.length - 1]!;
  if (parts[0] === 'throughput') return HEADLINE_THROUGHPUT.has(key);
  if (parts[0] === 'online') return HEADLINE_ONLINE.has(key);
  return HEADLINE_QUALITY.has(key);
}

function bestIndices(values: (number | null)[], better: Direction | null): number[] {
  const present = values.filter((v): v is number => v !== null);
  if (better === null || present.length < 2 || new Set(present).size === 1) return [];
  const target = better === 'higher' ? Math.max(...present) : Math.min(...present);
  return values.flatMap((v, i) => (v === target ? [i] : []));
}

/** Side-by-side metrics, best marked by direction, in name order (benchmarks, online, throughput). */
export function metricDiff(runs: readonly RunRecord[], opts: { all?: boolean } = {}): MetricDiffRow[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].filter((n) => opts.all || isHeadlineMetric(n)).sort();
  return names.map((name) => {
    const values = runs.map((r) => r.metrics[name] ?? null);
    const better = metricDirection(name);
    const pair = runs.length === 2;
    return {
      name,
      values,
      better,
      best: bestIndices(values, better),
      abs_delta: pair ? absDelta(values[0]!, values[1]!) : null,
      rel_delta_pct: pair ? relDeltaPct(values[0]!, values[1]!) : null,
      marker: pair && better ? markerOf(better, values[0]!, values[1]!) : null,
    };
  });
}
