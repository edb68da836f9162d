import { describe as suite, expect, it } from 'vitest';
import { describe, mean, median, percentile, percentileLabel, percentileSorted, stdPopulation } from '../../../stats/percentile.ts';

suite('percentile (numpy linear)', () => {
  // Values np.percentile gives for the same inputs (numpy >= 1.22, method='linear').
  it.each([
    { values: [15, 20, 35, 40, 50], p: 5, expected: 16 },
    { values: [15, 20, 35, 40, 50], p: 30, expected: 23 },
    { values: [15, 20, 35, 40, 50], p: 40, expected: 29 },
    { values: [15, 20, 35, 40, 50], p: 50, expected: 35 },
    { values: [15, 20, 35, 40, 50], p: 100, expected: 50 },
    { values: [15, 20, 35, 40, 50], p: 0, expected: 15 },
    { values: [10, 7, 4, 3, 2, 1], p: 50, expected: 3.5 }, // numpy docs example, flattened
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 90, expected: 9.1 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 25, expected: 3.25 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 75, expected: 7.75 },
    { values: [0, 1], p: 50, expected: 0.5 },
    { values: [42], p: 99, expected: 42 },
  ])('np.percentile($values, $p) = $expected', ({ values, p, expected }) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 12);
  });

  it('p99 of 1..4 interpolates from the upper neighbour like numpy (3.97)', () => {
    // h = 3 * 0.99 = 2.97 → 4 − 1 · 0.03
    expect(percentile([4, 3, 2, 1], 99)).toBeCloseTo(3.97, 12);
  });

  it('p99 of 0..99 is 98.01 (hand-computed: h = 99 · 0.99 = 98.01)', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    expect(percentile(values, 99)).toBeCloseTo(98.01, 10);
  });

  it('sorts numerically, not as strings', () => {
    expect(percentile([100, 9, 20], 50)).toBe(20);
  });

  it('is null for no values and rejects p outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentileSorted([1], -1)).toThrow(RangeError);
  });
});

suite('mean, median, population std', () => {
  it('matches numpy defaults', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(median([3, 1, 2, 4])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(stdPopulation([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2); // np.std(..) == 2.0 (ddof=0)
    expect(stdPopulation([1, 2, 3, 4])).toBeCloseTo(1.118033988749895, 14);
    expect(stdPopulation([7])).toBe(0);
  });

  it('is null when empty', () => {
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
    expect(stdPopulation([])).toBeNull();
  });
});

suite('describe', () => {
  it('summarizes in one pass with vLLM-style percentile labels', () => {
    const d = describe([4, 1, 3, 2], [50, 99, 99.9]);
    expect(d).toMatchObject({ count: 4, mean: 2.5, median: 2.5, min: 1, max: 4 });
    expect(Object.keys(d.percentiles)).toEqual(['50', '99', '99.9']);
    expect(d.percentiles['99.9']).toBeCloseTo(3.997, 12);
    expect(percentileLabel(99)).toBe('99');
    expect(percentileLabel(99.9)).toBe('99.9');
  });

  it('gives nulls for an empty list', () => {
    expect(describe([], [99])).toEqual({ count: 0, mean: null, median: null, std: null, min: null, max: null, percentiles: { '99': null } });
  });
});
