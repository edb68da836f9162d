import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { loadSuite } from '../../configs/resolve.ts';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import { phase1Suite, progressQuery } from '../../workflows/phase1-suite.ts';
import { connectTestTemporal, createTestWorker, tempDir, testDeps, uniqueTaskQueue } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { processesMentioning, waitFor } from '../support/processes.ts';
import { freePort } from '../../client/dev-server.ts';

let t: TestTemporal;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await t.close();
});

async function smokeSuite(prefix: string, edit: (s: ResolvedSuite) => void = () => {}): Promise<{ suite: ResolvedSuite; root: string }> {
  const dir = await tempDir(prefix);
  cleanups.push(() => dir.remove());
  const suite = await loadSuite('configs/suites/phase1.yaml', { resultsDir: dir.path });
  edit(suite);
  return { suite, root: dir.path };
}

async function onlyDir(parent: string): Promise<string> {
  const entries = (await readdir(parent)).filter((e) => !e.startsWith('.'));
  expect(entries).toHaveLength(1);
  return join(parent, entries[0]!);
}

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('phase1Suite against a real Temporal dev server and the vLLM simulator', () => {
  let finished: { suite: ResolvedSuite; root: string };

  it('runs the whole smoke suite and writes the seed-000 results tree', async () => {
    finished = await smokeSuite('e2e');
    const { suite, root } = finished;
    const taskQueue = uniqueTaskQueue('e2e');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    const result = await worker.runUntil(t.client.workflow.execute(phase1Suite, { taskQueue, workflowId: `e2e-${taskQueue}`, args: [{ suite }] }));

    expect(result.steps.map((s) => [s.step, s.status])).toEqual(suite.steps.map((s) => [s, 'done']));
    expect(result.server?.vllmVersion).toMatch(/sim/);

    const throughput = await onlyDir(join(root, 'throughput'));
    expect(throughput).toMatch(/throughput-\d{8}T\d{6}Z$/);
    for (const f of ['throughput_results.json', 'throughput_results.csv', 'vllm_bench_raw.json', 'stdout.txt', 'stderr.txt', 'run_meta.json', 'benchmark.yaml', 'serving.yaml']) {
      expect(await exists(join(throughput, f)), f).toBe(true);
    }
    const tp = await json(join(throughput, 'throughput_results.json'));
    for (const key of ['request_throughput_rps', 'input_throughput_tps', 'output_throughput_tps', 'total_time_s', 'mean_ttft_ms', 'p99_ttft_ms']) {
      expect(typeof tp[key], key).toBe('number');
    }
    const raw = await json(join(throughput, 'vllm_bench_raw.json'));
    expect(raw.completed).toBe(suite.benchmark.throughput.num_prompts);
    const meta = await json(join(throughput, 'run_meta.json'));
    for (const key of ['timestamp_utc', 'hostname', 'seed', 'git_commit', 'node_version', 'package_versions', 'vllm_version', 'backend', 'gpus', 'temporal', 'config_hash']) {
      expect(meta, key).toHaveProperty(key);
    }
    expect(meta.config_hash).toBe(suite.configHash);
    expect((meta.temporal as { workflow_id: string }).workflow_id).toBe(`e2e-${taskQueue}`);

    const online = await onlyDir(join(root, 'online'));
    for (const f of ['online_results.json', 'online_results.csv', 'run_meta.json', 'rate_2/raw_results.json', 'rate_2/summary.json', 'rate_8/summary.json']) {
      expect(await exists(join(online, f)), f).toBe(true);
    }
    const rate = await json(join(online, 'rate_2', 'summary.json'));
    for (const key of ['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'ttfb_p50_ms', 'effective_throughput_tps']) {
      expect(typeof rate[key], key).toBe('number');
    }

    const quality = await onlyDir(join(root, 'quality'));
    for (const f of ['quality_summary.json', 'quality_summary.csv', 'run_meta.json', 'eval.yaml', 'serving.yaml', 'models.yaml']) {
      expect(await exists(join(quality, f)), f).toBe(true);
    }
    for (const name of ['gsm8k', 'math']) {
      for (const f of [`${name}_results.jsonl`, `${name}_metrics.json`, `${name}_metrics.csv`, `${name}_unscorable.jsonl`]) {
        expect(await exists(join(quality, name, f)), f).toBe(true);
      }
      const lines = (await readFile(join(quality, name, `${name}_results.jsonl`), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(8);
      const metrics = await json(join(quality, name, `${name}_metrics.json`));
      expect(typeof metrics.accuracy_pct).toBe('number');
      expect((metrics.scorable_examples as number) + (metrics.unscorable_examples as number)).toBe(8);
    }
    for (const f of ['routerbench_results.jsonl', 'routerbench_metrics.json', 'routerbench_metrics.csv']) {
      expect(await exists(join(quality, 'routerbench', f)), f).toBe(true);
    }
    // The simulator process was torn down.
    expect(await processesMentioning(root)).toEqual([]);
  });

  it('resubmitting a finished suite runs no step again and starts no server', async () => {
    const { suite, root } = finished;
    const taskQueue = uniqueTaskQueue('resubmit');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    const before = await Promise.all(['throughput', 'online', 'quality'].map((k) => readdir(join(root, k))));
    const result = await worker.runUntil(t.client.workflow.execute(phase1Suite, { taskQueue, workflowId: `resubmit-${taskQueue}`, args: [{ suite }] }));
    expect(result.steps.every((s) => s.status === 'skipped')).toBe(true);
    expect(result.server).toBeNull();
    const after = await Promise.all(['throughput', 'online', 'quality'].map((k) => readdir(join(root, k))));
    expect(after).toEqual(before);
  });

  it('runs a benchmark once per sampling seed and reports mean and std across seeds', async () => {
    const { suite, root } = await smokeSuite('seeds', (s) => {
      s.steps = ['gsm8k'];
      s.eval.defaults = { ...s.eval.defaults, seeds: [1, 2, 3], sampling: { ...s.eval.defaults.sampling, temperature: 0.7 } };
    });
    const taskQueue = uniqueTaskQueue('seeds');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    const result = await worker.runUntil(t.client.workflow.execute(phase1Suite, { taskQueue, workflowId: `seeds-${taskQueue}`, args: [{ suite }] }));
    expect(result.steps[0]?.summary).toMatchObject({ n_seeds: 3 });
    const quality = await onlyDir(join(root, 'quality'));
    for (const seed of [1, 2, 3]) {
      const lines = (await readFile(join(quality, 'gsm8k', `seed_${seed}`, 'gsm8k_results.jsonl'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(8);
    }
    const summary = (await json(join(quality, 'quality_summary.json'))) as { benchmarks: { benchmark: string; n_seeds: number; accuracy_pct_std: number | null }[]; per_seed: unknown[] };
    expect(summary.benchmarks[0]).toMatchObject({ benchmark: 'gsm8k', n_seeds: 3 });
    expect(typeof summary.benchmarks[0]?.accuracy_pct_std).toBe('number');
    expect(summary.per_seed).toHaveLength(3);
  });

  it('tears the server down after a failing step, and the failure is classified', async () => {
    const { suite, root } = await smokeSuite('fail', (s) => {
      s.steps = ['gsm8k'];
      s.eval.benchmarks.gsm8k!.dataset = { source: 'local', path: '/nonexistent/gsm8k', split: 'test', config: 'main' };
    });
    const taskQueue = uniqueTaskQueue('fail');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    const err = await worker
      .runUntil(t.client.workflow.execute(phase1Suite, { taskQueue, workflowId: `fail-${taskQueue}`, args: [{ suite }] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('dataset_missing');
    expect(await processesMentioning(root)).toEqual([]);
  });

  it('tears the server down after a cancel', async () => {
    const { suite, root } = await smokeSuite('cancel', (s) => {
      s.steps = ['online'];
      s.benchmark.online = { ...s.benchmark.online, rates: [2], duration_s: 120 };
    });
    const taskQueue = uniqueTaskQueue('cancel');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    await worker.runUntil(async () => {
      const handle = await t.client.workflow.start(phase1Suite, { taskQueue, workflowId: `cancel-${taskQueue}`, args: [{ suite }] });
      await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.currentStep === 'online', 30_000, 'the online step to start');
      expect((await processesMentioning(root)).length).toBeGreaterThan(0);
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
    expect(await processesMentioning(root)).toEqual([]);
  });

  it('gives up on an unreachable external endpoint at its deadline, naming the URL, and still runs teardown', async () => {
    const port = await freePort();
    const { suite, root } = await smokeSuite('unreachable', (s) => {
      s.backend = { kind: 'external', base_url: `http://127.0.0.1:${port}` };
      s.healthTimeoutS = 2;
    });
    const taskQueue = uniqueTaskQueue('unreachable');
    const worker = await createTestWorker(t, taskQueue, testDeps(join(root, 'cache')));
    const workflowId = `unreachable-${taskQueue}`;
    const err = await worker.runUntil(t.client.workflow.execute(phase1Suite, { taskQueue, workflowId, args: [{ suite }] })).catch((e: unknown) => e);
    const cause = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(cause.type).toBe('server_unhealthy');
    expect(cause.message).toContain(`http://127.0.0.1:${port}`);
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    const teardown = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'teardownServer');
    expect(teardown).toBeDefined();
    const completed = history.events?.filter((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === teardown?.eventId?.toString());
    expect(completed).toHaveLength(1);
  });
});
