import { describe, expect, it } from 'vitest';
import { compareRuns, overallVerdict } from '../../../regression/verdict.ts';
import { RegressionPolicy } from '../../../regression/policy.ts';
import type { MetricRow } from '../../../regression/types.ts';
import { items, qualityData, runData } from './fixture.ts';

/** 80% right at baseline: item i is right unless i % 5 === 0. */
const baseRight = (i: number): boolean => i % 5 !== 0;

function quality(name: string, benchmarks: Record<string, ReturnType<typeof items>>): ReturnType<typeof runData> {
  return runData(name, { quality: Object.entries(benchmarks).map(([b, list]) => qualityData(b, list)) });
}

function row(rows: MetricRow[], group: string): MetricRow {
  const r = rows.find((x) => x.group === group);
  if (!r) throw new Error(`no row ${group}`);
  return r;
}

describe('quality verdicts', () => {
  it('catches a clear regression: 30 of 200 right answers lost', () => {
    const base = quality('base', { gsm8k: items('gsm8k', 200, baseRight) });
    // Items 1..40 that were right: the first 30 of them turn wrong.
    const lost = new Set(Array.from({ length: 200 }, (_, i) => i).filter(baseRight).slice(0, 30));
    const cand = quality('cand', { gsm8k: items('gsm8k', 200, (i) => baseRight(i) && !lost.has(i)) });
    const v = compareRuns(base, cand);
    const r = row(v.sections.quality, 'gsm8k');
    expect(r).toMatchObject({ verdict: 'regressed', marker: '↘', baseline: 80, candidate: 65, abs_delta: -15 });
    expect(r.rel_delta_pct).toBeCloseTo(-18.75, 10);
    expect(r.stats).toMatchObject({ paired_items: 200, baseline_only_correct: 30, candidate_only_correct: 0 });
    expect(r.stats!.mcnemar_exact_p).toBeCloseTo(2 * 0.5 ** 30, 15);
    expect(r.stats!.bootstrap!.ci_high_pts).toBeLessThan(0);
    expect(v.overall).toBe('regressed');
  });

  it('a rerun with identical correctness passes: Δ 0, p 1, marker →', () => {
    const list = items('gsm8k', 100, baseRight);
    const v = compareRuns(quality('a', { gsm8k: list }), quality('b', { gsm8k: list }));
    const r = row(v.sections.quality, 'gsm8k');
    expect(r).toMatchObject({ verdict: 'pass', marker: '→', abs_delta: 0 });
    expect(r.stats).toMatchObject({ mcnemar_exact_p: 1, p: 1, p_adjusted: 1 });
    expect(r.stats!.bootstrap).toMatchObject({ delta_pts: 0, p: 1 });
    expect(v.overall).toBe('pass');
  });

  it('does not flag a significant change below the minimum effect (1.5 pts of 2000 items)', () => {
    const lost = (i: number): boolean => i % 5 !== 0 && i < 38; // 30 right answers among 0..37 lost
    const base = quality('a', { math: items('math', 2000, baseRight) });
    const cand = quality('b', { math: items('math', 2000, (i) => baseRight(i) && !lost(i)) });
    const r = row(compareRuns(base, cand).sections.quality, 'math');
    expect(r.abs_delta).toBeCloseTo(-1.5, 10);
    expect(r.stats!.p_adjusted).toBeLessThan(1e-6);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toContain('minimum effect');
    expect(r.marker).toBe('↘');
  });

  it('does not flag a large change that is not significant (3 of 40 items)', () => {
    const base = quality('a', { gsm8k: items('gsm8k', 40, () => true) });
    const cand = quality('b', { gsm8k: items('gsm8k', 40, (i) => i >= 3) });
    const r = row(compareRuns(base, cand).sections.quality, 'gsm8k');
    expect(r.abs_delta).toBeCloseTo(-7.5, 10);
    expect(r.stats!.mcnemar_exact_p).toBeCloseTo(0.25, 12);
    expect(r.verdict).toBe('pass');
  });

  it('Holm across benchmarks: two p = 0.0386 become 0.077 and pass; without a correction both regress', () => {
    // b = 10, c = 2 in 100 items on each benchmark: Δ = −8 pts.
    const cand = (i: number): boolean => (i < 10 ? false : i < 12 ? true : i % 2 === 0);
    const base = (i: number): boolean => (i < 10 ? true : i < 12 ? false : i % 2 === 0);
    const a = quality('a', { gsm8k: items('gsm8k', 100, base), math: items('math', 100, base) });
    const b = quality('b', { gsm8k: items('gsm8k', 100, cand), math: items('math', 100, cand) });
    const holm = compareRuns(a, b);
    for (const r of holm.sections.quality) {
      expect(r.stats!.p).toBeCloseTo(0.03857421875, 12);
      expect(r.stats!.p_adjusted).toBeCloseTo(0.0771484375, 12);
      expect(r.verdict).toBe('pass');
    }
    const none = compareRuns(a, b, RegressionPolicy.parse({ quality: { correction: 'none' } }));
    expect(none.sections.quality.map((r) => r.verdict)).toEqual(['regressed', 'regressed']);
    expect(none.overall).toBe('regressed');
  });

  it('flags an improvement the same way', () => {
    const base = quality('a', { gsm8k: items('gsm8k', 100, (i) => i >= 40) });
    const cand = quality('b', { gsm8k: items('gsm8k', 100, (i) => i >= 10) });
    const v = compareRuns(base, cand);
    expect(row(v.sections.quality, 'gsm8k')).toMatchObject({ verdict: 'improved', marker: '↗', abs_delta: 30 });
    expect(v.overall).toBe('improved');
  });

  it.each([
    ['too few paired items', quality('a', { gsm8k: items('gsm8k', 19, () => true) }), quality('b', { gsm8k: items('gsm8k', 19, () => false) }), '19 paired items < 20'],
    ['missing in the candidate', quality('a', { gsm8k: items('gsm8k', 50, () => true) }), quality('b', {}), 'missing in candidate'],
    ['every prompt changed', quality('a', { gsm8k: items('gsm8k', 50, () => true) }), quality('b', { gsm8k: items('gsm8k', 50, () => true, (i) => `new${i}`) }), '50 prompt mismatches'],
    ['nothing scorable (routerbench without labels)', quality('a', { routerbench: items('routerbench', 50, () => null) }), quality('b', { routerbench: items('routerbench', 50, () => null) }), '50 unscorable'],
  ])('inconclusive: %s', (_name, a, b, reason) => {
    const v = compareRuns(a, b);
    expect(v.sections.quality).toHaveLength(1);
    expect(v.sections.quality[0]!.verdict).toBe('inconclusive');
    expect(v.sections.quality[0]!.reason).toContain(reason);
    expect(v.overall).toBe('inconclusive');
  });

  it('an inconclusive benchmark stays out of the Holm family', () => {
    const base = (i: number): boolean => (i < 10 ? true : i < 12 ? false : i % 2 === 0);
    const cand = (i: number): boolean => (i < 10 ? false : i < 12 ? true : i % 2 === 0);
    const a = quality('a', { gsm8k: items('gsm8k', 100, base), math: items('math', 5, () => true) });
    const b = quality('b', { gsm8k: items('gsm8k', 100, cand), math: items('math', 5, () => false) });
    const v = compareRuns(a, b);
    expect(row(v.sections.quality, 'gsm8k').stats!.p_adjusted).toBeCloseTo(0.03857421875, 12);
    expect(row(v.sections.quality, 'gsm8k').verdict).toBe('regressed');
    expect(row(v.sections.quality, 'math').verdict).toBe('inconclusive');
  });

  it('the bootstrap test and its seed come from the policy', () => {
    const base = quality('a', { gsm8k: items('gsm8k', 200, baseRight) });
    const cand = quality('b', { gsm8k: items('gsm8k', 200, (i) => baseRight(i) && i > 60) });
    const policy = RegressionPolicy.parse({ quality: { test: 'bootstrap', bootstrap_resamples: 500, bootstrap_seed: 3 } });
    const r = row(compareRuns(base, cand, policy).sections.quality, 'gsm8k');
    expect(r.stats!.bootstrap).toMatchObject({ resamples: 500, seed: 3 });
    expect(r.stats!.p).toBe(r.stats!.bootstrap!.p);
    expect(r.verdict).toBe('regressed');
  });
});

describe('overall verdict', () => {
  const r = (verdict: MetricRow['verdict']): MetricRow => ({ verdict }) as MetricRow;
  it.each([
    [['pass', 'improved', 'regressed'], 'regressed'],
    [['pass', 'improved', 'inconclusive'], 'improved'],
    [['pass', 'inconclusive'], 'pass'],
    [['inconclusive'], 'inconclusive'],
    [[], 'inconclusive'],
  ] as const)('%j → %s', (verdicts, overall) => {
    expect(overallVerdict(verdicts.map(r))).toBe(overall);
  });
});
