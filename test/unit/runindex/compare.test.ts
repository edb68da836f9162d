import { describe, expect, it } from 'vitest';
import { configDiff, isHeadlineMetric, metricDiff } from '../../../runindex/compare.ts';
import { flattenObject } from '../../../runindex/flatten.ts';
import { renderConfigDiff, renderMetricDiff } from '../../../runindex/render.ts';
import { record } from './contract.ts';

const a = record({
  id: 'run-a',
  config: { serving: { max_num_seqs: 256, dtype: 'bfloat16', extra_args: [] }, eval: { benchmarks: { gsm8k: { subset_size: 100 } } } },
  metrics: { 'gsm8k.accuracy_pct': 80, 'throughput.p99_ttft_ms': 180, 'throughput.request_throughput_rps': 30, 'gsm8k.total_examples': 100, 'online.rate_8.itl_p99_ms': 9 },
});
const b = record({
  id: 'run-b',
  config: { serving: { max_num_seqs: 128, dtype: 'bfloat16', extra_args: ['--enforce-eager'], enable_prefix_caching: true }, eval: { benchmarks: { gsm8k: { subset_size: 100 } } } },
  metrics: { 'gsm8k.accuracy_pct': 82.5, 'throughput.p99_ttft_ms': 200, 'throughput.request_throughput_rps': 30, 'gsm8k.total_examples': 100 },
});

describe('flattenObject', () => {
  it('dots nested keys, keeps arrays whole, strings bare', () => {
    expect(flattenObject({ a: { b: 1, c: 'x', d: [1, 2], e: { f: null } }, g: {} })).toEqual({ 'a.b': '1', 'a.c': 'x', 'a.d': '[1,2]', 'a.e.f': 'null', g: '{}' });
  });
});

describe('compare', () => {
  it('config diff: only the keys that differ (absent on one side included)', () => {
    expect(configDiff([a, b])).toEqual([
      { key: 'serving.enable_prefix_caching', values: [null, 'true'] },
      { key: 'serving.extra_args', values: ['[]', '["--enforce-eager"]'] },
      { key: 'serving.max_num_seqs', values: ['256', '128'] },
    ]);
    expect(configDiff([a, b], { all: true }).map((r) => r.key)).toContain('serving.dtype');
  });

  it('metric diff: headline metrics side by side, best marked by direction, Δ of the second against the first', () => {
    const rows = metricDiff([a, b]);
    expect(rows.map((r) => r.name)).toEqual(['gsm8k.accuracy_pct', 'throughput.p99_ttft_ms', 'throughput.request_throughput_rps']);
    expect(rows[0]).toMatchObject({ values: [80, 82.5], better: 'higher', best: [1], abs_delta: 2.5, marker: '↗' });
    expect(rows[1]).toMatchObject({ values: [180, 200], better: 'lower', best: [0], abs_delta: 20, marker: '↘' });
    expect(rows[1]!.rel_delta_pct).toBeCloseTo(11.11, 2);
    expect(rows[2]).toMatchObject({ best: [], marker: '→' }); // equal: nobody is best
    expect(metricDiff([a, b], { all: true }).map((r) => r.name)).toContain('online.rate_8.itl_p99_ms');
    expect(isHeadlineMetric('online.rate_8.latency_p99_ms')).toBe(true);
    expect(isHeadlineMetric('online.rate_8.itl_p99_ms')).toBe(false);
  });

  it('three runs: best can be shared, no Δ columns', () => {
    const c = record({ id: 'run-c', metrics: { 'gsm8k.accuracy_pct': 82.5 } });
    const row = metricDiff([a, b, c]).find((r) => r.name === 'gsm8k.accuracy_pct')!;
    expect(row).toMatchObject({ best: [1, 2], abs_delta: null, marker: null });
  });

  it('renders rows for the config diff and the metric diff with ★ on the best', () => {
    const config = renderConfigDiff([a, b], configDiff([a, b]));
    expect(config).toMatch(/serving\.max_num_seqs\s*│\s*256\s*│\s*128/);
    expect(config).toMatch(/serving\.enable_prefix_caching\s*│\s*\(absent\)\s*│\s*true/);
    const metrics = renderMetricDiff([a, b], metricDiff([a, b]));
    expect(metrics).toMatch(/gsm8k\.accuracy_pct\s*│\s*80\s*│\s*82\.50 ★\s*│\s*↗ \+2\.50\s*│\s*\+3\.1%/);
    expect(metrics).toMatch(/throughput\.p99_ttft_ms\s*│\s*180 ★\s*│\s*200\s*│\s*↘ \+20\s/);
  });
});
