import { describe, expect, it } from 'vitest';
import { runLoad } from '../../../loadgen/run.ts';
import type { RequestSpec, Sender } from '../../../loadgen/record.ts';
import { arrivalOffsetsMs } from '../../../loadgen/schedule.ts';
import { computeMetrics } from '../../../loadgen/report.ts';
import { evaluateSelfCheck } from '../../../loadgen/self-check.ts';
import { fakeSender } from './fake-sender.ts';

const specs = (n: number): RequestSpec[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, endpoint: 'completions', prompt: 'p', maxTokens: 2 }));

describe('runLoad', () => {
  it('sends on an absolute schedule, flags warmup, and returns every record in order', async () => {
    const sender = fakeSender({ latencyMs: 5 });
    const offsets = arrivalOffsetsMs({ rate: 200, count: 100, arrival: 'poisson', burstiness: 1, seed: 1 });
    const progress: number[] = [];
    const res = await runLoad({ sender, requests: specs(100), offsetsMs: offsets, stage: 'rate_200', warmupUntilMs: 100, onProgress: (p) => progress.push(p.done) });
    expect(res.records.map((r) => r.id)).toEqual(specs(100).map((s) => s.id));
    expect(progress.at(-1)).toBe(100);
    for (let i = 0; i < 100; i++) {
      const r = res.records[i]!;
      expect(r.scheduledMs).toBeCloseTo(res.startMs + offsets[i]!, 6);
      expect(r.sentMs).toBeGreaterThanOrEqual(r.scheduledMs - 0.01); // never early
      expect(r.warmup).toBe(offsets[i]! < 100);
    }
    // Target rate derived from the schedule: count / last offset.
    expect(res.selfCheck.target_rate_rps).toBeCloseTo(200, 3);
    expect(res.selfCheck.dispatched).toBe(100);
    expect(res.selfCheck.schedule_lag_p50_ms!).toBeGreaterThanOrEqual(0);
  });

  it('caps requests in flight with max_concurrency and measures lag from when a slot freed', async () => {
    const sender = fakeSender({ latencyMs: 10 });
    const res = await runLoad({ sender, requests: specs(30), offsetsMs: new Float64Array(30), stage: 's', maxConcurrency: 4 });
    expect(sender.maxInFlight).toBe(4);
    expect(res.records).toHaveLength(30);
    // Queued behind the cap is not client lag: the lag counts from the freed slot, not from t = 0,
    // where the last wave waited at least six request latencies.
    const fromSchedule = Math.max(...res.records.map((r) => r.sentMs - r.scheduledMs));
    expect(fromSchedule).toBeGreaterThan(50);
    expect(res.selfCheck.schedule_lag_p99_ms!).toBeLessThan(fromSchedule / 2);
    expect(res.selfCheck.target_rate_rps).toBeNull();
  });

  it('a duration bound stops sending; what was sent still completes', async () => {
    const sender = fakeSender({ latencyMs: 20 });
    const res = await runLoad({ sender, requests: specs(10_000), offsetsMs: new Float64Array(10_000), stage: 'sync', maxConcurrency: 1, stopAfterMs: 100 });
    expect(res.records.length).toBeGreaterThanOrEqual(1);
    expect(res.records.length).toBeLessThanOrEqual(6);
    expect(res.records.every((r) => r.sentMs - res.startMs < 105)).toBe(true);
    expect(res.records.every((r) => r.error === null && r.endMs !== null)).toBe(true);
  });

  it('keeps failures: they are records, counted by the report', async () => {
    const sender = fakeSender({ latencyMs: 2, fail: (s) => (Number(s.id.slice(1)) % 3 === 0 ? { kind: 'http_status', status: 500, message: 'HTTP 500' } : null) });
    const res = await runLoad({ sender, requests: specs(9), offsetsMs: new Float64Array(9), stage: 's' });
    const m = computeMetrics(res.records);
    expect(m).toMatchObject({ total: 9, completed: 6, failed: 3, errors_by_kind: { http_status: 3 } });
  });

  it('records a sender that breaks its contract and rejects', async () => {
    const broken: Sender = { send: () => Promise.reject(new Error('bug')), close: () => Promise.resolve() };
    const res = await runLoad({ sender: broken, requests: specs(2), offsetsMs: new Float64Array(2), stage: 's' });
    expect(res.records.map((r) => r.error?.message)).toEqual(['sender failed: bug', 'sender failed: bug']);
  });

  it('an abort stops sending and records what was in flight as aborted', async () => {
    const sender = fakeSender({ latencyMs: 1000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const offsets = Float64Array.from({ length: 10 }, (_, i) => i * 20);
    const res = await runLoad({ sender, requests: specs(10), offsetsMs: offsets, stage: 's', signal: ac.signal });
    expect(res.records.length).toBeGreaterThanOrEqual(1);
    expect(res.records.length).toBeLessThan(10);
    expect(res.records.every((r) => r.error?.kind === 'aborted')).toBe(true);
  });

  it('handles an empty stage and lazy request lists', async () => {
    expect((await runLoad({ sender: fakeSender(), requests: [], offsetsMs: [], stage: 's' })).records).toEqual([]);
    const lazy = { length: 5, at: (i: number) => (i < 3 ? specs(3)[i] : undefined) };
    const res = await runLoad({ sender: fakeSender(), requests: lazy, offsetsMs: new Float64Array(5), stage: 's' });
    expect(res.records).toHaveLength(3);
  });
});

describe('evaluateSelfCheck', () => {
  const base = { startMs: 0, lastSentMs: 1000, targetRateRps: 100, concurrencyCapped: false, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 2 };
  const lags = (n: number, v: number) => new Float64Array(n).fill(v);

  it('is ok when on time and on rate', () => {
    const c = evaluateSelfCheck({ ...base, lagsMs: lags(100, 0.5) });
    expect(c).toMatchObject({ ok: true, reasons: [], achieved_rate_rps: 100, target_rate_rps: 100, schedule_lag_p99_ms: 0.5 });
  });

  it.each([
    { name: 'late sends', input: { lagsMs: lags(100, 11) }, reason: 'schedule lag p99' },
    { name: 'low rate', input: { lagsMs: lags(98, 0) }, reason: 'achieved rate' },
    { name: 'event-loop stalls', input: { lagsMs: lags(100, 0), eventLoopDelayP99Ms: 25 }, reason: 'event-loop delay' },
  ])('flags $name', ({ input, reason }) => {
    const c = evaluateSelfCheck({ ...base, ...input });
    expect(c.ok).toBe(false);
    expect(c.reasons.join()).toContain(reason);
  });

  it('does not hold a rate-inf burst to the lag or rate limits', () => {
    const c = evaluateSelfCheck({ ...base, targetRateRps: Infinity, lagsMs: lags(100, 50) });
    expect(c).toMatchObject({ ok: true, target_rate_rps: null });
  });
});
