import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { V1Pod } from '@kubernetes/client-node';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import type { ReapableKind } from '../../activities/reaper.ts';
import { progressQuery } from '../../workflows/phase1-suite.ts';
import { FAKE_NAMESPACE, resultsTreeProblems, startFakeBackend, suiteOnFake } from '../support/backend-fixtures.ts';
import type { FakeBackend } from '../support/backend-fixtures.ts';
import { activityAttempts, applicationFailureOf, backendWorker, createdServers, empty, executeSuite, serverOf, startSuite } from '../support/backend-workflows.ts';
import { connectTestTemporal, tempDir } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { waitFor } from '../support/processes.ts';

/**
 * The Phase-1 workflow on each GPU backend against its fake, on the shared dev server: the suite completes,
 * teardown follows a failure and a cancel, and each classified failure gets its workflow behaviour.
 * Every test must leave the fake empty (afterEach).
 */

let t: TestTemporal;
let work: { path: string; remove(): Promise<void> };
let fake: FakeBackend;
let counter = 0;

beforeAll(async () => {
  t = await connectTestTemporal();
  work = await tempDir('backends');
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

/** A fresh results folder per test: steps already done elsewhere would be skipped. */
async function suite(kind: ReapableKind, edit: (s: ResolvedSuite) => void = () => {}): Promise<ResolvedSuite> {
  counter += 1;
  return suiteOnFake(kind, join(work.path, `results-${counter}`), fake.endpoints, edit);
}

/** One quick quality step: enough to prove the server served, without the whole suite's time. */
function oneStep(s: ResolvedSuite): void {
  s.steps = ['gsm8k'];
}

function workflowId(what: string): string {
  counter += 1;
  return `backends-${what}-${process.pid}-${counter}-${Date.now()}`;
}

async function expectEmptyFake(): Promise<void> {
  const remaining = await fake.remaining();
  expect(remaining, `${fake.kind}: every test leaves the fake empty`).toEqual(empty(remaining));
}

/** Scripts how the server named `name` behaves once created (pods by the kubelet, containers by the Engine). */
function script(name: string, behavior: 'healthy' | 'crash' | 'oom' | 'never_ready'): void {
  const scripted = behavior === 'crash' ? { kind: behavior, afterMs: 200 } : { kind: behavior };
  if (fake.kind === 'kubernetes') fake.cluster.kubelet.script(name, scripted);
  else if (fake.kind === 'docker') fake.engine.script(name, scripted);
  else throw new Error('the local backend is scripted through serving.env');
}

describe.each(['kubernetes', 'docker'] as const)('phase1Suite on the %s backend against its fake', (kind) => {
  beforeEach(async () => {
    fake = await startFakeBackend(kind, work.path);
  });
  afterEach(async () => {
    await expectEmptyFake();
    await fake.close();
  });

  it('runs the whole smoke suite to the end and writes the seed-000 results tree', async () => {
    const s = await suite(kind);
    const { worker, taskQueue } = await backendWorker(t, `${kind}-e2e`, work.path);
    const result = await worker.runUntil(executeSuite(t, s, taskQueue, workflowId('e2e')));
    expect(result.steps.map((x) => [x.step, x.status])).toEqual(s.steps.map((x) => [x, 'done']));
    expect(await resultsTreeProblems(s)).toEqual([]);
    expect(createdServers(fake)).toBe(1);
  });

  it('tears the server down after a failing step', async () => {
    const s = await suite(kind, (x) => {
      oneStep(x);
      x.eval.benchmarks.gsm8k!.dataset = { source: 'local', path: '/nonexistent/gsm8k', split: 'test', config: 'main' };
    });
    const { worker, taskQueue } = await backendWorker(t, `${kind}-fail`, work.path);
    const err = await worker.runUntil(executeSuite(t, s, taskQueue, workflowId('fail'))).catch((e: unknown) => e);
    expect(applicationFailureOf(err).type).toBe('dataset_missing');
    // The server existed when the step failed; the afterEach check proves teardown removed it.
    expect(createdServers(fake)).toBe(1);
  });

  it('tears the server down after a cancel', async () => {
    const s = await suite(kind, (x) => {
      x.steps = ['online'];
      x.benchmark.online = { ...x.benchmark.online, rates: [2], duration_s: 120 };
    });
    const { worker, taskQueue } = await backendWorker(t, `${kind}-cancel`, work.path);
    const id = workflowId('cancel');
    await worker.runUntil(async () => {
      const handle = await startSuite(t, s, taskQueue, id);
      await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.currentStep === 'online', 30_000, 'the online step to start');
      expect(await fake.servers()).toContain(serverOf(s, id));
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
  });

  it('an image that cannot be pulled fails the workflow fast: image_pull, not retried', async () => {
    const id = workflowId('image');
    const s = await suite(kind, (x) => {
      oneStep(x);
      // Docker pulls for real (the fake refuses this repository); the fake kubelet is told to fail the pull.
      if (kind === 'docker') x.serving = { ...x.serving, image: 'vllm/does-not-exist:v1' };
    });
    if (kind === 'kubernetes' && fake.kind === 'kubernetes') fake.cluster.kubelet.script(serverOf(s, id), { kind: 'image_pull' });
    const { worker, taskQueue } = await backendWorker(t, `${kind}-image`, work.path);
    const err = await worker.runUntil(executeSuite(t, s, taskQueue, id)).catch((e: unknown) => e);
    const failure = applicationFailureOf(err);
    expect(failure.type).toBe('image_pull');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(kind === 'docker' ? /does-not-exist/ : /ErrImagePull|ImagePullBackOff/);
    const attempts = await activityAttempts(t, id);
    expect(Math.max(attempts.allocateServer ?? 0, attempts.startServer ?? 0)).toBe(1);
    expect(attempts.teardownServer).toBe(1);
  });

  it.each([
    ['crashes on start', 'crash', 'crash_loop', 'ValueError'],
    ['is OOM-killed', 'oom', 'oom_killed', 'Loading safetensors checkpoint shards'],
  ] as const)('a server that %s fails the workflow with its last log lines, not retried', async (_what, behavior, code, logLine) => {
    const id = workflowId(behavior);
    const s = await suite(kind, oneStep);
    script(serverOf(s, id), behavior);
    const { worker, taskQueue } = await backendWorker(t, `${kind}-${behavior}`, work.path);
    const err = await worker.runUntil(executeSuite(t, s, taskQueue, id)).catch((e: unknown) => e);
    const failure = applicationFailureOf(err);
    expect(failure.type).toBe(code);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('--- last server log lines ---');
    expect(failure.message).toContain(logLine);
    expect((await activityAttempts(t, id)).startServer).toBe(1);
  });

  it('an API 500 on create is retried and the suite completes', async () => {
    if (fake.kind === 'kubernetes') fake.cluster.api.inject({ method: 'POST', path: /\/pods$/, status: 500 });
    if (fake.kind === 'docker') fake.engine.inject({ method: 'POST', path: /^\/containers\/create$/, status: 500 });
    const id = workflowId('api500');
    const s = await suite(kind, oneStep);
    const { worker, taskQueue } = await backendWorker(t, `${kind}-api500`, work.path);
    const result = await worker.runUntil(executeSuite(t, s, taskQueue, id));
    expect(result.steps.map((x) => x.status)).toEqual(['done']);
    expect((await activityAttempts(t, id)).allocateServer).toBe(2);
  });

  it(`a server lost while starting (${kind === 'kubernetes' ? 'evicted' : 'killed from outside'}) is recreated by the retried start and the suite completes`, async () => {
    const id = workflowId('lost');
    const s = await suite(kind, oneStep);
    const name = serverOf(s, id);
    // Not Ready at first, so the loss lands while start waits; the replacement is healthy.
    script(name, 'never_ready');
    const { worker, taskQueue } = await backendWorker(t, `${kind}-lost`, work.path);
    const result = await worker.runUntil(async () => {
      const handle = await startSuite(t, s, taskQueue, id);
      // The loss must land inside startServer's wait (one that came earlier would be mended before the wait, in attempt 1).
      await waitFor(async () => (await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'startServer' && a.lastHeartbeatTime), 30_000, 'startServer to wait, heartbeating');
      if (fake.kind === 'kubernetes') {
        const { cluster } = fake;
        await waitFor(() => Promise.resolve(cluster.store.get('pods', FAKE_NAMESPACE, name)?.status?.phase === 'Running'), 30_000, 'the pod to run');
        script(name, 'healthy');
        await cluster.kubelet.evict(FAKE_NAMESPACE, name);
      } else if (fake.kind === 'docker') {
        const { engine } = fake;
        await waitFor(() => Promise.resolve(engine.requests.some((r) => r.method === 'POST' && r.path === `/containers/${name}/start` && r.status === 204)), 30_000, 'the container to start');
        script(name, 'healthy');
        await engine.kill(name);
      }
      return handle.result();
    });
    expect(result.steps.map((x) => x.status)).toEqual(['done']);
    expect((await activityAttempts(t, id)).startServer).toBe(2);
    expect(createdServers(fake)).toBe(2);
  });
});

describe('phase1Suite on the kubernetes backend when GPUs are short', () => {
  /** One node with 2 GPUs; the model needs 2 (tensor parallel 2). */
  const SMALL = [{ name: 'gpu-small', gpus: 2 }];

  beforeEach(async () => {
    fake = await startFakeBackend('kubernetes', work.path, SMALL);
  });
  afterEach(async () => {
    await expectEmptyFake();
    await fake.close();
  });

  /** A pod that holds both GPUs and never starts (its image cannot be pulled). */
  function occupyGpus(): string {
    if (fake.kind !== 'kubernetes') throw new Error('kubernetes only');
    const blocker: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'gpu-hog', namespace: FAKE_NAMESPACE },
      spec: { containers: [{ name: 'hog', image: 'hog:1', resources: { requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } } }] },
    };
    fake.cluster.kubelet.script('gpu-hog', { kind: 'image_pull' });
    fake.cluster.store.create('pods', blocker);
    return 'gpu-hog';
  }

  it('an unschedulable pod waits (on_unschedulable: wait), then proceeds once GPUs free up', async () => {
    if (fake.kind !== 'kubernetes') throw new Error('kubernetes only');
    const { cluster } = fake;
    const hog = occupyGpus();
    await waitFor(() => Promise.resolve(Boolean(cluster.store.get('pods', FAKE_NAMESPACE, hog)?.spec?.nodeName)), 10_000, 'the GPU hog to be scheduled');
    const id = workflowId('unschedulable-wait');
    const s = await suite('kubernetes', oneStep);
    const name = serverOf(s, id);
    const { worker, taskQueue } = await backendWorker(t, 'k8s-unschedulable', work.path);
    const result = await worker.runUntil(async () => {
      const handle = await startSuite(t, s, taskQueue, id);
      const unschedulable = (): boolean => cluster.store.get('pods', FAKE_NAMESPACE, name)?.status?.conditions?.some((c) => c.reason === 'Unschedulable') === true;
      await waitFor(() => Promise.resolve(unschedulable()), 30_000, 'the pod to be reported Unschedulable');
      cluster.store.delete('pods', FAKE_NAMESPACE, hog);
      return handle.result();
    });
    expect(result.steps.map((x) => x.status)).toEqual(['done']);
    // Waiting happened inside one attempt, heartbeating; no retry was needed.
    expect((await activityAttempts(t, id)).allocateServer).toBe(1);
  });

  it('an unschedulable pod fails the workflow at once with on_unschedulable: fail', async () => {
    occupyGpus();
    const id = workflowId('unschedulable-fail');
    const s = await suite('kubernetes', (x) => {
      oneStep(x);
      if (x.backend.kind === 'kubernetes') x.backend = { ...x.backend, on_unschedulable: 'fail' };
    });
    const { worker, taskQueue } = await backendWorker(t, 'k8s-unschedulable-fail', work.path);
    const err = await worker.runUntil(executeSuite(t, s, taskQueue, id)).catch((e: unknown) => e);
    const failure = applicationFailureOf(err);
    expect(failure.type).toBe('unschedulable');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('Insufficient nvidia.com/gpu');
    expect((await activityAttempts(t, id)).allocateServer).toBe(1);
    if (fake.kind === 'kubernetes') fake.cluster.store.delete('pods', FAKE_NAMESPACE, 'gpu-hog');
  });
});

describe('phase1Suite on the local backend (a fake vllm executable)', () => {
  beforeEach(async () => {
    fake = await startFakeBackend('local', work.path);
  });
  afterEach(async () => {
    await expectEmptyFake();
    await fake.close();
  });

  it('runs a step to the end and stops the server', async () => {
    const s = await suite('local', oneStep);
    const { worker, taskQueue } = await backendWorker(t, 'local-step', work.path);
    const result = await worker.runUntil(executeSuite(t, s, taskQueue, workflowId('local')));
    expect(result.steps.map((x) => x.status)).toEqual(['done']);
  });

  it('a server that exits on its own fails the workflow with its last log lines; teardown still runs', async () => {
    const s = await suite('local', (x) => {
      oneStep(x);
      x.serving = { ...x.serving, env: { ...x.serving.env, FAKE_VLLM_BEHAVIOR: 'crash' } };
    });
    const { worker, taskQueue } = await backendWorker(t, 'local-crash', work.path);
    const id = workflowId('local-crash');
    const err = await worker.runUntil(executeSuite(t, s, taskQueue, id)).catch((e: unknown) => e);
    const failure = applicationFailureOf(err);
    expect(failure.type).toBe('crash_loop');
    expect(failure.message).toContain('EngineCore failed to start');
    expect((await activityAttempts(t, id)).teardownServer).toBe(1);
  });

  it('tears the server down after a cancel', async () => {
    const s = await suite('local', (x) => {
      x.steps = ['online'];
      x.benchmark.online = { ...x.benchmark.online, rates: [2], duration_s: 120 };
    });
    const { worker, taskQueue } = await backendWorker(t, 'local-cancel', work.path);
    await worker.runUntil(async () => {
      const handle = await startSuite(t, s, taskQueue, workflowId('local-cancel'));
      await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.currentStep === 'online', 30_000, 'the online step to start');
      expect(await fake.servers()).toHaveLength(1);
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
  });
});
