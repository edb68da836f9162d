import type { Direction } from './policy.ts';
import type { Marker } from './types.ts';

/** candidate − baseline; null if either is missing or not finite. */
export function absDelta(baseline: number | null, candidate: number | null): number | null {
  if (baseline === null || candidate === null || !Number.isFinite(baseline) || !Number.isFinite(candidate)) return null;
  return candidate - baseline;
}

/** (candidate − baseline) / |baseline| · 100; null when the baseline is 0 (no relative change exists) or either is missing. */
export function relDeltaPct(baseline: number | null, candidate: number | null): number | null {
  const d = absDelta(baseline, candidate);
  if (d === null || baseline === 0 || baseline === null) return null;
  return (d / Math.abs(baseline)) * 100;
}

/** Equal up to rounding noise in the stored numbers: the → marker. */
function unchanged(delta: number, baseline: number): boolean {
  return Math.abs(delta) <= 1e-9 * Math.max(1, Math.abs(baseline));
}

/** The direction of a change, whatever its size: the verdict, not the marker, says whether it matters. */
export function markerOf(better: Direction, baseline: number | null, candidate: number | null): Marker {
  const d = absDelta(baseline, candidate);
  if (d === null || unchanged(d, baseline!)) return '→';
  return (d > 0) === (better === 'higher') ? '↗' : '↘';
}
