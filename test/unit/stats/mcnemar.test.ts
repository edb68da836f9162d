import { describe, expect, it } from 'vitest';
import { chiSquare1Sf } from '../../../stats/chi-square.ts';
import { mcnemarChi2, mcnemarExactP } from '../../../stats/mcnemar.ts';

describe('exact McNemar', () => {
  // Hand-worked: p = min(1, 2·Σ_{k ≤ min(b,c)} C(b+c, k) / 2^(b+c)).
  it.each([
    [10, 2, 0.03857421875], // 2·(1 + 12 + 66)/4096
    [2, 10, 0.03857421875], // symmetric
    [0, 6, 0.03125], // 2·1/64
    [1, 6, 0.125], // 2·(1 + 7)/128
    [3, 0, 0.25], // 2·1/8
    [8, 17, 0.10775214433670044], // 2·Σ_{k≤8} C(25,k)/2^25 (python math.comb)
    [5, 5, 1], // capped at 1
    [0, 0, 1], // no discordant pairs: no evidence
  ])('b=%d c=%d → p=%d', (b, c, p) => {
    expect(mcnemarExactP(b, c)).toBeCloseTo(p, 12);
  });

  it('stays finite and exact for large b + c (log space: C(2000, k) overflows, 0.5^2000 underflows)', () => {
    expect(mcnemarExactP(950, 1050)).toBeCloseTo(0.026824146240280695, 10);
    expect(mcnemarExactP(0, 5000)).toBe(0);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow(RangeError);
    expect(() => mcnemarExactP(1.5, 2)).toThrow(RangeError);
  });
});

describe('continuity-corrected McNemar χ²', () => {
  it.each([
    [10, 2, 49 / 12, 0.04330814281079198], // (|10−2|−1)²/12; p = erfc(√(χ²/2))
    [2, 10, 49 / 12, 0.04330814281079198],
    [1, 1, 0.5, 0.4795001221869535], // not clamped, as statsmodels: (0−1)²/2
    [3, 2, 0, 1],
    [0, 0, 0, 1],
  ])('b=%d c=%d → χ²=%d p=%d', (b, c, stat, p) => {
    const r = mcnemarChi2(b, c);
    expect(r.statistic).toBeCloseTo(stat, 12);
    expect(r.p).toBeCloseTo(p, 12);
  });
});

describe('χ²(1) survival function', () => {
  it.each([
    [3.841458820694124, 0.05], // the 95% critical value
    [6.634896601021214, 0.01],
    [1e-6, 0.9992021155721779],
    [100, 1.5239706048320995e-23],
  ])('sf(%d) = %d', (x, p) => {
    expect(chiSquare1Sf(x) / p).toBeCloseTo(1, 10);
  });

  it('is 1 at 0 and 0 at infinity', () => {
    expect(chiSquare1Sf(0)).toBe(1);
    expect(chiSquare1Sf(Number.POSITIVE_INFINITY)).toBe(0);
  });
});
