import { describe, expect, it } from 'vitest';
import { createRng } from '../../../simulator/hash.ts';
import { JITTER_CLAMP, jittered, meanItlMs, sampleItlMs, ttftMs, type LatencyParams } from '../../../simulator/latency-model.ts';

const params: LatencyParams = { ttft_base_ms: 40, ttft_per_prompt_token_ms: 0.5, itl_ms: 10, itl_jitter: 0.2, load_factor: 3, max_num_seqs: 10 };

describe('latency model', () => {
  it('prefill is a base plus a per-prompt-token cost', () => {
    expect(ttftMs(params, 0)).toBe(40);
    expect(ttftMs(params, 100)).toBe(90);
  });

  it('token gaps grow linearly with the batch up to load_factor at max_num_seqs', () => {
    expect(meanItlMs(params, 0)).toBe(10);
    expect(meanItlMs(params, 5)).toBeCloseTo(20);
    expect(meanItlMs(params, 10)).toBeCloseTo(30);
    // Never beyond a full batch.
    expect(meanItlMs(params, 50)).toBeCloseTo(30);
  });

  it('jitter has the configured relative spread and is clamped to ±70%', () => {
    const rng = createRng(1);
    const samples = Array.from({ length: 20_000 }, () => jittered(100, 0.3, rng));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
    expect(mean).toBeGreaterThan(98);
    expect(mean).toBeLessThan(102);
    expect(sd).toBeGreaterThan(27);
    expect(sd).toBeLessThan(31);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(100 * (1 - JITTER_CLAMP));
    expect(Math.max(...samples)).toBeLessThanOrEqual(100 * (1 + JITTER_CLAMP));
  });

  it('no jitter means exact gaps', () => {
    expect(jittered(12, 0, createRng(5))).toBe(12);
  });

  it('is reproducible from the seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 10 }, () => sampleItlMs(params, 3, a));
    const seqB = Array.from({ length: 10 }, () => sampleItlMs(params, 3, b));
    const seqC = Array.from({ length: 10 }, () => sampleItlMs(params, 3, c));
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });
});
