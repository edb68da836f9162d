import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchmarkMetrics } from '../../../benchmarks/metrics.ts';
import { buildQualitySummary, sampleStd, writeQualitySummary } from '../../../benchmarks/summary.ts';

function metrics(benchmark: BenchmarkMetrics['benchmark'], seed: number, accuracy: number | null, extra: Partial<BenchmarkMetrics> = {}): BenchmarkMetrics {
  return {
    benchmark, dataset: 'd', subset_size: null, seed, accuracy_pct: accuracy, correct: accuracy === null ? null : accuracy, scorable_examples: 100, unscorable_examples: 2,
    total_examples: 102, ci95_low_pct: 1, ci95_high_pct: 2, latency_mean_ms: null, latency_p50_ms: null, latency_p95_ms: null, prompt_tokens_total: 0,
    completion_tokens_total: 0, mean_completion_tokens: null, note: null, ...extra,
  };
}

describe('quality summary', () => {
  it.each([
    [[1, 2, 3, 4], 1.2909944487],
    [[80, 82], 1.4142135624],
    [[5, 5, 5], 0],
  ])('sample std (ddof=1) of %j', (values, std) => {
    expect(sampleStd(values)).toBeCloseTo(std, 9);
  });

  it('sample std needs two values', () => {
    expect(sampleStd([3])).toBeNull();
  });

  it('one row per benchmark for a single seed, with its interval', () => {
    const s = buildQualitySummary([metrics('gsm8k', 0, 90), metrics('routerbench', 0, null, { note: 'no labels', correct: null })]);
    expect(s.benchmarks).toEqual([
      { benchmark: 'gsm8k', accuracy_pct: 90, accuracy_pct_std: null, n_seeds: 1, seeds: '0', ci95_low_pct: 1, ci95_high_pct: 2, correct: 90, scorable_examples: 100, unscorable_examples: 2, total_examples: 102, note: null },
      { benchmark: 'routerbench', accuracy_pct: null, accuracy_pct_std: null, n_seeds: 1, seeds: '0', ci95_low_pct: 1, ci95_high_pct: 2, correct: null, scorable_examples: 100, unscorable_examples: 2, total_examples: 102, note: 'no labels' },
    ]);
    expect(s.per_seed).toEqual([]);
  });

  it('mean and sample std across seeds per benchmark', () => {
    const s = buildQualitySummary([metrics('math', 1, 50), metrics('gsm8k', 1, 80), metrics('math', 2, 54), metrics('gsm8k', 2, 82), metrics('gsm8k', 3, 84)]);
    expect(s.benchmarks.map((r) => r.benchmark)).toEqual(['math', 'gsm8k']);
    expect(s.benchmarks[1]).toMatchObject({ accuracy_pct: 82, accuracy_pct_std: 2, n_seeds: 3, seeds: '1;2;3', ci95_low_pct: null, total_examples: 306, correct: 246 });
    expect(s.benchmarks[0]).toMatchObject({ accuracy_pct: 52, accuracy_pct_std: 2.83 });
    expect(s.per_seed).toHaveLength(5);
  });

  it('writes json and csv', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalflow-summary-'));
    try {
      await writeQualitySummary(dir, [metrics('gsm8k', 0, 90)]);
      const json = JSON.parse(await readFile(join(dir, 'quality_summary.json'), 'utf8')) as { benchmarks: unknown[] };
      expect(json.benchmarks).toHaveLength(1);
      const csv = (await readFile(join(dir, 'quality_summary.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toBe('benchmark,accuracy_pct,accuracy_pct_std,n_seeds,seeds,ci95_low_pct,ci95_high_pct,correct,scorable_examples,unscorable_examples,total_examples,note');
      expect(csv[1]).toBe('gsm8k,90,,1,0,1,2,90,100,2,102,');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
