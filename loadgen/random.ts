import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded random source (pure-rand xoroshiro128+). Same seed, same draws, on
 * every machine: schedules and prompts are reproducible from the step's seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform: () => number;
  /** Uniform integer in [lo, hi], both included. */
  int: (lo: number, hi: number) => number;
  /** Standard normal. */
  normal: () => number;
  /** Gamma(shape, scale = 1). */
  gamma: (shape: number) => number;
}

/** FNV-1a over a string: turns (seed, stage, index) into a 32-bit seed, so each stream is independent of draw order. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const gen: RandomGenerator = xoroshiro128plus(seed);
  const uniform = (): number => uniformFloat64(gen);
  let spareNormal: number | null = null;
  // Marsaglia polar method; the second value of each pair is kept for the next call.
  const normal = (): number => {
    if (spareNormal !== null) {
      const v = spareNormal;
      spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * uniform() - 1;
      const v = 2 * uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spareNormal = v * f;
        return u * f;
      }
    }
  };
  const gamma = (shape: number): number => sampleGamma(shape, uniform, normal);
  return { uniform, int: (lo, hi) => uniformInt(gen, lo, hi), normal, gamma };
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
 * Shape < 1 uses the boost Gamma(shape + 1) · U^(1/shape). Shape 1 is the exponential, drawn directly.
 */
export function sampleGamma(shape: number, uniform: () => number, normal: () => number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be a positive finite number, got ${shape}`);
  if (shape === 1) return -Math.log(1 - uniform());
  if (shape < 1) {
    const boosted = sampleGamma(shape + 1, uniform, normal);
    return boosted * Math.pow(1 - uniform(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - uniform(); // in (0, 1]: log(u) stays finite
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}
