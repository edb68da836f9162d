import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

/**
 * A deterministic subset: a seeded Fisher-Yates shuffle of the indices, take the first `size`,
 * then restore dataset order. Same seed and data give the same subset on every run, and a
 * smaller size is a prefix of a larger one's choice (so subsets nest).
 */
export function selectSubset<T>(items: readonly T[], size: number | null, seed: number): T[] {
  if (size === null || size >= items.length) return [...items];
  const rng = xoroshiro128plus(seed);
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
