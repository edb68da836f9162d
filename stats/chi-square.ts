/**
 * The χ² distribution with one degree of freedom, which is all McNemar's continuity-corrected
 * test needs. Its survival function is Q(1/2, x/2), the regularized upper incomplete gamma
 * function, computed by the series or the continued fraction (Numerical Recipes §6.2) to
 * double precision; for 1 df it equals erfc(√(x/2)).
 */

const EPS = 1e-16;
const MAX_ITERATIONS = 1000;
/** ln Γ(1/2) = ln √π */
const LN_GAMMA_HALF = 0.5 * Math.log(Math.PI);

/** P(a, x) by its power series; converges fast for x < a + 1. */
function lowerSeries(a: number, x: number, lnGammaA: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGammaA);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges fast for x ≥ a + 1. */
function upperFraction(a: number, x: number, lnGammaA: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGammaA) * h;
}

/** P(χ²₁ ≥ x): the p-value of a 1-df chi-square statistic. */
export function chiSquare1Sf(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('chi-square statistic is NaN');
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const a = 0.5;
  const half = x / 2;
  return half < a + 1 ? 1 - lowerSeries(a, half, LN_GAMMA_HALF) : upperFraction(a, half, LN_GAMMA_HALF);
}
