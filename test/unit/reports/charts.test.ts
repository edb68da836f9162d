import { describe, expect, it } from 'vitest';
import type { Chart } from '../../../reports/charts.ts';
import { accuracyBars, accuracyChart, latencyVsRate, rateStages, sweepCharts, throughputVsRate, ttftHistogram, ttftSamples } from '../../../reports/charts.ts';
import { OnlineResultsFile, QualitySummaryFile, RawResultsFile, ScalingComparisonFile } from '../../../reports/schema.ts';
import { spansDecades, tickValues } from '../../../reports/series.ts';
import { onlineRows, qualitySummary, rawRecords, scalingRows } from './fixture.ts';

const online = (rows = onlineRows()) => OnlineResultsFile.parse(rows);
const quality = (value = qualitySummary()) => QualitySummaryFile.parse(value);
const scaling = (rows = scalingRows()) => ScalingComparisonFile.parse(rows);

/** The spec of a chart that must have rendered data, as plain JSON to search. */
function specOf(chart: Chart): string {
  if (chart.kind !== 'spec') throw new Error(`expected a chart, got the note: ${chart.note}`);
  return JSON.stringify(chart.spec);
}

/** The note shown in a chart's place; fails when the chart did render. */
function noteOf(chart: Chart): string {
  if (chart.kind !== 'note') throw new Error(`expected a note, got the chart ${chart.id}`);
  return chart.note;
}

function dataValues(chart: Chart): Record<string, unknown>[] {
  if (chart.kind !== 'spec') throw new Error('not a chart');
  const data = (chart.spec as { data?: { values?: Record<string, unknown>[] } }).data;
  return data?.values ?? [];
}

describe('online charts', () => {
  it('sort the fixed-rate stages by target rate and leave the auto-rate probes out', () => {
    const rows = online([...onlineRows([8, 1, 4]), { ...onlineRows([1])[0], stage: 'saturation', mode: 'saturation', target_rate_rps: null }]);
    expect(rateStages(rows).map((r) => r.target_rate_rps)).toEqual([1, 4, 8]);
    const chart = latencyVsRate(rows);
    const p50 = dataValues(chart).filter((p) => p.series === 'p50').map((p) => p.x);
    expect(p50).toEqual([1, 4, 8]);
    expect(chart.kind === 'spec' && chart.caption).toContain('1 probe stage without a target rate is in the table');
  });

  it('name units in the axis titles', () => {
    const spec = specOf(latencyVsRate(online()));
    expect(spec).toContain('Target request rate (req/s)');
    expect(spec).toContain('Latency (ms)');
    const tp = specOf(throughputVsRate(online()));
    expect(tp).toContain('Output (tok/s)');
    expect(tp).toContain('Rate (req/s)');
  });

  it('use a log rate axis once the rates span more than an order of magnitude', () => {
    expect(specOf(latencyVsRate(online(onlineRows([1, 2, 4, 8, 16, 32]))))).toContain('"type":"log"');
    expect(specOf(latencyVsRate(online(onlineRows([2, 4, 8]))))).not.toContain('"type":"log"');
    expect(spansDecades([1, 32])).toBe(true);
    expect(spansDecades([0, 32])).toBe(false);
    expect(tickValues([4, 1, 4, 2])).toEqual([1, 2, 4]);
  });

  it('show a note instead of an empty chart when no stage has a latency', () => {
    const rows = online(onlineRows([2, 8]).map((r) => ({ ...r, latency_p50_ms: null, latency_p95_ms: null, latency_p99_ms: null })));
    const chart = latencyVsRate(rows);
    expect(chart.id).toBe('latency-vs-rate');
    expect(noteOf(chart)).toMatch(/None of the 2 stages has a latency/);
    expect(latencyVsRate([])).toMatchObject({ kind: 'note' });
    expect(throughputVsRate([])).toMatchObject({ kind: 'note' });
  });

  it('keep a missing value as a gap (null), not a zero', () => {
    const rows = onlineRows([1, 2, 4]);
    rows[1] = { ...rows[1], latency_p99_ms: null };
    const p99 = dataValues(latencyVsRate(online(rows))).filter((p) => p.series === 'p99');
    expect(p99.map((p) => typeof p.y)).toEqual(['number', 'object', 'number']);
    expect(p99[1]!.y).toBeNull();
  });

  it('drop the token panel when no stage produced tokens, and say so', () => {
    const rows = online(onlineRows([2, 8]).map((r) => ({ ...r, effective_throughput_tps: 0 })));
    const chart = throughputVsRate(rows);
    expect(chart.kind === 'spec' && (chart.spec as { vconcat: unknown[] }).vconcat).toHaveLength(1);
    expect(chart.kind === 'spec' && chart.caption).toContain('No stage reports an effective token throughput');
  });
});

describe('TTFT histogram', () => {
  it('takes firstTokenMs − sentMs of measured, successful requests only', () => {
    const records = RawResultsFile.parse([
      { sentMs: 100, firstTokenMs: 250, endMs: 900, error: null },
      { sentMs: 100, firstTokenMs: 130, endMs: 900, error: null, warmup: true },
      { sentMs: 100, firstTokenMs: null, endMs: null, error: { kind: 'connect', message: 'refused' } },
      { sentMs: 200, firstTokenMs: 260, endMs: 900, error: { kind: 'closed', message: 'closed mid-stream' } },
    ]);
    expect(ttftSamples(records)).toEqual([150]);
  });

  it('plots every measured request with p50 and p99 marked, in ms', () => {
    const chart = ttftHistogram(RawResultsFile.parse(rawRecords(400)));
    const spec = specOf(chart);
    expect(spec).toContain('Time to first token (ms)');
    expect(spec).toMatch(/p50 [\d,.]+ ms/);
    expect(spec).toMatch(/p99 [\d,.]+ ms/);
    expect(chart.kind === 'spec' && chart.caption).toMatch(/^400 requests/);
  });

  it('says why instead of drawing nothing', () => {
    expect(noteOf(ttftHistogram(null))).toContain('raw_results.json is missing');
    expect(noteOf(ttftHistogram([]))).toContain('None of the 0 recorded requests');
  });
});

describe('accuracy chart', () => {
  it('has one bar per scored benchmark with its Wilson interval, and names the unscored ones', () => {
    const bars = accuracyBars(quality());
    expect(bars.map((b) => [b.benchmark, b.accuracy, b.lo, b.hi])).toEqual([
      ['GSM8K', 89.61, 87.83, 91.15],
      ['MATH', 52.4, 48.02, 56.74],
    ]);
    const chart = accuracyChart(quality());
    expect(specOf(chart)).toContain('Accuracy (%)');
    expect(chart.kind === 'spec' && chart.caption).toContain('Not plotted: RouterBench: has_labels is false');
  });

  it('uses ±1 s.d. across seeds when several seeds were averaged, and plots each seed', () => {
    const summary = quality({
      benchmarks: [{ benchmark: 'gsm8k', accuracy_pct: 88, accuracy_pct_std: 1.5, n_seeds: 3, ci95_low_pct: null, ci95_high_pct: null, scorable_examples: 300, unscorable_examples: 0, total_examples: 300, correct: 264, note: null }],
      per_seed: [86.5, 88, 89.5].map((a, i) => ({ benchmark: 'gsm8k', seed: i, accuracy_pct: a, ci95_low_pct: null, ci95_high_pct: null, correct: null, scorable_examples: 100, unscorable_examples: 0, total_examples: 100, note: null })),
    });
    expect(accuracyBars(summary)[0]).toMatchObject({ lo: 86.5, hi: 89.5 });
    const chart = accuracyChart(summary);
    expect(chart.kind === 'spec' && chart.caption).toContain('±1 s.d. across seeds; red dots are single seeds');
  });

  it('is a note when no benchmark has an accuracy', () => {
    const summary = quality({ benchmarks: [(qualitySummary() as { benchmarks: unknown[] }).benchmarks[2]], per_seed: [] });
    expect(noteOf(accuracyChart(summary))).toContain('RouterBench: has_labels is false');
  });
});

describe('sweep charts', () => {
  it('plot quality, latency, throughput, memory and energy against a log size axis with units', () => {
    const charts = sweepCharts(scaling());
    expect(charts.map((c) => c.id)).toEqual(['sweep-quality', 'sweep-latency', 'sweep-throughput', 'sweep-memory', 'sweep-energy']);
    for (const c of charts) {
      const spec = specOf(c);
      expect(spec).toContain('"type":"log"');
      expect(spec).toContain('Model size (billions of parameters)');
      expect(spec).toMatch(/\((%|ms|tok\/s|GB|Wh)\)/);
    }
  });

  it('sort by size and name the series and models that have no value', () => {
    const rows = scalingRows().reverse();
    const [quality_, , , , energy] = sweepCharts(scaling(rows));
    expect(dataValues(quality_!).filter((p) => p.series === 'GSM8K').map((p) => p.x)).toEqual([0.5, 1.5, 7, 32, 72]);
    expect(quality_!.kind === 'spec' && quality_!.caption).toContain('No data for RouterBench');
    expect(energy!.kind === 'spec' && energy!.caption).toContain('Missing values: energy (Qwen/Qwen2.5-32B-Instruct)');
  });

  it('leave out models without a parameter count, and fall back to notes when nothing is left', () => {
    const rows = [...scalingRows(), { ...scalingRows()[0], model: 'mystery-model', params_b: null }];
    const [first] = sweepCharts(scaling(rows));
    expect(first!.kind === 'spec' && first!.caption).toContain('Not plotted (no parameter count): mystery-model');
    const none = sweepCharts(scaling(scalingRows().map((r) => ({ ...r, energy_wh: null }))));
    expect(noteOf(none[4]!)).toBe('No model in the sweep has a value for energy.');
    expect(sweepCharts([]).every((c) => c.kind === 'note')).toBe(true);
  });
});
