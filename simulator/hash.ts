/**
 * Small deterministic hashing and sampling helpers. Everything random in the simulator
 * derives from the configured seed and the request, so a rerun gives the same answers.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** murmur3's 32-bit finalizer: spreads FNV's weak low bits. */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h ^ text.length);
}

/** Combine two numbers into one 32-bit hash; no rest array, since filler words call it per token. */
export function hash2(a: number, b: number): number {
  let h = Math.imul(FNV_OFFSET ^ fmix32(a >>> 0), FNV_PRIME);
  h = Math.imul(h ^ fmix32((b >>> 0) ^ 0x9e3779b9), FNV_PRIME);
  return fmix32(h);
}

/** Combine already-hashed parts (32-bit numbers) into one hash. */
export function hashNumbers(...parts: readonly number[]): number {
  let h = 0;
  for (const part of parts) h = hash2(h, part);
  return h;
}

/** A uniform draw in [0, 1) fully determined by the hash. */
export function unitFromHash(hash: number): number {
  return (hash >>> 0) / 4294967296;
}

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

export function createRng(seed: number): Rng {
  const gen: RandomGenerator = xoroshiro128plus(seed | 0);
  return {
    uniform: () => uniformFloat64(gen),
    normal: () => {
      // Box-Muller; 1 - u keeps the log argument in (0, 1].
      const u = 1 - uniformFloat64(gen);
      const v = uniformFloat64(gen);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
