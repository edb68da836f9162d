/**
 * Multiple-comparison corrections for a family of p-values (one per benchmark, say).
 * Both return adjusted p-values in the input order, as R's `p.adjust`, so a test is
 * rejected when its adjusted p < α.
 */

export type Correction = 'holm' | 'bh' | 'none';

function check(p: readonly number[]): void {
  for (const [i, v] of p.entries()) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`p-value ${i} must be within [0, 1], got ${v}`);
  }
}

/** Indices of p sorted ascending; ties keep input order so the result is deterministic. */
function ascendingOrder(p: readonly number[]): number[] {
  return p.map((_, i) => i).sort((x, y) => p[x]! - p[y]! || x - y);
}

/** Holm's step-down: p₍ᵢ₎·(m − i + 1), made non-decreasing, capped at 1. Controls the family-wise error rate. */
export function holm(p: readonly number[]): number[] {
  check(p);
  const m = p.length;
  const out = new Array<number>(m);
  let running = 0;
  for (const [rank, i] of ascendingOrder(p).entries()) {
    running = Math.max(running, Math.min(1, p[i]! * (m - rank)));
    out[i] = running;
  }
  return out;
}

/** Benjamini–Hochberg step-up: p₍ᵢ₎·m/i, made non-increasing from the top, capped at 1. Controls the false discovery rate. */
export function benjaminiHochberg(p: readonly number[]): number[] {
  check(p);
  const m = p.length;
  const out = new Array<number>(m);
  const order = ascendingOrder(p);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const i = order[rank]!;
    running = Math.min(running, (p[i]! * m) / (rank + 1));
    out[i] = running;
  }
  return out;
}

export function adjustPValues(p: readonly number[], correction: Correction): number[] {
  switch (correction) {
    case 'holm':
      return holm(p);
    case 'bh':
      return benjaminiHochberg(p);
    case 'none':
      check(p);
      return [...p];
  }
}
