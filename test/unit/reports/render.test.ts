import { describe, expect, it } from 'vitest';
import { accuracyChart, latencyVsRate, ttftHistogram } from '../../../reports/charts.ts';
import type { Chart } from '../../../reports/charts.ts';
import { renderSvg, scopeSvgIds } from '../../../reports/render.ts';
import { OnlineResultsFile, QualitySummaryFile, RawResultsFile } from '../../../reports/schema.ts';
import { textWidth } from '../../../reports/text-width.ts';
import { onlineRows, qualitySummary, rawRecords } from './fixture.ts';

/** Items drawn by the chart's own marks (not axes or legends) of one Vega mark type, e.g. symbol or rect; `layer` narrows to one layer. */
function countMarks(svg: string, type: string, layer = ''): number {
  let count = 0;
  for (const match of svg.matchAll(new RegExp(`<g class="mark-${type} role-mark ${layer}[^"]*"[^>]*>(.*?)</g>`, 'g'))) {
    count += (match[1]!.match(/<(path|line|text)\b/g) ?? []).length;
  }
  return count;
}

async function render(chart: Chart): Promise<string> {
  if (chart.kind !== 'spec') throw new Error('expected a chart');
  return renderSvg(chart.spec, chart.id);
}

describe('renderSvg', () => {
  it('draws a point per stage and percentile, on a canvas of sensible size', async () => {
    const svg = await render(latencyVsRate(OnlineResultsFile.parse(onlineRows([1, 2, 4, 8]))));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(countMarks(svg, 'symbol')).toBe(12);
    expect(countMarks(svg, 'line')).toBe(3);
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    expect(Number(width)).toBeGreaterThan(400);
    expect(Number(width)).toBeLessThan(700);
    expect(Number(height)).toBeGreaterThan(250);
    expect(svg).toContain('Latency (ms)');
  });

  it('draws a bar per benchmark with an interval, and the p50/p99 rules of a histogram', async () => {
    const acc = await render(accuracyChart(QualitySummaryFile.parse(qualitySummary())));
    expect(countMarks(acc, 'rect', 'layer_0_marks')).toBe(2);
    // Each interval is a rule with a tick at either end.
    expect(countMarks(acc, 'rule')).toBe(2);
    expect(countMarks(acc, 'rect')).toBe(2 + 4);
    const hist = await render(ttftHistogram(RawResultsFile.parse(rawRecords(400))));
    expect(countMarks(hist, 'rect')).toBeGreaterThanOrEqual(15);
    expect(countMarks(hist, 'rule')).toBe(2);
  });

  it('escapes text that reaches the SVG', async () => {
    const summary = QualitySummaryFile.parse({ ...qualitySummary(), benchmarks: [{ ...(qualitySummary() as { benchmarks: object[] }).benchmarks[0], benchmark: '<script>x</script>' }] });
    const svg = await render(accuracyChart(summary));
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });
});

describe('scopeSvgIds', () => {
  it('prefixes ids and their references so several SVGs can share a page', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"></g></svg>';
    expect(scopeSvgIds(svg, 'latency')).toBe('<svg><defs><clipPath id="latency-clip1"><rect/></clipPath></defs><g clip-path="url(#latency-clip1)"></g></svg>');
  });
});

describe('textWidth', () => {
  it('uses Helvetica widths: narrow letters are narrow, bold is wider', () => {
    expect(textWidth('iiii', 10)).toBeCloseTo(8.88);
    expect(textWidth('MMMM', 10)).toBeCloseTo(33.32);
    expect(textWidth('1,000', 12)).toBeCloseTo(30.02, 1);
    expect(textWidth('Accuracy', 12, true)).toBeGreaterThan(textWidth('Accuracy', 12));
  });
});
