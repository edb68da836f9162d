/**
 * The latency model, after llm-d-inference-sim's per-token mode: prefill costs a base plus a
 * per-prompt-token term, decode gaps grow linearly with the batch up to load_factor at
 * max_num_seqs, and each gap carries clamped multiplicative jitter. Pure: no clock, no state.
 */
import type { SimulatorOptions } from '../configs/schema/simulator.ts';
import type { Rng } from './hash.ts';

export type LatencyParams = Pick<
  SimulatorOptions,
  'ttft_base_ms' | 'ttft_per_prompt_token_ms' | 'itl_ms' | 'itl_jitter' | 'load_factor' | 'max_num_seqs'
>;

/** Samples further than this from the mean are clamped, as llm-d does (its std-dev is capped at 30%). */
export const JITTER_CLAMP = 0.7;

/** Time from admission to the first token. */
export function ttftMs(params: LatencyParams, promptTokens: number): number {
  return params.ttft_base_ms + params.ttft_per_prompt_token_ms * promptTokens;
}

/** Mean gap between tokens with `running` sequences in the batch (the one asking included). */
export function meanItlMs(params: LatencyParams, running: number): number {
  const occupancy = Math.min(running, params.max_num_seqs) / params.max_num_seqs;
  return params.itl_ms * (1 + (params.load_factor - 1) * occupancy);
}

/** mean × (1 + jitter × N(0,1)), kept within ±70% of the mean. */
export function jittered(mean: number, jitter: number, rng: Rng): number {
  if (jitter === 0 || mean === 0) return mean;
  const factor = 1 + jitter * rng.normal();
  const clamped = Math.min(1 + JITTER_CLAMP, Math.max(1 - JITTER_CLAMP, factor));
  return mean * clamped;
}

export function sampleItlMs(params: LatencyParams, running: number, rng: Rng): number {
  return jittered(meanItlMs(params, running), params.itl_jitter, rng);
}
