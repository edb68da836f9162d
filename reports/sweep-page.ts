import { basename } from 'node:path';
import { sweepCharts } from './charts.ts';
import { formatCompact, formatNumber } from './format.ts';
import type { Card, Page, Table } from './html.ts';
import type { SweepReportData } from './model.ts';
import type { ScalingRow } from './schema.ts';
import type { PageContext } from './run-page.ts';

/** scaling_comparison.json's columns with their units, in table order. */
type NumericColumn = Exclude<keyof ScalingRow, 'model'>;
/** Column, header and decimals: one precision per column so the digits line up. */
const COLUMNS: readonly (readonly [NumericColumn, string, number])[] = [
  ['params_b', 'Params (B)', -2],
  ['gsm8k_accuracy_pct', 'GSM8K %', 1],
  ['math_accuracy_pct', 'MATH %', 1],
  ['routerbench_accuracy_pct', 'RouterBench %', 1],
  ['request_throughput_rps', 'req/s', 2],
  ['output_throughput_tps', 'Output tok/s', 0],
  ['mean_ttft_ms', 'Mean TTFT ms', 1],
  ['p99_ttft_ms', 'P99 TTFT ms', 1],
  ['latency_p50_ms', 'p50 latency ms', 0],
  ['latency_p99_ms', 'p99 latency ms', 0],
  ['model_load_time_s', 'Load s', 1],
  ['gpu_memory_gb', 'GPU mem GB', 1],
  ['energy_wh', 'Energy Wh', 1],
];

/** Negative digits mean "up to that many, as written" (sizes: 0.5, 7, 72). */
function cell(value: number | null, digits: number): string {
  return digits < 0 ? formatCompact(value, -digits) : formatNumber(value, digits);
}

function bySize(rows: readonly ScalingRow[]): ScalingRow[] {
  // Unsized models last, then by name, so the table order matches the charts' x axis.
  return [...rows].sort((a, b) => (a.params_b ?? Infinity) - (b.params_b ?? Infinity) || a.model.localeCompare(b.model));
}

function sweepTable(rows: readonly ScalingRow[]): Table {
  return {
    caption: 'Scaling comparison (scaling_comparison.json), one row per model',
    columns: [{ label: 'Model' }, ...COLUMNS.map(([, label]) => ({ label, numeric: true }))],
    rows: bySize(rows).map((r) => [r.model, ...COLUMNS.map(([key, , digits]) => cell(r[key], digits))]),
  };
}

/** The best model for one metric, as a card; none when no model reports it. */
function bestCard(rows: readonly ScalingRow[], label: string, pick: (r: ScalingRow) => number | null, unit: string, digits: number, higherIsBetter: boolean): Card[] {
  let best: { row: ScalingRow; value: number } | null = null;
  for (const row of rows) {
    const value = pick(row);
    if (value === null) continue;
    if (best === null || (higherIsBetter ? value > best.value : value < best.value)) best = { row, value };
  }
  return best ? [{ label, value: formatNumber(best.value, digits), unit, detail: best.row.model }] : [];
}

export function sweepPage(data: SweepReportData, ctx: PageContext): Page {
  const rows = data.rows;
  const sizes = bySize(rows).flatMap((r) => (r.params_b === null ? [] : [`${formatCompact(r.params_b, 2)}B`]));
  const name = basename(data.dir);
  return {
    title: `evalflow · sweep · ${name}`,
    heading: `Scaling sweep · ${name}`,
    meta: [
      ['Sweep folder', data.dir],
      ['Models', String(rows.length)],
      ['Sizes', sizes.join(', ') || '—'],
    ],
    warnings: rows.length === 0 ? ['scaling_comparison.json has no rows.'] : [],
    cards: [
      ...bestCard(rows, 'Best GSM8K', (r) => r.gsm8k_accuracy_pct, '%', 1, true),
      ...bestCard(rows, 'Best MATH', (r) => r.math_accuracy_pct, '%', 1, true),
      ...bestCard(rows, 'Best RouterBench', (r) => r.routerbench_accuracy_pct, '%', 1, true),
      ...bestCard(rows, 'Highest throughput', (r) => r.output_throughput_tps, 'tok/s', 0, true),
      ...bestCard(rows, 'Lowest mean TTFT', (r) => r.mean_ttft_ms, 'ms', 1, false),
    ],
    sections: [
      { id: 'scaling', title: 'Metrics vs model size', source: `${data.dir}/scaling_comparison.json`, empty: rows.length === 0 ? 'No models to plot.' : null, charts: sweepCharts(rows), tables: [] },
      { id: 'table', title: 'All numbers', source: null, empty: rows.length === 0 ? 'No models.' : null, charts: [], tables: [sweepTable(rows)] },
    ],
    footer: `Generated ${ctx.generatedAt.toISOString()} by evalflow ${ctx.version}.`,
  };
}
