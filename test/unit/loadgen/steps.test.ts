import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OnlineConfig, ThroughputConfig } from '../../../configs/schema/benchmark.ts';
import type { SenderOptions } from '../../../loadgen/sender.ts';
import { runThroughputStep } from '../../../loadgen/steps/throughput.ts';
import { rateFolder, ratesBetween, runOnlineStep } from '../../../loadgen/steps/online.ts';
import type { StageSummary } from '../../../loadgen/steps/online.ts';
import { startFakeServer, vllmLike } from './fake-server.ts';
import type { FakeServer } from './fake-server.ts';
import { fakeSender } from './fake-sender.ts';

let dir: string;
let server: FakeServer | null = null;
const logs: string[] = [];
const hooks = () => ({ log: (m: string) => logs.push(m), heartbeat: () => undefined, signal: new AbortController().signal });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadgen-step-'));
  logs.length = 0;
});
afterEach(async () => {
  await server?.close();
  server = null;
  await rm(dir, { recursive: true, force: true });
});

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const exists = (path: string) => stat(path).then(() => true, () => false);

describe('runThroughputStep', () => {
  it('writes the seed\'s files with its keys, counting failures', async () => {
    let n = 0;
    const ok = vllmLike();
    server = await startFakeServer((req, res) => {
      if (req.path !== '/metrics' && ++n === 3) {
        res.writeHead(500);
        res.end('nope');
        return;
      }
      return ok(req, res);
    });
    const beats: Record<string, unknown>[] = [];
    const config = ThroughputConfig.parse({ num_prompts: 12, prompts: { kind: 'random', input_len: 16, output_len: 4 } });
    const summary = await runThroughputStep({ ...hooks(), heartbeat: (d) => beats.push(d), endpoint: { baseUrl: server.url, model: 'm' }, config, seed: 1, outDir: dir, scrapeIntervalS: 0.05 });

    expect(summary).toMatchObject({ completed: 11, failed: 1 });
    for (const key of ['request_throughput_rps', 'input_throughput_tps', 'output_throughput_tps', 'total_time_s', 'mean_ttft_ms', 'p99_ttft_ms']) expect(summary[key as keyof typeof summary]).toBeTypeOf('number');
    expect(summary.input_throughput_tps! / summary.output_throughput_tps!).toBeCloseTo(4, 4); // 16 in, 4 out per request
    expect(beats.at(-1)).toMatchObject({ done: 12, total: 12, failed: 1 });

    const files = await readdir(dir);
    for (const f of ['throughput_results.json', 'throughput_results.csv', 'vllm_bench_raw.json', 'raw_results.json', 'stdout.txt', 'stderr.txt', 'server_metrics.json']) expect(files).toContain(f);
    const results = await readJson<Record<string, unknown>>(join(dir, 'throughput_results.json'));
    expect(results).toMatchObject({ completed: 11, failed: 1, errors_by_kind: { http_status: 1 }, self_check: { ok: expect.any(Boolean) as boolean } });
    const csv = await readFile(join(dir, 'throughput_results.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^request_throughput_rps,input_throughput_tps,output_throughput_tps,total_time_s,mean_ttft_ms,p99_ttft_ms,/);
    const raw = await readJson<Record<string, unknown>>(join(dir, 'vllm_bench_raw.json'));
    expect(raw).toMatchObject({ backend: 'vllm', model_id: 'm', num_prompts: 12, request_rate: 'inf', completed: 11, failed: 1, total_input_tokens: 176, total_output_tokens: 44 });
    expect((raw.errors as string[]).filter((e) => e !== '')).toHaveLength(1);
    expect(await readJson<unknown[]>(join(dir, 'raw_results.json'))).toHaveLength(12);
    expect(await readFile(join(dir, 'stdout.txt'), 'utf8')).toContain('Serving Benchmark Result');
    expect(await readFile(join(dir, 'stderr.txt'), 'utf8')).toContain('http_status: HTTP 500: nope');
    const metrics = await readJson<{ samples: { running: number; kv_cache_usage: number }[] }>(join(dir, 'server_metrics.json'));
    expect(metrics.samples[0]).toMatchObject({ running: 3, kv_cache_usage: 0.25 });
  });

  it('throws on cancellation instead of writing results', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    const config = ThroughputConfig.parse({ num_prompts: 3 });
    await expect(runThroughputStep({ ...hooks(), signal: ac.signal, endpoint: { baseUrl: 'http://127.0.0.1:1', model: 'm' }, config, seed: 0, outDir: dir, createSender: () => fakeSender(), scrapeMetrics: false })).rejects.toThrow('cancelled');
    expect(await exists(join(dir, 'throughput_results.json'))).toBe(false);
  });

  it('reads the API key from the named environment variable, and fails clearly without it', async () => {
    const config = ThroughputConfig.parse({ num_prompts: 1 });
    let seen: SenderOptions | null = null;
    process.env.LOADGEN_TEST_KEY = 'sekrit';
    await runThroughputStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm', apiKeyEnv: 'LOADGEN_TEST_KEY' }, config, seed: 0, outDir: dir, scrapeMetrics: false, createSender: (o) => ((seen = o), fakeSender()) });
    expect(seen!.apiKey).toBe('sekrit');
    delete process.env.LOADGEN_TEST_KEY;
    await expect(runThroughputStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm', apiKeyEnv: 'LOADGEN_TEST_KEY' }, config, seed: 0, outDir: dir, scrapeMetrics: false, createSender: () => fakeSender() })).rejects.toThrow('LOADGEN_TEST_KEY');
  });
});

describe('runOnlineStep', () => {
  const online = (over: Record<string, unknown>) => OnlineConfig.parse({ duration_s: 1, prompts: { kind: 'random', input_len: 8, output_len: 3 }, ...over });

  it('runs each rate into rate_<N>/ and writes the sweep table', async () => {
    server = await startFakeServer(vllmLike());
    const config = online({ rates: [4, 0.5], slo: { e2el_ms: 10_000 }, arrival: 'constant' });
    const summary = await runOnlineStep({ ...hooks(), endpoint: { baseUrl: server.url, model: 'm' }, config, outDir: dir, scrapeIntervalS: 0.2 });
    expect(summary).toMatchObject({ stages: 2, rates_rps: '4,0.5', completed: 5, failed: 0, skipped_on_resume: 0 });
    expect(await readdir(join(dir, 'rate_4'))).toEqual(expect.arrayContaining(['raw_results.json', 'summary.json', 'server_metrics.json']));
    const s = await readJson<StageSummary>(join(dir, 'rate_0.5', 'summary.json'));
    for (const key of ['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'ttfb_p50_ms', 'effective_throughput_tps']) expect(s[key as keyof StageSummary]).toBeTypeOf('number');
    expect(s).toMatchObject({ target_rate_rps: 0.5, completed: 1, goodput_pct: 100 });
    const rows = await readJson<StageSummary[]>(join(dir, 'online_results.json'));
    expect(rows.map((r) => r.stage)).toEqual(['rate_4', 'rate_0.5']);
    const csv = (await readFile(join(dir, 'online_results.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toContain('latency_p50_ms');
  });

  it('leaves warmup requests out of the statistics', async () => {
    const sender = fakeSender({ latencyMs: 1 });
    const config = online({ rates: [10], arrival: 'constant', warmup_s: 0.5 });
    await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, createSender: () => sender });
    const s = await readJson<StageSummary>(join(dir, 'rate_10', 'summary.json'));
    // Constant arrivals at 100, 200, ... 1000 ms: the first four are before 500 ms.
    expect(s).toMatchObject({ completed: 6, warmup_excluded: 4 });
  });

  it('on resume skips rates whose summary.json exists and reruns the rest', async () => {
    const config = online({ rates: [4, 6], arrival: 'constant', duration_s: 0.5 });
    const first = fakeSender({ latencyMs: 1 });
    await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, createSender: () => first });
    expect(first.sent).toHaveLength(5);

    // A crash after rate_4 finished: rate_6 has records but no summary.
    await rm(join(dir, 'rate_6', 'summary.json'));
    const second = fakeSender({ latencyMs: 1 });
    const summary = await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, createSender: () => second });
    expect(second.sent.map((s) => s.id)).toEqual(['rate_6-0', 'rate_6-1', 'rate_6-2']);
    expect(summary).toMatchObject({ stages: 2, skipped_on_resume: 1, completed: 5 });
    expect(logs.join('\n')).toContain('rate_4 already finished');

    // A summary.json that is not one of ours is not trusted.
    await writeFile(join(dir, 'rate_4', 'summary.json'), '{"stage": "rate_4"}');
    const fourth = fakeSender({ latencyMs: 1 });
    await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, createSender: () => fourth });
    expect(fourth.sent.map((s) => s.id)).toEqual(['rate_4-0', 'rate_4-1']);

    // resume: false runs everything again.
    const third = fakeSender({ latencyMs: 1 });
    await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, resume: false, createSender: () => third });
    expect(third.sent).toHaveLength(5);
  });

  it('auto: synchronous and saturation probes, then rates strictly between', async () => {
    // 10 ms per request: synchronous ≈ 100 req/s; saturation (4 in flight) ≈ 400 req/s.
    const config = online({ rates: 'auto', auto_points: 4, duration_s: 0.3, max_concurrency: 4, arrival: 'constant' });
    const summary = await runOnlineStep({ ...hooks(), endpoint: { baseUrl: 'http://x', model: 'm' }, config, outDir: dir, scrapeMetrics: false, createSender: () => fakeSender({ latencyMs: 10 }) });
    const rows = await readJson<StageSummary[]>(join(dir, 'online_results.json'));
    expect(rows.map((r) => r.mode)).toEqual(['synchronous', 'saturation', 'rate', 'rate']);
    const [sync, sat, r1, r2] = rows as [StageSummary, StageSummary, StageSummary, StageSummary];
    expect(sync.max_concurrent_requests).toBe(1);
    expect(sat.request_throughput_rps!).toBeGreaterThan(sync.request_throughput_rps! * 1.2);
    expect(r1.target_rate_rps!).toBeGreaterThan(sync.request_throughput_rps!);
    expect(r2.target_rate_rps!).toBeGreaterThan(r1.target_rate_rps!);
    expect(r2.target_rate_rps!).toBeLessThan(sat.request_throughput_rps!);
    expect(await exists(join(dir, 'synchronous', 'summary.json'))).toBe(true);
    expect(await exists(join(dir, rateFolder(r1.target_rate_rps!), 'summary.json'))).toBe(true);
    expect(summary.stages).toBe(4);
  });

  it('names folders rate_5 and rate_0.5, and spreads auto rates like GuideLLM', () => {
    expect(rateFolder(5)).toBe('rate_5');
    expect(rateFolder(0.5)).toBe('rate_0.5');
    expect(ratesBetween(1, 10, 4)).toEqual([4, 7]);
    expect(ratesBetween(1, 2, 3)).toEqual([1.5]);
    expect(ratesBetween(5, 5, 6)).toEqual([]);
  });
});
