import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { percentileSorted, sortedCopy } from './percentile.ts';

/**
 * Paired statistics over per-item scores of two runs on the same items (a[i] and b[i] are the
 * same question). Δ is always mean(a) − mean(b). Definitions pinned by golden tests
 * (shared/reference/scoring-and-stats.md §5).
 */

export interface DiscordantCounts {
  n: number;
  /** a right, b right */
  both: number;
  /** a right, b wrong: McNemar's b */
  onlyA: number;
  /** a wrong, b right: McNemar's c */
  onlyB: number;
  neither: number;
}

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
}

/** The 2×2 table of two paired 0/1 outcome vectors. */
export function discordantCounts(a: ArrayLike<number>, b: ArrayLike<number>): DiscordantCounts {
  checkPaired(a, b);
  const out: DiscordantCounts = { n: a.length, both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x && y) out.both++;
    else if (x) out.onlyA++;
    else if (y) out.onlyB++;
    else out.neither++;
  }
  return out;
}

/** mean(a) − mean(b); null with no items. */
export function pairedDelta(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  checkPaired(a, b);
  if (a.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! - b[i]!;
  return sum / a.length;
}

/** Paired standard error sd(dᵢ)/√n with dᵢ = aᵢ − bᵢ and the sample sd (ddof = 1); null below 2 items. */
export function pairedStandardError(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  checkPaired(a, b);
  const n = a.length;
  if (n < 2) return null;
  const mean = pairedDelta(a, b)!;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]! - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
}

export interface BootstrapOptions {
  /** Resamples B; default 10,000. */
  resamples?: number;
  /** PRNG seed (pure-rand xoroshiro128+); default 12345, sacrebleu's. */
  seed?: number;
}

export const DEFAULT_BOOTSTRAP_RESAMPLES = 10_000;
export const DEFAULT_BOOTSTRAP_SEED = 12345;

export interface PairedBootstrap {
  n: number;
  /** Observed Δ = mean(a) − mean(b). */
  delta: number;
  /** 2.5th and 97.5th percentiles (numpy linear) of the resampled Δ*. */
  ciLow: number;
  ciHigh: number;
  /** Two-sided p: (1 + #{|Δ* − mean Δ*| ≥ |Δ|}) / (B + 1). */
  p: number;
  resamples: number;
  seed: number;
}

const TWO_POW_32 = 0x1_0000_0000;
/** Below this n, x·n (x < 2³²) stays an exact double, which Lemire's method needs. */
const LEMIRE_MAX_N = 2 ** 21;

/**
 * An unbiased index in [0, n) by Lemire's multiply-and-reject ("Fast random integer generation in an
 * interval", 2019): much faster than pure-rand's uniformInt, which dominates B·n draws.
 */
function indexDrawer(gen: RandomGenerator, n: number): () => number {
  if (n > LEMIRE_MAX_N) return () => uniformInt(gen, 0, n - 1);
  const threshold = (TWO_POW_32 - n) % n;
  return () => {
    for (;;) {
      const m = (gen.next() >>> 0) * n;
      const high = Math.floor(m / TWO_POW_32);
      // m − high·2³² is m mod 2³², without the slow floating-point %.
      if (m - high * TWO_POW_32 >= threshold) return high;
    }
  };
}

/** Floating-point slack for the ≥ in the p count, so Δ* that equal |Δ| up to rounding count as reaching it. */
const TIE_SLACK = 1e-12;

/**
 * Paired bootstrap: resample item indices with replacement (the same indices for both runs),
 * Δ* = mean(a*) − mean(b*). The p-value shifts the Δ* distribution to mean 0 (the null of no
 * difference) and counts resamples at least as extreme as the observed Δ, with the +1 of a
 * Monte-Carlo p so it is never 0. The count uses ≥, unlike sacrebleu's >, so identical runs
 * (every Δ* = 0 = Δ) give p = 1 rather than a spurious 1/(B + 1). Null with no items.
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: BootstrapOptions = {}): PairedBootstrap | null {
  checkPaired(a, b);
  const resamples = opts.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const n = a.length;
  if (n === 0) return null;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i]! - b[i]!;
  const delta = pairedDelta(a, b)!;

  const draw = indexDrawer(xoroshiro128plus(seed), n);
  const stars = new Float64Array(resamples);
  let total = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[draw()]!;
    stars[r] = sum / n;
    total += stars[r]!;
  }
  const centre = total / resamples;
  const threshold = Math.abs(delta) - TIE_SLACK;
  let extreme = 0;
  for (let r = 0; r < resamples; r++) if (Math.abs(stars[r]! - centre) >= threshold) extreme++;

  const sorted = sortedCopy(stars);
  return {
    n,
    delta,
    ciLow: percentileSorted(sorted, 2.5)!,
    ciHigh: percentileSorted(sorted, 97.5)!,
    p: (extreme + 1) / (resamples + 1),
    resamples,
    seed,
  };
}
