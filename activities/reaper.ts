import { resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { BackendConfig } from '../configs/schema/suite.ts';
import { assertExhaustive, EvalflowError } from '../common/errors.ts';
import { createKubernetesBackend, KubernetesBackend } from '../backends/kubernetes/backend.ts';
import { createDockerBackend, DockerBackend } from '../backends/docker/backend.ts';
import { DEFAULT_SOCKET } from '../backends/docker/client.ts';
import { createLocalBackend, LocalBackend } from '../backends/local/backend.ts';
import { reap } from '../backends/kubernetes/reaper.ts';
import type { IsWorkflowOpen, Leftover, LeftoverSource } from '../backends/kubernetes/reaper.ts';
import type { BackendRegistry } from './server.ts';
import { classified, throttledHeartbeat } from './context.ts';

/** The backends whose servers outlive a workflow that ends without its teardown (terminated, or a lost worker). */
export type ReapableBackend = Extract<BackendConfig, { kind: 'kubernetes' | 'docker' | 'local' }>;
export type ReapableKind = ReapableBackend['kind'];
export const REAPABLE_KINDS = ['kubernetes', 'docker', 'local'] as const satisfies readonly ReapableKind[];

/** One place to look for leftovers: a cluster namespace, a Docker host, or a folder of local pid files. */
export interface ReapTarget {
  backend: ReapableBackend;
  /** local only, when backend.state_dir is unset: the pid-file folder, <results>/.evalflow/backends/local. */
  stateDir?: string;
}

export interface TargetReport {
  target: string;
  dryRun: boolean;
  /** Objects evalflow created whose workflow is closed or unknown to this Temporal namespace. */
  leftovers: Leftover[];
  removed: string[];
  failed: { name: string; error: string }[];
  /** Objects evalflow created that were left alone: their workflow still runs, or they name none. */
  kept: number;
}

export function isReapable(backend: BackendConfig): backend is ReapableBackend {
  return (REAPABLE_KINDS as readonly string[]).includes(backend.kind);
}

function localStateDir(target: ReapTarget, cfg: Extract<ReapableBackend, { kind: 'local' }>): string {
  const dir = cfg.state_dir ?? target.stateDir;
  if (dir === undefined) throw new EvalflowError('config_invalid', 'reaping local servers needs backend.state_dir or the folder of their pid files (<results>/.evalflow/backends/local)');
  return resolve(dir);
}

export function describeTarget(target: ReapTarget): string {
  const { backend } = target;
  switch (backend.kind) {
    case 'kubernetes':
      return `kubernetes ${backend.context ?? backend.kubeconfig ?? 'current context'}, namespace ${backend.namespace}`;
    case 'docker':
      return `docker ${backend.host ?? backend.socket_path ?? DEFAULT_SOCKET}`;
    case 'local':
      return `local ${localStateDir(target, backend)}`;
    default:
      return assertExhaustive(backend);
  }
}

/** The worker's own backends when they are the real ones (tests inject some pointed at fakes), else fresh ones. */
export function leftoverSource(target: ReapTarget, backends: BackendRegistry): LeftoverSource {
  const { backend } = target;
  switch (backend.kind) {
    case 'kubernetes':
      return (backends.kubernetes instanceof KubernetesBackend ? backends.kubernetes : createKubernetesBackend()).leftovers(backend);
    case 'docker':
      return (backends.docker instanceof DockerBackend ? backends.docker : createDockerBackend()).leftovers(backend);
    case 'local':
      return (backends.local instanceof LocalBackend ? backends.local : createLocalBackend()).leftovers(localStateDir(target, backend), backend.stop_grace_s);
    default:
      return assertExhaustive(backend);
  }
}

/** Asks Temporal about a workflow id: only a running workflow keeps its server; closed or never heard of, it is a leftover. */
export function workflowOpenIn(client: Client): IsWorkflowOpen {
  return async (workflowId) => {
    try {
      const description = await client.workflow.getHandle(workflowId).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      // Anything else (Temporal unreachable, no permission) must not read as "closed": that would delete live servers.
      throw new EvalflowError('backend_api', `cannot ask Temporal about workflow ${workflowId}: ${err instanceof Error ? err.message : String(err)}`, { workflow_id: workflowId }, { cause: err });
    }
  };
}

export interface ReapOptions {
  backends: BackendRegistry;
  isWorkflowOpen: IsWorkflowOpen;
  dryRun: boolean;
  /** Called as work progresses (an activity heartbeats with it). */
  progress?: (details: Record<string, unknown>) => void;
}

/** Lists what evalflow created at one target, keeps what belongs to running workflows, deletes the rest (or only lists it on a dry run). */
export async function reapTarget(target: ReapTarget, opts: ReapOptions): Promise<TargetReport> {
  const label = describeTarget(target);
  const source = leftoverSource(target, opts.backends);
  let listed = 0;
  let checked = 0;
  const progress = opts.progress ?? (() => undefined);
  const counting: LeftoverSource = {
    list: async () => {
      const all = await source.list();
      listed = all.length;
      progress({ target: label, listed });
      return all;
    },
    remove: async (leftover) => {
      progress({ target: label, removing: leftover.name });
      await source.remove(leftover);
    },
  };
  const isWorkflowOpen: IsWorkflowOpen = async (workflowId) => {
    checked += 1;
    progress({ target: label, listed, workflows_checked: checked });
    return opts.isWorkflowOpen(workflowId);
  };
  const report = await reap(counting, isWorkflowOpen, { dryRun: opts.dryRun });
  return { target: label, dryRun: report.dryRun, leftovers: report.leftovers, removed: report.removed, failed: report.failed, kept: listed - report.leftovers.length };
}

export interface ReapLeftoversInput {
  target: ReapTarget;
  dryRun: boolean;
}

/** The reaper activity; Temporal is asked through the worker's own client (Context.client, over its NativeConnection). */
export function createReaperActivities(backends: BackendRegistry) {
  return {
    async reapLeftovers(input: ReapLeftoversInput): Promise<TargetReport> {
      return classified(async () => {
        const ctx = Context.current();
        const report = await reapTarget(input.target, { backends, isWorkflowOpen: workflowOpenIn(ctx.client), dryRun: input.dryRun, progress: throttledHeartbeat() });
        for (const l of report.leftovers) {
          const verb = report.dryRun ? 'would delete' : report.removed.includes(l.name) ? 'deleted' : 'could not delete';
          ctx.log.info(`${verb} ${l.resource} ${l.name} (workflow ${l.workflowId ?? '?'} is closed or unknown) at ${report.target}`);
        }
        return report;
      });
    },
  };
}
