import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * A synthetic but realistic results tree (README "Results layout"): the shapes the writers produce, numbers
 * shaped like a 72B model on 4 GPUs. Deterministic, so tests and screenshots are repeatable.
 */

/** mulberry32: a tiny seeded PRNG, enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal samples via Box–Muller: a TTFT distribution has a long right tail. */
function logNormal(random: () => number, median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}

export const MODEL = 'Qwen/Qwen2.5-72B-Instruct';
export const WORKFLOW_ID = 'evalflow/phase1/qwen2.5-72b-instruct/3f9a1c2b7d4e6f80';

export function runMeta(step: string, timestamp: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp_utc: timestamp,
    hostname: 'gpu-node-7',
    seed: 42,
    git_commit: 'abc1234',
    node_version: 'v24.21.0',
    evalflow_version: '0.1.0',
    package_versions: { '@temporalio/worker': '1.24.0' },
    vllm_version: '0.11.0',
    model: MODEL,
    served_model: MODEL,
    preset: 'full',
    suite: 'phase1',
    step,
    backend: 'kubernetes',
    server: { base_url: 'http://10.0.0.7:8000', host: 'gpu-node-7', allocation: 'evalflow-qwen72b-0f1f4a' },
    gpus: Array.from({ length: 4 }, () => ({ name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 })),
    model_load_time_s: 184.2,
    temporal: { workflow_id: WORKFLOW_ID, run_id: '01a20581-6b22-78d3-bf2e-09cbbb1b4549', namespace: 'default', task_queue: 'evalflow' },
    config_hash: '3f9a1c2b7d4e6f80',
    ...overrides,
  };
}

/** loadgen RequestRecords: `count` measured requests, plus warmups and failures a report must leave out. */
export function rawRecords(count = 400, seed = 7): Record<string, unknown>[] {
  const random = rng(seed);
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < count + 8; i++) {
    const sentMs = 1000 + i * 2.5;
    const warmup = i < 4;
    const failed = i >= count + 4;
    const ttft = logNormal(random, 180, 0.35);
    const end = sentMs + ttft + 128 * 11.5;
    records.push({
      id: `throughput-${i}`,
      stage: 'throughput',
      warmup,
      scheduledMs: sentMs - 0.4,
      sentMs,
      headersMs: sentMs + ttft * 0.6,
      firstTokenMs: failed ? null : sentMs + ttft,
      chunkMs: failed ? [] : [sentMs + ttft, end],
      endMs: failed ? null : end,
      doneMs: end,
      promptTokens: 1024,
      completionTokens: failed ? null : 128,
      finishReason: failed ? null : 'length',
      status: failed ? 503 : 200,
      error: failed ? { kind: 'http_status', message: 'Service Unavailable', status: 503 } : null,
    });
  }
  return records;
}

export function throughputResults(): Record<string, unknown> {
  return {
    request_throughput_rps: 12.418,
    input_throughput_tps: 12716.03,
    output_throughput_tps: 1589.5,
    total_time_s: 32.21,
    mean_ttft_ms: 191.4,
    p99_ttft_ms: 402.7,
    completed: 400,
    failed: 4,
    self_check_ok: true,
    num_prompts: 404,
    median_ttft_ms: 180.2,
    mean_tpot_ms: 11.62,
    p99_tpot_ms: 14.9,
    mean_e2el_ms: 1667.3,
    p99_e2el_ms: 2011.8,
    self_check: { ok: true, reasons: [], dispatched: 404 },
    time_origin_ms: 1795388688296.254,
  };
}

export const RATES = [1, 2, 4, 8, 16, 32] as const;

/** An online sweep that saturates near 16 req/s: latency climbs, achieved rate and goodput fall behind. */
export function onlineRows(rates: readonly number[] = RATES): Record<string, unknown>[] {
  return rates.map((rate) => {
    const load = Math.min(rate / 16, 1.6);
    const p50 = 1450 * (1 + load ** 3);
    const achieved = rate <= 16 ? rate * 0.998 : 16 + (rate - 16) * 0.25;
    return {
      stage: `rate_${rate}`,
      mode: 'rate',
      target_rate_rps: rate,
      achieved_rate_rps: Number(achieved.toFixed(3)),
      request_throughput_rps: Number(achieved.toFixed(3)),
      completed: Math.round(achieved * 120),
      failed: rate >= 32 ? 3 : 0,
      warmup_excluded: 10,
      errors_by_kind: rate >= 32 ? { timeout: 3 } : {},
      duration_s: 120,
      latency_p50_ms: Number(p50.toFixed(1)),
      latency_p95_ms: Number((p50 * 1.45).toFixed(1)),
      latency_p99_ms: Number((p50 * 1.8).toFixed(1)),
      latency_mean_ms: Number((p50 * 1.08).toFixed(1)),
      ttfb_p50_ms: Number((120 + 400 * load ** 3).toFixed(1)),
      effective_throughput_tps: Number((achieved * 128 * 0.97).toFixed(1)),
      ttft_p50_ms: Number((150 + 500 * load ** 3).toFixed(1)),
      ttft_p99_ms: Number((320 + 1400 * load ** 3).toFixed(1)),
      goodput_rps: Number((rate <= 8 ? achieved : achieved * Math.max(0.1, 1 - (rate - 8) / 28)).toFixed(3)),
      goodput_pct: null,
      max_concurrent_requests: Math.round(rate * 2.5),
      self_check_ok: true,
      self_check: { ok: true, reasons: [] },
      server_metrics: null,
      time_origin_ms: 1795388688296.254,
    };
  });
}

export function qualitySummary(): Record<string, unknown> {
  const row = (benchmark: string, accuracy: number | null, lo: number | null, hi: number | null, scorable: number, unscorable: number, note: string | null) => ({
    benchmark,
    n_seeds: 1,
    seeds: '1234',
    scorable_examples: scorable,
    unscorable_examples: unscorable,
    total_examples: scorable + unscorable,
    correct: accuracy === null ? null : Math.round((accuracy / 100) * scorable),
    note,
    accuracy_pct: accuracy,
    accuracy_pct_std: null,
    ci95_low_pct: lo,
    ci95_high_pct: hi,
  });
  return {
    benchmarks: [
      row('gsm8k', 89.61, 87.83, 91.15, 1312, 7, null),
      row('math', 52.4, 48.02, 56.74, 496, 4, null),
      row('routerbench', null, null, null, 0, 200, 'has_labels is false: outputs are stored and no accuracy is computed'),
    ],
    per_seed: [],
  };
}

/** A scaling sweep: five Qwen sizes, with the gaps real sweeps have (no energy sampling, RouterBench unlabelled). */
export function scalingRows(): Record<string, unknown>[] {
  const sizes: [string, number, number, number, number, number | null][] = [
    // model, params_b, gsm8k, math, gpu GB, energy Wh
    ['Qwen/Qwen2.5-0.5B-Instruct', 0.5, 41.6, 17.2, 3.1, 4.2],
    ['Qwen/Qwen2.5-1.5B-Instruct', 1.5, 62.9, 29.8, 5.6, 7.9],
    ['Qwen/Qwen2.5-7B-Instruct', 7, 78.4, 41.3, 17.8, 21.4],
    ['Qwen/Qwen2.5-32B-Instruct', 32, 87.1, 51.2, 68.9, null],
    ['Qwen/Qwen2.5-72B-Instruct', 72, 89.6, 52.4, 152.3, 188.0],
  ];
  return sizes.map(([model, params_b, gsm8k, math, mem, energy]) => ({
    model,
    params_b,
    gsm8k_accuracy_pct: gsm8k,
    math_accuracy_pct: math,
    routerbench_accuracy_pct: null,
    request_throughput_rps: Number((60 / Math.sqrt(params_b)).toFixed(2)),
    output_throughput_tps: Number(((60 / Math.sqrt(params_b)) * 128).toFixed(1)),
    mean_ttft_ms: Number((40 + params_b * 2.1).toFixed(1)),
    p99_ttft_ms: Number((90 + params_b * 4.4).toFixed(1)),
    latency_p50_ms: Number((300 + params_b * 16).toFixed(1)),
    latency_p99_ms: Number((520 + params_b * 29).toFixed(1)),
    model_load_time_s: Number((8 + params_b * 2.4).toFixed(1)),
    gpu_memory_gb: mem,
    energy_wh: energy,
  }));
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

export interface FixtureTree {
  root: string;
  throughput: string;
  online: string;
  quality: string;
}

/**
 * results/ with the latest complete folder of each kind (2026-02-24), an older one of each (which must not be
 * picked) and a newer throughput folder that is still running (no results file yet, so it must be passed over).
 */
export async function buildResultsTree(root: string): Promise<FixtureTree> {
  const ts = { old: '20260223T090000Z', latest: '20260224T120000Z', running: '20260225T080000Z' };
  const iso = (t: string) => `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}.000Z`;
  const dir = (kind: string, t: string) => join(root, kind, `${kind}-${t}`);
  for (const t of [ts.old, ts.latest]) {
    const older = t === ts.old ? { model: 'Qwen/Qwen2.5-7B-Instruct' } : {};
    await writeJson(join(dir('throughput', t), 'throughput_results.json'), throughputResults());
    await writeJson(join(dir('throughput', t), 'raw_results.json'), rawRecords());
    await writeJson(join(dir('throughput', t), 'run_meta.json'), runMeta('throughput', iso(t), older));
    await writeJson(join(dir('online', t), 'online_results.json'), onlineRows());
    await writeJson(join(dir('online', t), 'run_meta.json'), runMeta('online', iso(t), older));
    await writeJson(join(dir('quality', t), 'quality_summary.json'), qualitySummary());
    await writeJson(join(dir('quality', t), 'run_meta.json'), runMeta('gsm8k', iso(t), older));
  }
  await writeJson(join(dir('throughput', ts.running), 'run_meta.json'), runMeta('throughput', iso(ts.running)));
  return { root, throughput: dir('throughput', ts.latest), online: dir('online', ts.latest), quality: dir('quality', ts.latest) };
}

/** A sweep folder holding scaling_comparison.json. */
export async function buildSweep(dir: string): Promise<string> {
  await writeJson(join(dir, 'scaling_comparison.json'), scalingRows());
  return dir;
}
