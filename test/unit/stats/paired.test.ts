import { describe, expect, it } from 'vitest';
import { discordantCounts, pairedBootstrap, pairedDelta, pairedStandardError } from '../../../stats/paired.ts';
import { chiSquare1Sf } from '../../../stats/chi-square.ts';

/** n items: the first `onlyA` right only in a, the next `onlyB` right only in b, the next `both` right in both. */
function vectors(n: number, onlyA: number, onlyB: number, both: number): { a: Uint8Array; b: Uint8Array } {
  const a = new Uint8Array(n);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (i < onlyA) a[i] = 1;
    else if (i < onlyA + onlyB) b[i] = 1;
    else if (i < onlyA + onlyB + both) a[i] = b[i] = 1;
  }
  return { a, b };
}

describe('paired delta, counts and standard error', () => {
  it('hand-worked: d = [1, 0, −1, 0] → Δ 0, sd √(2/3), SE √(2/3)/2', () => {
    const a = [1, 1, 0, 0];
    const b = [0, 1, 1, 0];
    expect(pairedDelta(a, b)).toBe(0);
    expect(pairedStandardError(a, b)).toBeCloseTo(Math.sqrt(2 / 3) / 2, 12);
    expect(discordantCounts(a, b)).toEqual({ n: 4, both: 1, onlyA: 1, onlyB: 1, neither: 1 });
  });

  it('hand-worked: d = [1, 1, 0, 0, 0] → Δ 0.4, SE √(0.3)/√5', () => {
    expect(pairedDelta([1, 1, 1, 0, 0], [0, 0, 1, 0, 0])).toBeCloseTo(0.4, 12);
    // d̄ = 0.4; Σ(d − d̄)² = 2·0.36 + 3·0.16 = 1.2; sd² = 1.2/4 = 0.3
    expect(pairedStandardError([1, 1, 1, 0, 0], [0, 0, 1, 0, 0])).toBeCloseTo(Math.sqrt(0.3) / Math.sqrt(5), 12);
  });

  it('no items: null; mismatched lengths: an error', () => {
    expect(pairedDelta([], [])).toBeNull();
    expect(pairedStandardError([1], [0])).toBeNull();
    expect(() => pairedDelta([1], [1, 0])).toThrow(RangeError);
  });
});

describe('paired bootstrap', () => {
  it('is deterministic for a seed, and the seed matters', () => {
    const { a, b } = vectors(200, 30, 12, 100);
    const one = pairedBootstrap(a, b, { resamples: 2000, seed: 7 });
    const two = pairedBootstrap(a, b, { resamples: 2000, seed: 7 });
    const other = pairedBootstrap(a, b, { resamples: 2000, seed: 8 });
    expect(one).toEqual(two);
    expect(other).not.toEqual(one);
  });

  it('pins the definition: golden values for seed 12345, B = 10,000 (the defaults)', () => {
    const { a, b } = vectors(200, 30, 12, 100);
    const r = pairedBootstrap(a, b)!;
    expect(r.resamples).toBe(10_000);
    expect(r.seed).toBe(12345);
    expect(r.delta).toBeCloseTo(0.09, 12); // (30 − 12)/200
    // Produced by this implementation and checked against theory: McNemar exact p for 30 vs 12 is 0.0079,
    // the normal approximation 2·(1 − Φ(0.09/0.0319)) = 0.0047; the CI is about Δ ± 1.96·SE = [0.028, 0.152].
    expect(r.ciLow).toBeCloseTo(0.03, 12);
    expect(r.ciHigh).toBeCloseTo(0.155, 12);
    expect(r.p).toBe(50 / 10_001);
  });

  it('identical runs: Δ 0, CI [0, 0], p = 1 (≥ in the count, not sacrebleu’s >)', () => {
    const { a } = vectors(50, 10, 0, 20);
    const r = pairedBootstrap(a, a, { resamples: 500 })!;
    expect(r).toMatchObject({ delta: 0, ciLow: 0, ciHigh: 0, p: 1 });
  });

  it('a run right everywhere the other is wrong: every Δ* = 1, so p is the floor 1/(B + 1)', () => {
    const { a, b } = vectors(40, 40, 0, 0);
    const r = pairedBootstrap(a, b, { resamples: 999 })!;
    expect(r).toMatchObject({ delta: 1, ciLow: 1, ciHigh: 1, p: 1 / 1000 });
  });

  it('agrees with the normal approximation for a moderate n (p ≈ 2·(1 − Φ(|Δ|/SE)))', () => {
    const { a, b } = vectors(400, 30, 14, 250);
    const r = pairedBootstrap(a, b, { resamples: 10_000, seed: 1 })!;
    const z = r.delta / pairedStandardError(a, b)!;
    const normalP = chiSquare1Sf(z * z);
    expect(r.ciLow).toBeLessThan(r.delta);
    expect(r.ciHigh).toBeGreaterThan(r.delta);
    expect(Math.abs(r.p - normalP)).toBeLessThan(0.01);
  });

  it('no items: null; bad B: an error', () => {
    expect(pairedBootstrap([], [])).toBeNull();
    expect(() => pairedBootstrap([1], [0], { resamples: 0 })).toThrow(RangeError);
  });
});
