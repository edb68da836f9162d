import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { V1Pod } from '@kubernetes/client-node';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import { isReapable } from '../../activities/reaper.ts';
import type { ReapableKind, ReapTarget } from '../../activities/reaper.ts';
import { ANNOTATION, serverLabels, serverName } from '../../backends/kubernetes/naming.ts';
import { progressQuery } from '../../workflows/phase1-suite.ts';
import { reaperWorkflow } from '../../workflows/reaper.ts';
import { scheduleReaper } from '../../client/cli/commands/gc.ts';
import { triggerSchedule } from '../../client/schedules.ts';
import { FAKE_NAMESPACE, startFakeBackend, suiteOnFake } from '../support/backend-fixtures.ts';
import type { FakeBackend } from '../support/backend-fixtures.ts';
import { backendWorker, empty, serverOf, startSuite } from '../support/backend-workflows.ts';
import { connectTestTemporal, tempDir } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { waitFor } from '../support/processes.ts';

/**
 * A terminated workflow runs no `finally`, so its server outlives it: the reaper (workflow, CLI and Schedule)
 * finds it by evalflow's labels and deletes it, and leaves a running workflow's server alone.
 */

const CLI = 'client/cli/bin.ts';

let t: TestTemporal;
let work: { path: string; remove(): Promise<void> };
let fake: FakeBackend;
let counter = 0;

beforeAll(async () => {
  t = await connectTestTemporal();
  work = await tempDir('reaper');
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

function unique(what: string): string {
  counter += 1;
  return `reaper-${what}-${process.pid}-${counter}-${Date.now()}`;
}

/** A suite whose only step runs for minutes, so its server is there while the test looks. */
async function longSuite(kind: ReapableKind): Promise<ResolvedSuite> {
  counter += 1;
  return suiteOnFake(kind, join(work.path, `results-${counter}`), fake.endpoints, (s) => {
    s.steps = ['online'];
    s.benchmark.online = { ...s.benchmark.online, rates: [2], duration_s: 300 };
  });
}

function targetOf(suite: ResolvedSuite): ReapTarget {
  if (!isReapable(suite.backend)) throw new Error(`${suite.backend.kind} is not reapable`);
  return { backend: suite.backend };
}

async function sorted(names: Promise<string[]>): Promise<string[]> {
  return (await names).sort();
}

describe.each(['kubernetes', 'docker', 'local'] as const)('the reaper on %s', (kind) => {
  beforeEach(async () => {
    fake = await startFakeBackend(kind, work.path);
  });
  afterEach(async () => {
    const remaining = await fake.remaining();
    expect(remaining, 'every test leaves the fake empty').toEqual(empty(remaining));
    await fake.close();
  });

  it("deletes a terminated workflow's server, keeps a running workflow's, and deletes nothing on a dry run", async () => {
    const running = await longSuite(kind);
    const terminated = await longSuite(kind);
    const { worker, taskQueue } = await backendWorker(t, `reaper-${kind}`, work.path);
    await worker.runUntil(async () => {
      const keep = await startSuite(t, running, taskQueue, unique('running'));
      const lose = await startSuite(t, terminated, taskQueue, unique('terminated'));
      for (const handle of [keep, lose]) {
        await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.currentStep === 'online', 30_000, 'the online step to start');
      }
      const keepName = serverOf(running, keep.workflowId);
      const loseName = serverOf(terminated, lose.workflowId);
      await lose.terminate('test: terminated workflows run no teardown');
      expect(await sorted(fake.servers())).toEqual([keepName, loseName].sort());

      const reaper = (dryRun: boolean) =>
        t.client.workflow.execute(reaperWorkflow, { taskQueue, workflowId: unique(dryRun ? 'dry' : 'reap'), args: [{ targets: [targetOf(running)], dryRun }] });

      const dry = await reaper(true);
      expect(dry.targets).toHaveLength(1);
      expect(dry.targets[0]?.leftovers.map((l) => [l.name, l.workflowId])).toEqual([[loseName, lose.workflowId]]);
      expect(dry.targets[0]).toMatchObject({ dryRun: true, removed: [], failed: [], kept: 1 });
      expect(await sorted(fake.servers())).toEqual([keepName, loseName].sort());

      const real = await reaper(false);
      expect(real.targets[0]).toMatchObject({ dryRun: false, removed: [loseName], failed: [], kept: 1 });
      expect(await fake.servers()).toEqual([keepName]);

      // The running workflow still owns its server: cancel it and its own teardown removes it.
      await keep.cancel();
      const err = await keep.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
  });
});

describe('evalflow gc and its Schedule (kubernetes)', () => {
  beforeEach(async () => {
    fake = await startFakeBackend('kubernetes', work.path);
  });
  afterEach(async () => {
    const remaining = await fake.remaining();
    expect(remaining, 'every test leaves the fake empty').toEqual(empty(remaining));
    await fake.close();
  });

  /** A server pod labelled for a workflow id Temporal has never seen (its image never pulls, so it holds no simulator). */
  function strayPod(): string {
    if (fake.kind !== 'kubernetes') throw new Error('kubernetes only');
    const workflowId = `evalflow/never-ran/${unique('stray')}`;
    const name = serverName(workflowId, 'qwen2.5-72b-instruct');
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: FAKE_NAMESPACE, labels: serverLabels({ workflowId, runId: 'r-1', modelName: 'qwen2.5-72b-instruct' }), annotations: { [ANNOTATION.workflowId]: workflowId } },
      spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai:v0.11.0' }] },
    };
    fake.cluster.kubelet.script(name, { kind: 'image_pull' });
    fake.cluster.store.create('pods', pod);
    return name;
  }

  async function gc(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'gc', ...args], { env: { ...process.env, TEMPORAL_ADDRESS: t.address }, timeout: 60_000 });
    return stdout;
  }

  it('evalflow gc --dry-run lists the pod of an unknown workflow and keeps it; evalflow gc deletes it', async () => {
    const name = strayPod();
    const flags = ['--backend', 'kubernetes', '--kubeconfig', fake.endpoints.kubeconfig ?? '', '--namespace', FAKE_NAMESPACE];
    const dry = await gc('--dry-run', ...flags);
    expect(dry).toContain(name);
    expect(dry).toContain('dry run: would delete 1');
    expect(await fake.servers()).toEqual([name]);
    const real = await gc(...flags);
    expect(real).toContain('deleted 1');
    expect(await fake.servers()).toEqual([]);
  });

  it('evalflow gc --schedule makes a Schedule whose run deletes leftovers', async () => {
    const name = strayPod();
    const suite = await suiteOnFake('kubernetes', join(work.path, unique('schedule')), fake.endpoints);
    const { worker, taskQueue } = await backendWorker(t, 'reaper-schedule', work.path);
    const scheduleId = unique('schedule');
    const { handle, created } = await scheduleReaper(t.client, { targets: [targetOf(suite)], dryRun: false }, { every: '1h', taskQueue, scheduleId });
    try {
      expect(created).toBe(true);
      // Running it again updates the same schedule.
      expect((await scheduleReaper(t.client, { targets: [targetOf(suite)], dryRun: false }, { every: '1h', taskQueue, scheduleId })).created).toBe(false);
      const result = await worker.runUntil(async () => {
        const workflowId = await triggerSchedule(t.client, scheduleId);
        return t.client.workflow.getHandle<typeof reaperWorkflow>(workflowId).result();
      });
      expect(result.targets[0]?.removed).toEqual([name]);
      expect(await fake.servers()).toEqual([]);
    } finally {
      await handle.delete();
    }
  });
});
