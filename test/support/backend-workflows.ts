import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.ts';
import { createBackends } from '../../backends/registry.ts';
import { serverName } from '../../backends/kubernetes/naming.ts';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import { phase1Suite } from '../../workflows/phase1-suite.ts';
import type { Phase1Result } from '../../workflows/phase1-suite.ts';
import type { FakeBackend, Remaining } from './backend-fixtures.ts';
import type { TestTemporal } from './temporal.ts';
import { uniqueTaskQueue, workflowBundle } from './temporal.ts';

/** Helpers shared by backends.test.ts and reaper.test.ts: real workflows on the shared dev server, servers on the fakes. */

/**
 * A worker with the real activities and backends. Heartbeats go out at least every second: cancellation reaches an
 * activity only through a heartbeat, and the workflow's 20–60 s heartbeat timeouts would otherwise throttle them to 16–48 s.
 */
export async function backendWorker(t: TestTemporal, name: string, cacheDir: string): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = uniqueTaskQueue(name);
  const worker = await Worker.create({
    connection: t.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ backends: createBackends(), datasetCacheDir: join(cacheDir, 'dataset-cache') }),
    maxHeartbeatThrottleInterval: '1s',
  });
  return { worker, taskQueue };
}

/** The pod, container or local allocation name a workflow's server gets. */
export function serverOf(suite: ResolvedSuite, workflowId: string): string {
  return serverName(workflowId, suite.model.name);
}

export function startSuite(t: TestTemporal, suite: ResolvedSuite, taskQueue: string, workflowId: string) {
  return t.client.workflow.start(phase1Suite, { taskQueue, workflowId, args: [{ suite }] });
}

export async function executeSuite(t: TestTemporal, suite: ResolvedSuite, taskQueue: string, workflowId: string): Promise<Phase1Result> {
  return (await startSuite(t, suite, taskQueue, workflowId)).result();
}

/** The classified failure a workflow ended with (an activity's ApplicationFailure, or the workflow's own). */
export function applicationFailureOf(err: unknown): ApplicationFailure {
  if (!(err instanceof WorkflowFailedError)) throw new Error(`expected the workflow to fail, got ${String(err)}`, { cause: err });
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  if (!(cause instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(cause)}`, { cause: err });
  return cause;
}

/** Per activity type, the attempt its last start was (Temporal records only the last attempt's ActivityTaskStarted). */
export async function activityAttempts(t: TestTemporal, workflowId: string): Promise<Record<string, number>> {
  const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
      attempts[type] = Math.max(attempts[type] ?? 0, started.attempt ?? 0);
    }
  }
  return attempts;
}

/** How many servers the fake was asked to create (pods, containers). */
export function createdServers(fake: FakeBackend): number {
  if (fake.kind === 'kubernetes') return fake.cluster.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods') && r.status === 201).length;
  if (fake.kind === 'docker') return fake.engine.createBodies.length;
  return 0;
}

/** What "nothing left" looks like for this fake: every count 0. */
export function empty(remaining: Remaining): Remaining {
  return { servers: 0, other: Object.fromEntries(Object.keys(remaining.other).map((k) => [k, 0])) };
}
