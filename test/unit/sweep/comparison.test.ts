import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, ActivityFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { comparisonRow, createSweepActivities, finishedStepDir } from '../../../activities/sweep.ts';
import type { RecordArgs } from '../../../activities/sweep.ts';
import { COMPARISON_COLUMNS, emptyRow, orderedRows } from '../../../sweep/comparison.ts';
import type { ComparisonInput, ComparisonRow } from '../../../sweep/comparison.ts';
import { failureReason } from '../../../sweep/failure.ts';
import { STEP_MANIFEST } from '../../../store/layout.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-comparison-'));
  dirs.push(d);
  return d;
}

async function put(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, JSON.stringify(value));
}

const manifest = (key: string, status: 'running' | 'complete') => ({ step: 'x', key, status, workflow_id: 'w', run_id: 'r', planned_at: '', completed_at: null, summary: null });

/** A model's results tree as the Phase-1 steps leave it (only the files the comparison reads). */
async function resultsTree(root: string): Promise<void> {
  const tp = join(root, 'throughput', 'throughput-20260224T120000Z');
  await put(join(tp, STEP_MANIFEST), manifest('k-tp', 'complete'));
  await put(join(tp, 'throughput_results.json'), { request_throughput_rps: 12.5, output_throughput_tps: 1600, mean_ttft_ms: 40, p99_ttft_ms: 90 });
  await put(join(tp, 'run_meta.json'), { model_load_time_s: 61.2, gpus: [{ name: 'H100', memory_mb: 81920 }, { name: 'H100', memory_mb: 81920 }] });
  // An older throughput run of another config, and an unfinished one of this config: neither counts.
  await put(join(root, 'throughput', 'throughput-20260101T000000Z', STEP_MANIFEST), manifest('k-old', 'complete'));
  await put(join(root, 'throughput', 'throughput-20260101T000000Z', 'throughput_results.json'), { request_throughput_rps: 1 });
  const on = join(root, 'online', 'online-20260224T120100Z');
  await put(join(on, STEP_MANIFEST), manifest('k-on', 'complete'));
  await put(join(on, 'online_results.json'), [
    { stage: 'rate_2', mode: 'rate', target_rate_rps: 2, latency_p50_ms: 100, latency_p99_ms: 150 },
    { stage: 'rate_8', mode: 'rate', target_rate_rps: 8, latency_p50_ms: 180, latency_p99_ms: 420 },
    { stage: 'rate_4', mode: 'rate', target_rate_rps: 4, latency_p50_ms: 120, latency_p99_ms: 200 },
  ]);
  const q = join(root, 'quality', 'quality-20260224T120200Z');
  await put(join(q, 'gsm8k', STEP_MANIFEST), manifest('k-gsm8k', 'complete'));
  await put(join(q, 'gsm8k', 'gsm8k_metrics.json'), { accuracy_pct: 91.5 });
  await put(join(q, 'math', STEP_MANIFEST), manifest('k-math', 'running'));
  await put(join(q, 'math', 'math_metrics.json'), { accuracy_pct: 10 });
}

const input = (root: string | null, over: Partial<ComparisonInput> = {}): ComparisonInput => ({
  model: 'm',
  params_b: 7.62,
  dtype: 'bfloat16',
  gpus: 2,
  tensorParallelSize: 2,
  status: 'done',
  reason: null,
  resultsRoot: root,
  stepKeys: [
    { step: 'throughput', key: 'k-tp' },
    { step: 'online', key: 'k-on' },
    { step: 'gsm8k', key: 'k-gsm8k' },
    { step: 'math', key: 'k-math' },
  ],
  gpuMemoryUtilization: 0.9,
  ...over,
});

describe('scaling_comparison rows from results on disk', () => {
  it('reads each finished step by its key: throughput, online at the highest rate, accuracies, load time, GPU memory', async () => {
    const root = await tmp();
    await resultsTree(root);
    expect(await comparisonRow(input(root))).toEqual({
      ...emptyRow(input(root)),
      gsm8k_accuracy_pct: 91.5,
      math_accuracy_pct: null, // its step never completed
      request_throughput_rps: 12.5,
      output_throughput_tps: 1600,
      mean_ttft_ms: 40,
      p99_ttft_ms: 90,
      latency_p50_ms: 180,
      latency_p99_ms: 420,
      model_load_time_s: 61.2,
      gpu_memory_gb: 144, // 2 × 80 GiB × 0.9
      energy_wh: null,
    });
  });

  it('prefers sampled GPU memory to the reserved estimate, and adds up sampled energy over the steps', async () => {
    const root = await tmp();
    await resultsTree(root);
    const hardware = (energy: number | null, peak: number | null) => ({ gpu_energy_wh: energy, gpu_vram_peak_used_gb: peak });
    const tp = join(root, 'throughput', 'throughput-20260224T120000Z', 'run_meta.json');
    await put(tp, { model_load_time_s: 61.2, gpus: [{ name: 'H100', memory_mb: 81920 }], hardware: hardware(1.25, 141.3) });
    const quality = join(root, 'quality', 'quality-20260224T120200Z', 'run_meta.json');
    await put(quality, { gpus: [{ name: 'H100', memory_mb: 81920 }], hardware: hardware(2.5, 142.1) });
    expect(await comparisonRow(input(root))).toMatchObject({ energy_wh: 3.75, gpu_memory_gb: 142.1 });
  });

  it('finds a finished step folder without claiming anything', async () => {
    const root = await tmp();
    await resultsTree(root);
    expect(await finishedStepDir(root, 'throughput', 'k-tp')).toBe(join(root, 'throughput', 'throughput-20260224T120000Z'));
    expect(await finishedStepDir(root, 'math', 'k-math')).toBeNull();
    expect(await finishedStepDir(join(root, 'nowhere'), 'online', 'k-on')).toBeNull();
  });

  it('leaves every metric empty for a skipped model', async () => {
    const row = await comparisonRow(input(null, { status: 'skipped', reason: 'needs 190 GB', gpus: null, tensorParallelSize: null }));
    expect(row).toMatchObject({ status: 'skipped', skip_reason: 'needs 190 GB', gpus: null, request_throughput_rps: null, gsm8k_accuracy_pct: null });
  });

  it('orders rows smallest first, in the contract\'s columns', () => {
    const rows = orderedRows([emptyRow(input(null, { model: 'big', params_b: 72.7 })), emptyRow(input(null, { model: 'small', params_b: 1.54 }))]);
    expect(rows.map((r) => r.model)).toEqual(['small', 'big']);
    expect(Object.keys(rows[0]!)).toEqual([...COMPARISON_COLUMNS]);
  });

  it('recordSweepModels merges the new rows over the known ones and writes both files', async () => {
    const root = await tmp();
    const sweepRoot = join(root, 'sweep');
    await resultsTree(join(sweepRoot, 'm'));
    const acts = createSweepActivities();
    const env = new MockActivityEnvironment();
    const skipped = emptyRow(input(null, { model: 'huge', params_b: 400, status: 'skipped', reason: 'needs 1 TB', gpus: null, tensorParallelSize: null }));
    const stale = emptyRow(input(null, { status: 'failed', reason: 'server_crashed: gone' }));
    const fresh = await env.run<[RecordArgs], ComparisonRow[], typeof acts.recordSweepModels>((args) => acts.recordSweepModels(args), { sweepRoot, known: [skipped, stale], settled: [input(join(sweepRoot, 'm'))] });
    expect(fresh.map((r) => [r.model, r.status])).toEqual([['m', 'done']]);
    const json = JSON.parse(await readFile(join(sweepRoot, 'scaling_comparison.json'), 'utf8')) as { model: string; status: string }[];
    expect(json.map((r) => [r.model, r.status])).toEqual([
      ['m', 'done'],
      ['huge', 'skipped'],
    ]);
    const csv = (await readFile(join(sweepRoot, 'scaling_comparison.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(COMPARISON_COLUMNS.join(','));
    expect(csv[2]).toBe('huge,400,bfloat16,,,skipped,needs 1 TB,,,,,,,,,,,,');
  });

  it('writes the CSV header even before any row exists', async () => {
    const sweepRoot = join(await tmp(), 'sweep');
    const acts = createSweepActivities();
    await new MockActivityEnvironment().run((args: RecordArgs) => acts.recordSweepModels(args), { sweepRoot, known: [], settled: [] });
    expect(await readFile(join(sweepRoot, 'scaling_comparison.csv'), 'utf8')).toBe(`${COMPARISON_COLUMNS.join(',')}\n`);
    expect(JSON.parse(await readFile(join(sweepRoot, 'scaling_comparison.json'), 'utf8'))).toEqual([]);
  });
});

describe('failureReason', () => {
  it('gives the evalflow code of the classified failure and the innermost message', () => {
    const app = ApplicationFailure.create({ type: 'dataset_missing', message: 'wrapped', nonRetryable: true, cause: new Error('dataset not found: /x') });
    const activity = new ActivityFailure('activity failed', 'runQuality', '5', RetryState.NON_RETRYABLE_FAILURE, 'identity', app);
    const child = new ChildWorkflowFailure('default', { workflowId: 'w', runId: 'r' }, 'phase1Suite', RetryState.NON_RETRYABLE_FAILURE, activity);
    expect(failureReason(child)).toBe('dataset_missing: dataset not found: /x');
  });

  it('falls back to the message of a plain error', () => {
    expect(failureReason(new Error('boom'))).toBe('boom');
    expect(failureReason('text')).toBe('text');
  });
});
