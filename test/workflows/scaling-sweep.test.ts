import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { loadSweep } from '../../sweep/load.ts';
import type { ResolvedSweep } from '../../sweep/load.ts';
import { stepKey } from '../../store/layout.ts';
import { COMPARISON_COLUMNS } from '../../sweep/comparison.ts';
import type { ComparisonRow } from '../../sweep/comparison.ts';
import { submitSweep } from '../../client/api.ts';
import { scalingSweep, sweepProgressQuery } from '../../workflows/scaling-sweep.ts';
import type { phase1Suite } from '../../workflows/phase1-suite.ts';
import type { SweepResult } from '../../workflows/scaling-sweep.ts';
import { SA_MODEL, SCALING_COMPARISON_CSV, SCALING_COMPARISON_JSON } from '../../common/constants.ts';
import { connectTestTemporal, createTestWorker, tempDir, testDeps, uniqueTaskQueue } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { processesMentioning, waitFor } from '../support/processes.ts';
import { writeSweepFixture } from '../support/sweep-fixture.ts';
import type { SweepFixture } from '../support/sweep-fixture.ts';

const SAMPLES_GSM8K = fileURLToPath(new URL('../../data/samples/gsm8k', import.meta.url));
const SMALL = ['qwen2.5-1.5b-instruct', 'qwen2.5-3b-instruct', 'qwen2.5-7b-instruct'];
/** Adopted children are polled this often (the default 5 s would only slow the tests). */
const FAST = { adoptPollIntervalMs: 200 };

let t: TestTemporal;
const cleanups: (() => Promise<void>)[] = [];
let counter = 0;

beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await t.close();
});

async function fixture(prefix: string, f: Omit<SweepFixture, 'name'>): Promise<{ dir: string; file: string; name: string }> {
  const dir = await tempDir(prefix);
  cleanups.push(() => dir.remove());
  counter += 1;
  const name = `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
  return { dir: dir.path, file: await writeSweepFixture(dir.path, { name, ...f }), name };
}

/** A fresh worker per run (a worker runs once); the task queue stays, as a real deployment's would. */
async function worker(dir: string, taskQueue: string): Promise<Worker> {
  return createTestWorker(t, taskQueue, testDeps(join(dir, 'cache')));
}

async function runSweep(dir: string, taskQueue: string, sweep: ResolvedSweep): Promise<{ result: SweepResult | null; error: unknown; state: string; workflowId: string }> {
  const w = await worker(dir, taskQueue);
  return w.runUntil(async () => {
    const submitted = await submitSweep(sweep, { client: t.client, taskQueue, workflowOptions: FAST });
    const outcome = await submitted.handle.result().then(
      (result) => ({ result, error: null }),
      (error: unknown) => ({ result: null, error }),
    );
    return { ...outcome, state: submitted.state, workflowId: submitted.workflowId };
  });
}

async function ls(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((e) => !e.startsWith('.')).sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function comparison(sweep: ResolvedSweep): Promise<ComparisonRow[]> {
  return JSON.parse(await readFile(join(sweep.resultsRoot, SCALING_COMPARISON_JSON), 'utf8')) as ComparisonRow[];
}

/** Every step folder of a model, so a test can prove nothing new was written. */
async function stepFolders(sweep: ResolvedSweep, model: string): Promise<string[]> {
  const root = join(sweep.resultsRoot, model);
  return (await Promise.all(['throughput', 'online', 'quality'].map(async (k) => (await ls(join(root, k))).map((d) => `${k}/${d}`)))).flat();
}

async function childRunIds(sweep: ResolvedSweep): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const run of sweep.runs) ids[run.model] = (await t.client.workflow.getHandle(run.workflowId).describe()).runId;
  return ids;
}

/** A gsm8k dataset path for one model only (the sweep's suite is shared), as if that model's config named a folder not there yet. */
function breakDataset(sweep: ResolvedSweep, model: string, path: string): void {
  const run = sweep.runs.find((r) => r.model === model)!;
  run.suite.eval.benchmarks.gsm8k!.dataset = { source: 'local', path, config: 'main', split: 'test' };
  run.stepKeys = run.suite.steps.map((step) => ({ step, key: stepKey(run.suite, step) }));
}

describe('scalingSweep against a real Temporal dev server and the vLLM simulator', () => {
  let finished: { sweep: ResolvedSweep; dir: string; file: string };

  it('runs three small models two at a time, skips the one that does not fit, and writes the per-model trees and scaling_comparison', async () => {
    const f = await fixture('sweep', { models: [...SMALL, 'qwen2.5-32b-instruct'], maxGpus: 2 });
    const sweep = await loadSweep(f.file);
    finished = { sweep, dir: f.dir, file: f.file };
    expect(sweep.plan.models.map((m) => [m.model, m.action, m.gpus, m.startsAtOnce])).toEqual([
      ['qwen2.5-7b-instruct', 'run', 1, true],
      ['qwen2.5-3b-instruct', 'run', 1, true],
      ['qwen2.5-1.5b-instruct', 'run', 1, false],
      ['qwen2.5-32b-instruct', 'skip', 0, false],
    ]);
    const { result, error, state } = await runSweep(f.dir, uniqueTaskQueue('sweep'), sweep);
    expect(error).toBeNull();
    expect(state).toBe('started');
    expect(result!.models.map((m) => [m.model, m.status, m.source])).toEqual([
      ['qwen2.5-7b-instruct', 'done', 'ran'],
      ['qwen2.5-3b-instruct', 'done', 'ran'],
      ['qwen2.5-1.5b-instruct', 'done', 'ran'],
      ['qwen2.5-32b-instruct', 'skipped', null],
    ]);

    // The seed-000 tree per model, under <results_dir>/<sweep>/<model>/.
    for (const model of SMALL) {
      const root = join(sweep.resultsRoot, model);
      const [throughput] = await ls(join(root, 'throughput'));
      const [online] = await ls(join(root, 'online'));
      const [quality] = await ls(join(root, 'quality'));
      expect(await exists(join(root, 'throughput', throughput!, 'throughput_results.json'))).toBe(true);
      expect(await exists(join(root, 'online', online!, 'online_results.json'))).toBe(true);
      expect(await exists(join(root, 'quality', quality!, 'gsm8k', 'gsm8k_metrics.json'))).toBe(true);
      const meta = JSON.parse(await readFile(join(root, 'throughput', throughput!, 'run_meta.json'), 'utf8')) as { suite: string; config_hash: string };
      expect(meta.suite).toBe(sweep.name);
      expect(meta.config_hash).toBe(sweep.runs.find((r) => r.model === model)!.suite.configHash);
    }

    // Never more than max_gpus models at once; the third started only after one of the first two finished.
    const spans = await Promise.all(
      sweep.runs.map(async (r) => {
        const d = await t.client.workflow.getHandle(r.workflowId).describe();
        return { model: r.model, start: d.startTime.getTime(), end: d.closeTime!.getTime() };
      }),
    );
    const third = spans.find((s) => s.model === 'qwen2.5-1.5b-instruct')!;
    expect(third.start).toBeGreaterThanOrEqual(Math.min(...spans.filter((s) => s !== third).map((s) => s.end)));
    const child = await t.client.workflow.getHandle(sweep.runs[0]!.workflowId).describe();
    expect(child.workflowId).toMatch(new RegExp(`^evalflow/sweep/${sweep.name}/qwen2.5-7b-instruct/[0-9a-f]{16}$`));
    expect(child.typedSearchAttributes.get(SA_MODEL)).toBe('qwen2.5-7b-instruct');

    // scaling_comparison.csv/json: the contract's columns, smallest model first, skip reasons, simulator nulls.
    const csv = (await readFile(join(sweep.resultsRoot, SCALING_COMPARISON_CSV), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(COMPARISON_COLUMNS.join(','));
    expect(csv).toHaveLength(5);
    const rows = await comparison(sweep);
    expect(rows.map((r) => [r.model, r.status, r.gpus, r.tensor_parallel_size])).toEqual([
      ['qwen2.5-1.5b-instruct', 'done', 1, 1],
      ['qwen2.5-3b-instruct', 'done', 1, 1],
      ['qwen2.5-7b-instruct', 'done', 1, 1],
      ['qwen2.5-32b-instruct', 'skipped', null, null],
    ]);
    for (const row of rows.slice(0, 3)) {
      for (const key of ['gsm8k_accuracy_pct', 'request_throughput_rps', 'output_throughput_tps', 'mean_ttft_ms', 'p99_ttft_ms', 'latency_p50_ms', 'latency_p99_ms', 'model_load_time_s'] as const) {
        expect(typeof row[key], `${row.model} ${key}`).toBe('number');
      }
      expect(row.math_accuracy_pct).toBeNull(); // not a step of this suite
      expect(row.gpu_memory_gb).toBeNull(); // the simulator has no GPU
      expect(row.energy_wh).toBeNull();
    }
    expect(rows[3]!.skip_reason).toBe('needs 80 GB; largest node has 2 × 24 GB (43.2 GB usable at 0.9)');
    expect(JSON.parse(await readFile(join(sweep.resultsRoot, 'sweep_plan.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(sweep.plan)));
    expect(await readFile(join(sweep.resultsRoot, 'sweep.yaml'), 'utf8')).toBe(await readFile(f.file, 'utf8'));
    for (const model of SMALL) expect(await processesMentioning(join(sweep.resultsRoot, model))).toEqual([]);
  });

  it('a resubmitted finished sweep starts nothing; another sweep run over the same models adopts every child', async () => {
    const { sweep, dir } = finished;
    const before = { ids: await childRunIds(sweep), folders: await Promise.all(SMALL.map((m) => stepFolders(sweep, m))) };
    const taskQueue = uniqueTaskQueue('resubmit');
    const again = await runSweep(dir, taskQueue, sweep);
    expect(again.state).toBe('finished');

    // A new sweep run (as after a lost parent) finds every child's id taken and adopts the finished runs.
    const adopted = await (await worker(dir, taskQueue)).runUntil(
      t.client.workflow.execute(scalingSweep, { taskQueue, workflowId: `adopt-${taskQueue}`, args: [{ sweep, options: FAST }] }),
    );
    expect(adopted.models.filter((m) => m.status !== 'skipped').map((m) => m.source)).toEqual(['adopted', 'adopted', 'adopted']);
    expect(await childRunIds(sweep)).toEqual(before.ids);
    expect(await Promise.all(SMALL.map((m) => stepFolders(sweep, m)))).toEqual(before.folders);
    expect((await comparison(sweep)).map((r) => r.status)).toEqual(['done', 'done', 'done', 'skipped']);
  });

  it('after one model failed, resubmitting the sweep runs only that model again, from its first unfinished step', async () => {
    const f = await fixture('resume', { models: SMALL, maxGpus: 2 });
    const sweep = await loadSweep(f.file);
    const late = join(f.dir, 'late-data', 'gsm8k');
    breakDataset(sweep, 'qwen2.5-3b-instruct', late);
    const taskQueue = uniqueTaskQueue('resume');

    const first = await runSweep(f.dir, taskQueue, sweep);
    expect(first.error).toBeInstanceOf(WorkflowFailedError);
    const failure = (first.error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('sweep_incomplete');
    expect(failure.message).toContain('qwen2.5-3b-instruct (dataset_missing');
    const partial = await comparison(sweep);
    expect(partial.map((r) => [r.model, r.status])).toEqual([
      ['qwen2.5-1.5b-instruct', 'done'],
      ['qwen2.5-3b-instruct', 'failed'],
      ['qwen2.5-7b-instruct', 'done'],
    ]);
    expect(partial[1]!.skip_reason).toContain('dataset_missing');
    expect(typeof partial[1]!.request_throughput_rps).toBe('number'); // its finished steps still count

    const before = { ids: await childRunIds(sweep), failedFolders: await stepFolders(sweep, 'qwen2.5-3b-instruct') };
    await cp(SAMPLES_GSM8K, late, { recursive: true }); // the fix: the dataset is where the config says
    const second = await runSweep(f.dir, taskQueue, sweep);
    expect(second.error).toBeNull();
    expect(second.state).toBe('started');
    expect(second.workflowId).toBe(first.workflowId);
    expect(second.result!.models.map((m) => [m.model, m.source])).toEqual([
      ['qwen2.5-7b-instruct', 'adopted'],
      ['qwen2.5-3b-instruct', 'ran'],
      ['qwen2.5-1.5b-instruct', 'adopted'],
    ]);
    const after = await childRunIds(sweep);
    expect(after['qwen2.5-7b-instruct']).toBe(before.ids['qwen2.5-7b-instruct']);
    expect(after['qwen2.5-1.5b-instruct']).toBe(before.ids['qwen2.5-1.5b-instruct']);
    expect(after['qwen2.5-3b-instruct']).not.toBe(before.ids['qwen2.5-3b-instruct']);
    // The resumed child found its throughput and online steps finished and ran gsm8k only.
    const resumed = await t.client.workflow.getHandle<typeof phase1Suite>(sweep.runs.find((r) => r.model === 'qwen2.5-3b-instruct')!.workflowId).result();
    expect(resumed.steps.map((s) => [s.step, s.status])).toEqual([
      ['throughput', 'skipped'],
      ['online', 'skipped'],
      ['gsm8k', 'done'],
    ]);
    expect(await stepFolders(sweep, 'qwen2.5-3b-instruct')).toEqual(before.failedFolders);
    expect((await comparison(sweep)).map((r) => r.status)).toEqual(['done', 'done', 'done']);
  });
  it('--no-skip-existing with --sizes runs the selected model again into new folders, under new ids', async () => {
    const { sweep: first, dir, file } = finished;
    const rerun = await loadSweep(file, { skipExisting: false, sizes: [1.5] });
    expect(rerun.plan.models.map((m) => m.model)).toEqual(['qwen2.5-1.5b-instruct']);
    expect(rerun.runs[0]!.workflowId).not.toBe(first.runs.find((r) => r.model === 'qwen2.5-1.5b-instruct')!.workflowId);
    const before = await stepFolders(first, 'qwen2.5-1.5b-instruct');
    const { result, error } = await runSweep(dir, uniqueTaskQueue('rerun'), rerun);
    expect(error).toBeNull();
    expect(result!.models.map((m) => [m.model, m.status, m.source])).toEqual([['qwen2.5-1.5b-instruct', 'done', 'ran']]);
    const after = await stepFolders(first, 'qwen2.5-1.5b-instruct');
    expect(after).toHaveLength(before.length * 2);
    expect(after).toEqual(expect.arrayContaining(before));
    // The comparison holds the re-run's numbers for the selected model.
    expect((await comparison(rerun)).map((r) => [r.model, r.status])).toEqual([['qwen2.5-1.5b-instruct', 'done']]);
  });

  it('continues as new past its history threshold and adopts the children still running', async () => {
    const f = await fixture('can', { models: SMALL, maxGpus: 2 });
    const sweep = await loadSweep(f.file);
    const taskQueue = uniqueTaskQueue('can');
    const w = await worker(f.dir, taskQueue);
    const { result, firstRunId, workflowId } = await w.runUntil(async () => {
      const submitted = await submitSweep(sweep, { client: t.client, taskQueue, workflowOptions: { ...FAST, continueAsNewAfterEvents: 1 } });
      return { result: await submitted.handle.result(), firstRunId: submitted.runId!, workflowId: submitted.workflowId };
    });
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(result.models.map((m) => m.status)).toEqual(['done', 'done', 'done']);
    expect(result.models.some((m) => m.source === 'adopted')).toBe(true);
    const firstRun = await t.client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
    expect(firstRun.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // Adopted, not restarted: one set of step folders per model.
    for (const model of SMALL) expect(await stepFolders(sweep, model)).toHaveLength(3);
    expect((await comparison(sweep)).map((r) => r.status)).toEqual(['done', 'done', 'done']);
  });

  it('a cancelled sweep cancels its running children, which tear their servers down', async () => {
    const f = await fixture('cancel', { models: ['qwen2.5-3b-instruct', 'qwen2.5-7b-instruct'], maxGpus: 2, steps: ['online'] });
    const sweep = await loadSweep(f.file);
    for (const run of sweep.runs) run.suite.benchmark.online = { ...run.suite.benchmark.online, rates: [2], duration_s: 120 };
    const taskQueue = uniqueTaskQueue('cancel');
    const w = await worker(f.dir, taskQueue);
    await w.runUntil(async () => {
      const submitted = await submitSweep(sweep, { client: t.client, taskQueue, workflowOptions: FAST });
      await waitFor(async () => (await submitted.handle.query(sweepProgressQuery).catch(() => null))?.models.every((m) => m.status === 'running') ?? false, 30_000, 'both models to run');
      await waitFor(async () => (await processesMentioning(sweep.resultsRoot)).length >= 2, 30_000, 'both simulators to start');
      await submitted.handle.cancel();
      const err = await submitted.handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
    for (const run of sweep.runs) expect((await t.client.workflow.getHandle(run.workflowId).describe()).status.name).toBe('CANCELLED');
    expect(await processesMentioning(sweep.resultsRoot)).toEqual([]);
    expect((await comparison(sweep)).map((r) => [r.model, r.status, r.skip_reason])).toEqual([
      ['qwen2.5-3b-instruct', 'failed', 'cancelled'],
      ['qwen2.5-7b-instruct', 'failed', 'cancelled'],
    ]);
  });
});
