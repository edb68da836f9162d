import { rateFolderName } from '../store/layout.ts';
import type { MetricValues, OnlineRowData, ThroughputData } from '../regression/types.ts';

export interface MetricSources {
  throughput: ThroughputData | null;
  online: OnlineRowData[] | null;
  /** Per benchmark, its <bench>_metrics.json numbers. */
  quality: Record<string, MetricValues | null>;
}

/** The onlineKey of a sweep stage as a name segment: rate_8 (as its folder), or the stage name. */
export function onlineGroupName(row: OnlineRowData): string {
  return row.target_rate_rps !== null ? rateFolderName(row.target_rate_rps) : row.stage;
}

/**
 * Headline metrics as one flat map: throughput.<key>, online.<rate_N>.<key>, <benchmark>.<key>.
 * Leaderboards and compare address metrics by these names.
 */
export function flattenRunMetrics(src: MetricSources): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(src.throughput?.values ?? {})) out[`throughput.${k}`] = v;
  for (const row of src.online ?? []) {
    const group = onlineGroupName(row);
    for (const [k, v] of Object.entries(row.values)) out[`online.${group}.${k}`] = v;
  }
  for (const [bench, values] of Object.entries(src.quality)) {
    for (const [k, v] of Object.entries(values ?? {})) out[`${bench}.${k}`] = v;
  }
  return out;
}
