/**
 * The one percentile implementation in evalflow: numpy's default
 * `np.percentile(a, p)` (method='linear', a.k.a. Hyndman–Fan type 7), which is
 * what `vllm bench serve` uses. Index h = (n − 1)·p/100 into the sorted values,
 * then interpolate between the two neighbours with numpy's stable lerp, so
 * results match numpy to the last bit for the same inputs.
 */

/** Sort a copy ascending (numbers, not strings). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  // Float64Array sorts numerically (Array#sort would compare strings).
  return Float64Array.from(values).sort();
}

/** numpy's `_lerp`: from b backwards when t ≥ 0.5, which keeps the result inside [a, b]. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Percentile p (0–100) of values that are already sorted ascending.
 * Returns null for an empty list (numpy would return NaN with a warning).
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return null;
  const virtualIndex = (n - 1) * (p / 100);
  const below = Math.floor(virtualIndex);
  const above = Math.min(below + 1, n - 1);
  const gamma = virtualIndex - below;
  return lerp(sorted[below]!, sorted[above]!, gamma);
}

/** Percentile p (0–100) of unsorted values; see percentileSorted. */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  return percentileSorted(sortedCopy(values), p);
}

export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

export function median(values: ArrayLike<number>): number | null {
  return percentile(values, 50);
}

/** Population standard deviation (numpy's default ddof=0, as vLLM reports). */
export function stdPopulation(values: ArrayLike<number>): number | null {
  const m = mean(values);
  if (m === null) return null;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - m) * (values[i]! - m);
  return Math.sqrt(squares / values.length);
}

export interface Distribution {
  count: number;
  mean: number | null;
  median: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** Keyed by the percentile as written by percentileLabel (e.g. "99", "99.9"). */
  percentiles: Record<string, number | null>;
}

/** "99" for 99, "99.9" for 99.9: integral percentiles are written without a decimal point, as vLLM names its keys. */
export function percentileLabel(p: number): string {
  return String(p);
}

/** Mean, median, population std, min, max and the requested percentiles, sorting once. */
export function describe(values: ArrayLike<number>, percentiles: readonly number[]): Distribution {
  const sorted = sortedCopy(values);
  const out: Distribution = {
    count: sorted.length,
    mean: mean(sorted),
    median: percentileSorted(sorted, 50),
    std: stdPopulation(sorted),
    min: sorted.length > 0 ? sorted[0]! : null,
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
    percentiles: {},
  };
  for (const p of percentiles) out.percentiles[percentileLabel(p)] = percentileSorted(sorted, p);
  return out;
}
