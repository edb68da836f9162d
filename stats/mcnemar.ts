import { chiSquare1Sf } from './chi-square.ts';

/**
 * McNemar's test for two paired 0/1 outcomes. Only the discordant pairs carry information:
 * b = #(A right, B wrong), c = #(A wrong, B right). Definitions as in
 * shared/reference/scoring-and-stats.md §5 (statsmodels' `mcnemar`, exact by default).
 */

function assertCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
}

/**
 * Exact two-sided p: min(1, 2·Σ_{k=0}^{min(b,c)} C(b+c, k)·0.5^(b+c)); 1 when b + c = 0.
 * Summed in log space so large b + c neither overflows C(n, k) nor underflows 0.5^n.
 */
export function mcnemarExactP(b: number, c: number): number {
  assertCount('b', b);
  assertCount('c', c);
  const n = b + c;
  if (n === 0) return 1;
  const m = Math.min(b, c);
  // log C(n, k)·0.5^n for k = 0..m, by the ratio C(n, k+1)/C(n, k) = (n − k)/(k + 1).
  const logs = new Float64Array(m + 1);
  logs[0] = -n * Math.LN2;
  for (let k = 0; k < m; k++) logs[k + 1] = logs[k]! + Math.log(n - k) - Math.log(k + 1);
  // The binomial pmf rises up to n/2 and m ≤ n/2, so the last term is the largest: factor it out.
  const top = logs[m]!;
  let sum = 0;
  for (let k = 0; k <= m; k++) sum += Math.exp(logs[k]! - top);
  return Math.min(1, 2 * Math.exp(top) * sum);
}

export interface McNemarChi2 {
  /** (|b − c| − 1)² / (b + c); 0 when b + c = 0. */
  statistic: number;
  p: number;
}

/** The continuity-corrected χ² variant (1 df). Kept beside the exact test because reports often quote it. */
export function mcnemarChi2(b: number, c: number): McNemarChi2 {
  assertCount('b', b);
  assertCount('c', c);
  const n = b + c;
  if (n === 0) return { statistic: 0, p: 1 };
  // Not clamped at 0, exactly as statsmodels (b = c gives 1/(b + c)), so quoted numbers match it.
  const diff = Math.abs(b - c) - 1;
  const statistic = (diff * diff) / n;
  return { statistic, p: chiSquare1Sf(statistic) };
}
