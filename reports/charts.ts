import type { TopLevelSpec } from 'vega-lite';
import type { Encoding } from 'vega-lite/types_unstable/encoding.js';
import type { NonNormalizedSpec } from 'vega-lite/types_unstable/spec/index.js';
import { percentile } from '../stats/percentile.ts';
import type { OnlineRow, QualitySummaryFile, RawRecord } from './schema.ts';
import type { Chart } from './series.ts';
import { pointsOf, seriesOrNote, spansDecades, tickValues } from './series.ts';
import { CHART_HEIGHT, CHART_WIDTH, PALETTE, THEME } from './theme.ts';
import { benchmarkLabel, formatNumber } from './format.ts';

export type { Chart } from './series.ts';
export { sweepCharts } from './sweep-charts.ts';

const GREY = '#6b7280';

/** Fixed-rate stages sorted by target rate; the `rates: auto` probes have no target rate and stay in the table only. */
export function rateStages(rows: readonly OnlineRow[]): (OnlineRow & { target_rate_rps: number })[] {
  return rows
    .filter((r): r is OnlineRow & { target_rate_rps: number } => r.target_rate_rps !== null && (r.mode === null || r.mode === 'rate'))
    .sort((a, b) => a.target_rate_rps - b.target_rate_rps);
}

function rateAxis(stages: readonly { target_rate_rps: number }[]): { title: string; log: boolean; ticks: number[] | null } {
  const rates = stages.map((s) => s.target_rate_rps);
  return { title: 'Target request rate (req/s)', log: spansDecades(rates), ticks: tickValues(rates) };
}

function probeNote(rows: readonly OnlineRow[], stages: readonly OnlineRow[]): string {
  const probes = rows.length - stages.length;
  return probes > 0 ? ` ${probes} probe stage${probes === 1 ? '' : 's'} without a target rate ${probes === 1 ? 'is' : 'are'} in the table below.` : '';
}

export function latencyVsRate(rows: readonly OnlineRow[]): Chart {
  const stages = rateStages(rows);
  const points = pointsOf(stages, (r) => r.target_rate_rps, [
    ['p50', (r) => r.latency_p50_ms],
    ['p95', (r) => r.latency_p95_ms],
    ['p99', (r) => r.latency_p99_ms],
  ]);
  return seriesOrNote(
    {
      id: 'latency-vs-rate',
      title: 'End-to-end latency vs request rate',
      caption: `Latency percentiles of completed requests at each open-loop target rate (${stages.length} stages).${probeNote(rows, stages)}`,
      points,
      series: ['p50', 'p95', 'p99'],
      x: rateAxis(stages),
      y: { title: 'Latency (ms)' },
    },
    stages.length === 0
      ? 'No fixed-rate stage in online_results.json, so there is no latency curve to draw.'
      : `None of the ${stages.length} stages has a latency: no request completed inside a measured window.`,
  );
}

export function throughputVsRate(rows: readonly OnlineRow[]): Chart {
  const id = 'throughput-vs-rate';
  const title = 'Throughput vs request rate';
  const stages = rateStages(rows);
  // Zero tokens/s means nothing completed (a smoke run's warmup can take every request); plot it as missing.
  const tokens = pointsOf(stages, (r) => r.target_rate_rps, [['effective throughput', (r) => r.effective_throughput_tps || null]]).filter((p) => p.y !== null);
  const rates = pointsOf(stages, (r) => r.target_rate_rps, [
    ['achieved rate', (r) => r.achieved_rate_rps],
    ['goodput', (r) => r.goodput_rps],
  ]).filter((p) => p.y !== null);
  if (tokens.length === 0 && rates.length === 0) {
    return { kind: 'note', id, title, note: stages.length === 0 ? 'No fixed-rate stage in online_results.json.' : 'No stage reports a throughput or an achieved rate.' };
  }
  const axis = rateAxis(stages);
  const x = {
    field: 'x',
    type: 'quantitative',
    title: axis.title,
    scale: { type: axis.log ? 'log' : 'linear', padding: 14, ...(axis.log ? { nice: false } : {}) },
    axis: axis.ticks ? { values: axis.ticks, ...(axis.log ? { format: '~g' } : {}) } : {},
  } as const;
  // Ideal line: every offered request served. Achieved rate below it means the client could not keep up.
  const ideal = stages.map((s) => ({ x: s.target_rate_rps, y: s.target_rate_rps, series: 'target' }));
  const rateSeries = ['achieved rate', 'goodput', 'target'];
  const rateColours = [PALETTE[0], PALETTE[1], GREY];
  const present = rateSeries.filter((s) => s === 'target' || rates.some((p) => p.series === s));
  const pick = <T>(values: readonly T[]): T[] => present.map((s) => values[rateSeries.indexOf(s)]!);
  const seriesScale = (values: readonly (string | number[])[], legend: boolean) =>
    ({ field: 'series', type: 'nominal', scale: { domain: present, range: pick(values) }, legend: legend ? { title: null, symbolType: 'stroke', symbolStrokeWidth: 3 } : null }) as const;
  const tokenPanel: NonNormalizedSpec = {
    width: CHART_WIDTH,
    height: 120,
    data: { values: tokens.map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'line', color: PALETTE[2] }, encoding: { x: { ...x, title: null }, y: { field: 'y', type: 'quantitative', title: 'Output (tok/s)' } } },
      { mark: { type: 'point', filled: true, color: PALETTE[2] }, encoding: { x: { ...x, title: null }, y: { field: 'y', type: 'quantitative' } } },
    ],
  };
  const ratePanel: NonNormalizedSpec = {
    width: CHART_WIDTH,
    height: tokens.length > 0 ? 150 : CHART_HEIGHT,
    data: { values: [...rates, ...ideal].map((p) => ({ ...p })) },
    layer: [
      {
        mark: { type: 'line' },
        encoding: { x, y: { field: 'y', type: 'quantitative', title: 'Rate (req/s)' }, color: seriesScale(rateColours, true), strokeDash: seriesScale([[1, 0], [6, 3], [2, 3]], true), order: { field: 'x' } },
      },
      { mark: { type: 'point', filled: true }, transform: [{ filter: "datum.series !== 'target'" }], encoding: { x, y: { field: 'y', type: 'quantitative' }, color: seriesScale(rateColours, true) } },
    ],
  };
  // A panel with no data would draw empty axes (and make Vega warn); leave it out and say so in the caption.
  const spec: TopLevelSpec = { description: title, config: THEME, spacing: 18, vconcat: tokens.length > 0 ? [tokenPanel, ratePanel] : [ratePanel] };
  const missing = tokens.length === 0 ? ' No stage reports an effective token throughput.' : '';
  return {
    kind: 'spec',
    id,
    title,
    caption: `${tokens.length > 0 ? 'Top: effective output tokens per second. Bottom: achieved' : 'Achieved'} request rate and goodput (requests meeting the SLOs) against the offered rate; the grey line is the target.${missing}${probeNote(rows, stages)}`,
    spec,
  };
}

/** TTFT of every measured, successful request: firstTokenMs − sentMs (warmup and failed requests excluded). */
export function ttftSamples(records: readonly RawRecord[]): number[] {
  return records
    .filter((r) => r.warmup !== true && (r.error === null || r.error === undefined) && r.firstTokenMs !== null)
    .map((r) => r.firstTokenMs! - r.sentMs)
    .filter((v) => Number.isFinite(v) && v >= 0);
}

export function ttftHistogram(records: readonly RawRecord[] | null): Chart {
  const id = 'ttft-histogram';
  const title = 'Time to first token, offline throughput run';
  if (records === null) return { kind: 'note', id, title, note: 'raw_results.json is missing, so the TTFT distribution cannot be drawn.' };
  const ttft = ttftSamples(records);
  if (ttft.length === 0) return { kind: 'note', id, title, note: `None of the ${records.length} recorded requests produced a first token.` };
  const lo = Math.min(...ttft);
  // A constant TTFT (a simulator) would give an empty bin extent; widen it so one bar shows.
  const hi = Math.max(lo + 1, Math.max(...ttft));
  const marks = [
    { label: 'p50', value: percentile(ttft, 50)!, dy: -22 },
    { label: 'p99', value: percentile(ttft, 99)!, dy: -6 },
  ];
  // About 2·√n bins: a smoke run's 32 requests get readable bars, a full run's thousands get detail.
  const x = { field: 'ttft_ms', type: 'quantitative', bin: { maxbins: Math.min(40, Math.max(10, Math.ceil(2 * Math.sqrt(ttft.length)))), extent: [lo, hi] }, title: 'Time to first token (ms)' } as const;
  const spec: TopLevelSpec = {
    description: title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    config: THEME,
    layer: [
      {
        data: { values: ttft.map((v) => ({ ttft_ms: v })) },
        mark: { type: 'bar', color: PALETTE[0], binSpacing: 1 },
        encoding: { x, y: { aggregate: 'count', type: 'quantitative', title: 'Requests' } },
      },
      {
        data: { values: marks.map((m) => ({ ...m, text: `${m.label} ${formatNumber(m.value, 1)} ms` })) },
        layer: [
          { mark: { type: 'rule', color: PALETTE[3], strokeWidth: 2, strokeDash: [5, 3] }, encoding: { x: { field: 'value', type: 'quantitative' } } },
          {
            // Above the plot, staggered, so the labels cross neither the bars nor each other.
            mark: { type: 'text', align: 'center', baseline: 'bottom', fontSize: 12, fontWeight: 600, color: '#7c2d12' },
            encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 0 }, yOffset: { field: 'dy', type: 'quantitative', scale: null }, text: { field: 'text' } },
          },
        ],
      },
    ],
  };
  return {
    kind: 'spec',
    id,
    title,
    caption: `${ttft.length} requests (warmup and failed requests excluded); the dashed lines mark p50 and p99.`,
    spec,
  };
}

interface AccuracyBar {
  benchmark: string;
  accuracy: number;
  lo: number | null;
  hi: number | null;
  label: string;
}

/** Bars with the Wilson 95% CI of a single run, or ±1 s.d. across seeds when several seeds were averaged. */
export function accuracyBars(summary: QualitySummaryFile): AccuracyBar[] {
  const bars: AccuracyBar[] = [];
  for (const row of summary.benchmarks) {
    if (row.accuracy_pct === null) continue;
    const std = row.accuracy_pct_std;
    const [lo, hi] =
      row.ci95_low_pct !== null && row.ci95_high_pct !== null
        ? [row.ci95_low_pct, row.ci95_high_pct]
        : std !== null
          ? [Math.max(0, row.accuracy_pct - std), Math.min(100, row.accuracy_pct + std)]
          : [null, null];
    const interval = lo !== null && hi !== null ? `  [${formatNumber(lo, 1)}, ${formatNumber(hi, 1)}]` : '';
    bars.push({ benchmark: benchmarkLabel(row.benchmark), accuracy: row.accuracy_pct, lo, hi, label: `${formatNumber(row.accuracy_pct, 1)}%${interval}` });
  }
  return bars;
}

export function accuracyChart(summary: QualitySummaryFile): Chart {
  const id = 'accuracy';
  const title = 'Accuracy per benchmark';
  const bars = accuracyBars(summary);
  const missing = summary.benchmarks.filter((r) => r.accuracy_pct === null).map((r) => `${benchmarkLabel(r.benchmark)}: ${r.note ?? 'no scorable examples'}`);
  if (bars.length === 0) return { kind: 'note', id, title, note: missing.length > 0 ? `No accuracy to plot. ${missing.join('; ')}.` : 'quality_summary.json lists no benchmarks.' };
  const seeds = summary.per_seed.filter((s) => s.accuracy_pct !== null).map((s) => ({ benchmark: benchmarkLabel(s.benchmark), accuracy: s.accuracy_pct }));
  const y = { field: 'benchmark', type: 'nominal', title: null, sort: bars.map((b) => b.benchmark), scale: { paddingInner: 0.35 }, axis: { labelFontSize: 13, labelFontWeight: 600 } } as const;
  const x: Encoding<string>['x'] = { field: 'accuracy', type: 'quantitative', title: 'Accuracy (%)', scale: { domain: [0, 100] } };
  const whiskers = bars.filter((b) => b.lo !== null);
  const spec: TopLevelSpec = {
    description: title,
    width: CHART_WIDTH - 60,
    height: Math.max(110, bars.length * 50),
    config: THEME,
    data: { values: bars.map((b) => ({ ...b })) },
    layer: [
      { mark: { type: 'bar', color: PALETTE[5] }, encoding: { y, x } },
      ...(whiskers.length > 0
        ? [{ data: { values: whiskers.map((b) => ({ ...b })) }, mark: { type: 'errorbar', ticks: { size: 10 }, thickness: 2, color: '#111827' }, encoding: { y, x: { field: 'lo', type: 'quantitative', title: 'Accuracy (%)' }, x2: { field: 'hi' } } } as const]
        : []),
      ...(seeds.length > 0
        ? [{ data: { values: seeds }, mark: { type: 'point', shape: 'circle', filled: true, size: 36, color: PALETTE[3], opacity: 0.85 }, encoding: { y, x: { field: 'accuracy', type: 'quantitative' } } } as const]
        : []),
      // Labels sit past the whisker so they never cross a bar or an interval.
      {
        transform: [{ calculate: 'datum.hi === null ? datum.accuracy : datum.hi', as: 'end' }],
        mark: { type: 'text', align: 'left', dx: 8, fontSize: 12, color: '#111827' },
        encoding: { y, x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  const interval = summary.benchmarks.some((r) => r.ci95_low_pct !== null) ? 'whiskers are Wilson 95% confidence intervals' : 'whiskers are ±1 s.d. across seeds';
  const seedNote = seeds.length > 0 ? '; red dots are single seeds' : '';
  const missingNote = missing.length > 0 ? ` Not plotted: ${missing.join('; ')}.` : '';
  return { kind: 'spec', id, title, caption: `Accuracy among scorable examples; ${interval}${seedNote}.${missingNote}`, spec };
}
