import type { Arrival } from '../configs/schema/benchmark.ts';
import { createRng } from './random.ts';

/**
 * When to send: arrival offsets in ms from the start of a stage, computed up
 * front (pure). vLLM's method (serve.py, PR #21108): draw every gap, cumulate,
 * then rescale so the last arrival lands exactly at count/rate. Sleeping gap by
 * gap instead drifts about 9% low (vllm #21104); an absolute schedule cannot.
 */
export interface ScheduleSpec {
  /** Requests per second; Infinity sends everything at t = 0 (vLLM's `inf`). */
  rate: number;
  count: number;
  arrival: Arrival;
  /** Gamma shape for arrival 'gamma'; 1 is Poisson, below 1 burstier. Ignored otherwise. */
  burstiness: number;
  seed: number;
}

/** Stages are sized by duration: count = rate × duration (at least one request). */
export function stageCount(rate: number, durationS: number): number {
  return Math.max(1, Math.round(rate * durationS));
}

/** Arrival offsets in ms, non-decreasing, one per request. */
export function arrivalOffsetsMs(spec: ScheduleSpec): Float64Array {
  const { rate, count } = spec;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  const offsets = new Float64Array(count);
  if (rate === Infinity || count === 0) return offsets;
  if (spec.arrival === 'constant') {
    for (let i = 0; i < count; i++) offsets[i] = ((i + 1) * 1000) / rate;
    return offsets;
  }
  // Poisson is gamma with shape 1; gamma(shape k, scale 1/(rate·k)) keeps the mean gap at 1/rate for any k.
  const shape = spec.arrival === 'poisson' ? 1 : spec.burstiness;
  const rng = createRng(spec.seed);
  const scale = 1 / (rate * shape);
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += rng.gamma(shape) * scale;
    offsets[i] = total;
  }
  // Rescale so the last arrival is at count/rate: the achieved rate then matches the target exactly.
  const factor = count / rate / total;
  for (let i = 0; i < count; i++) offsets[i] = offsets[i]! * factor * 1000;
  return offsets;
}
