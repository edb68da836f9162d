import type { Config } from 'vega-lite';

/**
 * Okabe–Ito: distinguishable under the common colour-vision deficiencies and in greyscale print.
 * Yellow is last because it is hard to see on white.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'] as const;

/** Series also differ by dash, so they stay apart without colour (and in greyscale print). */
export const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];

/** Arial-metric fonts first: the server-side layout measures text with Helvetica widths (render.ts). */
export const CHART_FONT = 'Helvetica, Arial, "Liberation Sans", sans-serif';

/** Plot area of one chart; two fit side by side in the page's 1200 px column. */
export const CHART_WIDTH = 440;
export const CHART_HEIGHT = 250;

export const THEME: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 600,
    labelColor: '#374151',
    titleColor: '#111827',
    gridColor: '#e5e7eb',
    domainColor: '#9ca3af',
    tickColor: '#9ca3af',
    titlePadding: 10,
    labelOverlap: true,
    labelFlush: false,
  },
  axisX: { grid: false, tickCount: 8 },
  axisY: { tickCount: 6 },
  legend: {
    orient: 'top',
    direction: 'horizontal',
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 600,
    symbolSize: 90,
    symbolStrokeWidth: 2.5,
    columnPadding: 16,
  },
  range: { category: [...PALETTE] },
  line: { strokeWidth: 2.5 },
  point: { size: 60, filled: true },
  bar: { color: PALETTE[0] },
  rect: { color: PALETTE[0] },
};
