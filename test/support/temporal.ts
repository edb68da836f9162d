import { inject } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/create-worker.ts';
import { createActivities } from '../../activities/index.ts';
import type { ActivityDeps } from '../../activities/index.ts';
import { createBackends } from '../../backends/registry.ts';
import { ensureSearchAttributes } from '../../client/api.ts';

let runtimeInstalled = false;
let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export interface TestTemporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** Connects to the shared dev server that test/support/temporal-global-setup.ts started. */
export async function connectTestTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') }); // expected failures in these tests would flood the log at WARN
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  await ensureSearchAttributes(client);
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    client,
    nativeConnection,
    close: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

export function testDeps(datasetCacheDir: string): ActivityDeps {
  return { backends: createBackends(), datasetCacheDir };
}

export async function createTestWorker(t: TestTemporal, taskQueue: string, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    connection: t.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(deps),
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `evalflow-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

let queueCounter = 0;
export function uniqueTaskQueue(name: string): string {
  queueCounter += 1;
  return `test-${name}-${process.pid}-${queueCounter}-${Date.now()}`;
}
