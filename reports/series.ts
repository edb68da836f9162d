import type { TopLevelSpec } from 'vega-lite';
import type { Encoding } from 'vega-lite/types_unstable/encoding.js';
import { CHART_HEIGHT, CHART_WIDTH, DASHES, PALETTE, THEME } from './theme.ts';

/** A chart a report shows, or the note it shows in the chart's place when the data is not there. */
export type Chart =
  | { kind: 'spec'; id: string; title: string; caption: string; spec: TopLevelSpec }
  | { kind: 'note'; id: string; title: string; note: string };

/** One plotted value in long format: `series` picks colour and dash; a null y breaks the line there. */
export interface Point {
  x: number;
  y: number | null;
  series: string;
}

export interface AxisOptions {
  title: string;
  log?: boolean;
  /** Ticks exactly at these values (the measured rates or model sizes) instead of round numbers. */
  ticks?: readonly number[] | null;
  /** Appended to each tick label, e.g. "B" for billions of parameters. */
  labelSuffix?: string;
  domain?: readonly [number, number];
}

export interface SeriesChartOptions {
  id: string;
  title: string;
  caption: string;
  points: readonly Point[];
  /** Legend and colour order; series without a single value are left out (and named in the caption). */
  series: readonly string[];
  /** Colours by position in `series`; the palette by default. */
  colours?: readonly string[];
  x: AxisOptions;
  y: AxisOptions;
  height?: number;
}

/** Whether values spread over enough orders of magnitude that a log axis reads better than a linear one. */
export function spansDecades(values: readonly number[]): boolean {
  if (values.length < 2 || values.some((v) => !(v > 0))) return false;
  return Math.max(...values) / Math.min(...values) >= 20;
}

/** Sorted distinct values, or null when there are too many to label each one. */
export function tickValues(values: readonly number[], max = 12): number[] | null {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return distinct.length > 0 && distinct.length <= max ? distinct : null;
}

type Position = NonNullable<Encoding<string>['x']>;

export function axisEncoding(field: 'x' | 'y', opts: AxisOptions): Position {
  const log = opts.log === true;
  return {
    field,
    type: 'quantitative',
    title: opts.title,
    // Pixel padding keeps edge points off the axis lines; log domains must not start at zero.
    scale: { type: log ? 'log' : 'linear', ...(opts.domain ? { domain: [...opts.domain] } : log ? { nice: false } : { zero: true, nice: true }), ...(field === 'x' ? { padding: 14 } : {}) },
    axis: {
      ...(opts.ticks ? { values: [...opts.ticks] } : {}),
      ...(opts.labelSuffix ? { labelExpr: `format(datum.value, '~g') + '${opts.labelSuffix}'` } : log ? { format: '~g' } : {}),
    },
  };
}

/** Lines with points, one per series: the shape of every "metric vs rate" and "metric vs size" chart. */
export function presentSeries(opts: Pick<SeriesChartOptions, 'series' | 'points'>): string[] {
  return opts.series.filter((s) => opts.points.some((p) => p.series === s && p.y !== null));
}

export function seriesChart(opts: SeriesChartOptions): TopLevelSpec {
  const present = presentSeries(opts);
  const colours = opts.colours ?? PALETTE;
  const range = <T>(values: readonly T[]): T[] => present.map((s) => values[opts.series.indexOf(s) % values.length]!);
  const single = present.length === 1;
  // Colour and dash share one legend (one field) drawn as line samples, so a series reads apart without colour.
  const legend = single ? null : ({ title: null, symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 260 } as const);
  const color: Encoding<string>['color'] = { field: 'series', type: 'nominal', scale: { domain: present, range: range(colours) }, legend };
  const strokeDash: Encoding<string>['strokeDash'] = { field: 'series', type: 'nominal', scale: { domain: present, range: range(DASHES) }, legend };
  const x = axisEncoding('x', opts.x);
  const y = axisEncoding('y', opts.y);
  return {
    description: opts.title,
    width: CHART_WIDTH,
    height: opts.height ?? CHART_HEIGHT,
    config: THEME,
    // Nulls stay in the data: Vega-Lite breaks a line at them rather than drawing across a missing value.
    data: { values: opts.points.filter((p) => present.includes(p.series)).map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'line', clip: false }, encoding: { x, y, color, strokeDash, order: { field: 'x' } } },
      { mark: { type: 'point', filled: true, opacity: 1 }, encoding: { x, y, color } },
    ],
  };
}

/** The chart, or a note when there is nothing to plot; series with no values are named in the caption. */
export function seriesOrNote(opts: SeriesChartOptions, note: string): Chart {
  const present = presentSeries(opts);
  if (present.length === 0) return { kind: 'note', id: opts.id, title: opts.title, note };
  const absent = opts.series.filter((s) => !present.includes(s));
  const caption = absent.length > 0 ? `${opts.caption} No data for ${absent.join(', ')}.` : opts.caption;
  return { kind: 'spec', id: opts.id, title: opts.title, caption, spec: seriesChart(opts) };
}

/** Long-format points for each (series, field); a missing value stays null so the line shows a gap, not a zero. */
export function pointsOf<R>(rows: readonly R[], x: (r: R) => number, fields: readonly (readonly [string, (r: R) => number | null])[]): Point[] {
  const points: Point[] = [];
  for (const [series, y] of fields) {
    for (const row of rows) {
      const value = y(row);
      points.push({ x: x(row), y: value !== null && Number.isFinite(value) ? value : null, series });
    }
  }
  return points;
}
