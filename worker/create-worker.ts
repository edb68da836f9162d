import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { createBackends } from '../backends/registry.ts';
import type { TemporalSettings } from '../common/temporal-env.ts';
import { connectionOptions } from '../common/temporal-env.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundling takes seconds: tests and the embedded run bundle once and reuse it. */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

export function defaultActivityDeps(): ActivityDeps {
  return {
    backends: createBackends(),
    datasetCacheDir: process.env.EVALFLOW_DATASET_CACHE ?? join(process.env.HF_HOME ?? join(homedir(), '.cache', 'huggingface'), 'evalflow-datasets'),
  };
}

export interface WorkerOptions {
  settings: TemporalSettings;
  deps?: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** How long activities get to finish when the worker shuts down (SIGTERM), e.g. on a Kubernetes rollout. */
  shutdownGraceTime?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

/** The one composition root: real clients in, a worker out. */
export async function createEvalflowWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(connectionOptions(opts.settings));
  const worker = await Worker.create({
    connection,
    namespace: opts.settings.namespace,
    taskQueue: opts.settings.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps ?? defaultActivityDeps()),
    shutdownGraceTime: opts.shutdownGraceTime ?? '30s',
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 8,
  });
  return { worker, connection };
}
