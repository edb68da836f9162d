import { describe, expect, it } from 'vitest';
import { computeMetrics, peakConcurrency, peakPerSecond, requestTimings } from '../../../loadgen/report.ts';
import { vllmResultJson, vllmSummaryText } from '../../../loadgen/vllm-result.ts';
import { record } from './records.ts';

// Hand-computed fixture: three successes, one timeout, one warmup request.
const A = record({ id: 'A', sentMs: 0, headersMs: 5, firstTokenMs: 10, chunkMs: [10, 20, 40], endMs: 40, doneMs: 41, promptTokens: 10, completionTokens: 3 });
const B = record({ id: 'B', sentMs: 10, headersMs: 12, firstTokenMs: 30, chunkMs: [30, 35], endMs: 35, doneMs: 36, promptTokens: 20, completionTokens: 2 });
const C = record({ id: 'C', sentMs: 20, headersMs: 21, firstTokenMs: 50, chunkMs: [50], endMs: 50, doneMs: 50, promptTokens: 5, completionTokens: 1 });
const D = record({ id: 'D', sentMs: 30, status: null, doneMs: 1030, error: { kind: 'timeout', message: 'UND_ERR_HEADERS_TIMEOUT' } });
const W = record({ id: 'W', warmup: true, sentMs: -500, headersMs: -499, firstTokenMs: -400, chunkMs: [-400, -1], endMs: -1, doneMs: -1, promptTokens: 999, completionTokens: 2 });
const ALL = [W, A, B, C, D];

describe('requestTimings (vLLM per-request rules)', () => {
  it('TTFT, E2EL, TPOT, ITL and TTFB from one record', () => {
    expect(requestTimings(A)).toEqual({ ttftMs: 10, e2elMs: 40, tpotMs: 15, itlsMs: [10, 20], ttfbMs: 5, e2elFromScheduledMs: 40 });
    expect(requestTimings(C)?.tpotMs).toBeNull(); // one output token: no TPOT
    expect(requestTimings(D)).toBeNull();
  });

  it('measures from the scheduled time too (client queueing shows up)', () => {
    expect(requestTimings({ ...A, scheduledMs: -7 })?.e2elFromScheduledMs).toBe(47);
  });
});

describe('computeMetrics (vLLM calculate_metrics semantics)', () => {
  const m = computeMetrics(ALL, { percentiles: [50, 99] });

  it('counts failures, leaves out warmup, and runs the duration to the last settled request', () => {
    expect(m).toMatchObject({ total: 4, completed: 3, failed: 1, errors_by_kind: { timeout: 1 }, total_input_tokens: 35, total_output_tokens: 6 });
    expect(m.duration_s).toBeCloseTo(1.03, 12); // 0 → D's timeout at 1030 ms
    expect(m.request_throughput).toBeCloseTo(3 / 1.03, 12);
    expect(m.input_throughput).toBeCloseTo(35 / 1.03, 12);
    expect(m.output_throughput).toBeCloseTo(6 / 1.03, 12);
    expect(m.total_token_throughput).toBeCloseTo(41 / 1.03, 12);
  });

  it('distributions over successes only', () => {
    expect(m.ttft_ms).toMatchObject({ count: 3, mean: 20, median: 20, min: 10, max: 30 });
    expect(m.ttft_ms.std).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(m.ttft_ms.percentiles['99']).toBeCloseTo(29.8, 12);
    expect(m.tpot_ms).toMatchObject({ count: 2, mean: 10 });
    expect(m.tpot_ms.percentiles['99']).toBeCloseTo(14.9, 12);
    // ITL pools every gap of every request: [10, 20] ∪ [5].
    expect(m.itl_ms).toMatchObject({ count: 3, median: 10 });
    expect(m.itl_ms.mean).toBeCloseTo(35 / 3, 12);
    expect(m.itl_ms.percentiles['99']).toBeCloseTo(19.8, 12);
    expect(m.e2el_ms).toMatchObject({ count: 3, median: 30 });
    expect(m.ttfb_ms).toMatchObject({ count: 3, median: 2 });
  });

  it('peaks: concurrency by sweep line, chunks per wall-clock second', () => {
    expect(m.max_concurrent_requests).toBe(3);
    expect(m.max_output_tokens_per_s).toBe(6);
  });

  it('goodput: good only if every SLO set is met; TPOT is 0 for one-token outputs', () => {
    expect(m.request_goodput).toBeNull();
    const both = computeMetrics(ALL, { slo: { ttft_ms: 20, tpot_ms: 10 } });
    expect(both.good_requests).toBe(1); // only B
    expect(both.request_goodput).toBeCloseTo(1 / 1.03, 12);
    expect(computeMetrics(ALL, { slo: { tpot_ms: 10 } }).good_requests).toBe(2); // B, and C (tpot 0)
    expect(computeMetrics(ALL, { slo: { e2el_ms: 30 } }).good_requests).toBe(2); // B, C
  });

  it('honours an explicit window start', () => {
    expect(computeMetrics(ALL, { startMs: -970 }).duration_s).toBeCloseTo(2, 12);
  });

  it('is well-defined with nothing or only failures', () => {
    expect(computeMetrics([])).toMatchObject({ total: 0, completed: 0, duration_s: 0, request_throughput: 0 });
    const onlyFailures = computeMetrics([D, { ...D, id: 'E', error: { kind: 'http_status', status: 500, message: 'HTTP 500' } }]);
    expect(onlyFailures).toMatchObject({ total: 2, completed: 0, failed: 2, errors_by_kind: { timeout: 1, http_status: 1 } });
    expect(onlyFailures.ttft_ms.mean).toBeNull();
  });
});

describe('peaks', () => {
  it('intervals that only touch do not overlap', () => {
    expect(peakConcurrency([[0, 10], [10, 20]])).toBe(1);
    expect(peakConcurrency([[0, 10], [5, 20], [6, 7]])).toBe(3);
    expect(peakConcurrency([])).toBe(0);
  });

  it('buckets by whole seconds from the start', () => {
    expect(peakPerSecond([0, 999, 1000, 1500, 1999, 2500], 0)).toBe(3);
  });
});

describe('vLLM result file and table', () => {
  const info = { date: new Date(2026, 1, 24, 12, 0, 5), model: 'qwen', endpoint: 'completions' as const, numPrompts: 4, requestRate: Infinity, burstiness: 1, maxConcurrency: null, percentiles: [99] };
  const metrics = computeMetrics(ALL, { percentiles: [99] });

  it('has vllm bench serve --save-result keys and detail arrays', () => {
    const out = vllmResultJson(info, metrics, ALL);
    for (const key of ['date', 'backend', 'model_id', 'tokenizer_id', 'num_prompts', 'request_rate', 'burstiness', 'max_concurrency', 'duration', 'completed', 'failed', 'total_input_tokens', 'total_output_tokens', 'request_throughput', 'request_goodput', 'output_throughput', 'total_token_throughput', 'max_output_tokens_per_s', 'max_concurrent_requests', 'input_lens', 'output_lens', 'ttfts', 'itls', 'errors']) {
      expect(out).toHaveProperty(key);
    }
    for (const m of ['ttft', 'tpot', 'itl', 'e2el']) for (const s of ['mean', 'median', 'std', 'p99']) expect(out).toHaveProperty(`${s}_${m}_ms`);
    expect(out).toMatchObject({ date: '20260224-120005', backend: 'vllm', request_rate: 'inf', completed: 3, failed: 1, median_ttft_ms: 20 });
    expect(out.ttfts).toEqual([0.01, 0.02, 0.03, 0]); // seconds, like vLLM; 0 for the failure
    expect(out.output_lens).toEqual([3, 2, 1, 0]);
    expect(out.errors).toEqual(['', '', '', 'timeout: UND_ERR_HEADERS_TIMEOUT']);
  });

  it('prints vLLM\'s summary table', () => {
    const text = vllmSummaryText(info, metrics);
    expect(text).toContain('============ Serving Benchmark Result ============');
    expect(text).toMatch(/Successful requests: +3\n/);
    expect(text).toMatch(/Failed requests: +1\n/);
    expect(text).toMatch(/Median TTFT \(ms\): +20\.00\n/);
    expect(text).toContain('P99 ITL (ms):');
  });
});
