import { describe, expect, it } from 'vitest';
import { arrivalOffsetsMs, stageCount } from '../../../loadgen/schedule.ts';
import { createRng, sampleGamma } from '../../../loadgen/random.ts';
import { mean, stdPopulation } from '../../../stats/percentile.ts';

function gaps(offsets: Float64Array): number[] {
  const out: number[] = [offsets[0]!];
  for (let i = 1; i < offsets.length; i++) out.push(offsets[i]! - offsets[i - 1]!);
  return out;
}

function cv(values: number[]): number {
  return stdPopulation(values)! / mean(values)!;
}

describe('arrivalOffsetsMs', () => {
  it('rate inf sends everything at t = 0', () => {
    expect([...arrivalOffsetsMs({ rate: Infinity, count: 3, arrival: 'poisson', burstiness: 1, seed: 0 })]).toEqual([0, 0, 0]);
  });

  it('constant: equal gaps, last arrival at count/rate, CV 0', () => {
    const o = arrivalOffsetsMs({ rate: 4, count: 8, arrival: 'constant', burstiness: 1, seed: 0 });
    expect([...o]).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(cv(gaps(o))).toBe(0);
  });

  it.each([
    { arrival: 'poisson' as const, burstiness: 1, expectedCv: 1 },
    { arrival: 'gamma' as const, burstiness: 0.25, expectedCv: 2 }, // CV of gamma = 1/sqrt(shape)
    { arrival: 'gamma' as const, burstiness: 4, expectedCv: 0.5 },
  ])('$arrival (burstiness $burstiness): achieved rate exact, CV ≈ $expectedCv', ({ arrival, burstiness, expectedCv }) => {
    const rate = 50;
    const count = 20_000;
    const o = arrivalOffsetsMs({ rate, count, arrival, burstiness, seed: 7 });
    // The rescale puts the last arrival at count/rate: the achieved rate equals the target.
    expect(o[count - 1]).toBeCloseTo((count / rate) * 1000, 6);
    expect(count / (o[count - 1]! / 1000)).toBeCloseTo(rate, 9);
    for (let i = 1; i < count; i++) expect(o[i]! >= o[i - 1]!).toBe(true);
    expect(cv(gaps(o))).toBeCloseTo(expectedCv, 1);
  });

  it('burstiness below 1 is burstier than Poisson (CV > 1)', () => {
    for (let seed = 0; seed < 5; seed++) {
      const o = arrivalOffsetsMs({ rate: 10, count: 2000, arrival: 'gamma', burstiness: 0.5, seed });
      expect(cv(gaps(o))).toBeGreaterThan(1.1);
    }
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const a = arrivalOffsetsMs({ rate: 5, count: 100, arrival: 'poisson', burstiness: 1, seed: 1 });
    const b = arrivalOffsetsMs({ rate: 5, count: 100, arrival: 'poisson', burstiness: 1, seed: 1 });
    const c = arrivalOffsetsMs({ rate: 5, count: 100, arrival: 'poisson', burstiness: 1, seed: 2 });
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('sizes stages by duration and rejects bad input', () => {
    expect(stageCount(5, 60)).toBe(300);
    expect(stageCount(0.5, 3)).toBe(2);
    expect(stageCount(0.01, 1)).toBe(1);
    expect(() => arrivalOffsetsMs({ rate: 0, count: 1, arrival: 'poisson', burstiness: 1, seed: 0 })).toThrow(RangeError);
    expect(() => arrivalOffsetsMs({ rate: 1, count: 1.5, arrival: 'poisson', burstiness: 1, seed: 0 })).toThrow(RangeError);
  });
});

describe('gamma sampler (Marsaglia–Tsang)', () => {
  it.each([0.3, 1, 2.5, 9])('shape %d has mean ≈ shape and variance ≈ shape', (shape) => {
    const rng = createRng(123);
    const xs = Array.from({ length: 50_000 }, () => rng.gamma(shape));
    expect(mean(xs)! / shape).toBeCloseTo(1, 1);
    expect(stdPopulation(xs)! ** 2 / shape).toBeCloseTo(1, 1);
    expect(xs.every((x) => x >= 0)).toBe(true);
  });

  it('rejects a non-positive shape', () => {
    const rng = createRng(1);
    expect(() => sampleGamma(0, rng.uniform, rng.normal)).toThrow(RangeError);
  });
});
