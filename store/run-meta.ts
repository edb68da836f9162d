import { hostname } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ResolvedSuite, ConfigFileRole } from '../configs/resolve.ts';
import type { Allocation } from '../backends/types.ts';
import type { HardwareSummary } from '../backends/gpu-telemetry/readings.ts';
import { writeJsonAtomic, writeTextAtomic } from './files.ts';

/** What the worker learnt about the server from its API. */
export interface ServerInfo {
  baseUrl: string;
  model: string;
  vllmVersion: string | null;
  maxModelLen: number | null;
  /** Epoch ms when /health first answered 200. */
  healthyAtMs: number;
}

export interface TemporalIds {
  workflowId: string;
  runId: string;
  namespace: string;
  taskQueue: string;
}

/** run_meta.json: the seed-000 fields, adapted to this stack (section 3 of the spec). */
export interface RunMeta {
  timestamp_utc: string;
  hostname: string;
  seed: number;
  git_commit: string | null;
  node_version: string;
  evalflow_version: string;
  package_versions: Record<string, string | null>;
  vllm_version: string | null;
  model: string;
  served_model: string;
  preset: string;
  suite: string;
  step: string;
  backend: string;
  server: Record<string, string | number | null>;
  gpus: { name: string; memory_mb: number | null }[];
  model_load_time_s: number | null;
  /** Seed 001's hardware block: GPU peak memory, energy and power sampled during this folder's steps. */
  hardware: HardwareSummary | null;
  temporal: { workflow_id: string; run_id: string; namespace: string; task_queue: string };
  config_hash: string;
}

const execFileAsync = promisify(execFile);
const TRACKED_PACKAGES = ['@temporalio/worker', '@temporalio/client', 'undici', 'zod', '@kubernetes/client-node', 'dockerode'];

async function gitCommit(): Promise<string | null> {
  if (process.env.EVALFLOW_GIT_COMMIT) return process.env.EVALFLOW_GIT_COMMIT;
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--short', 'HEAD'], { timeout: 5000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

async function packageVersion(name: string): Promise<string | null> {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve(name);
    const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}`) + `node_modules/${name}`.length);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

async function evalflowVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function buildRunMeta(args: {
  suite: ResolvedSuite;
  step: string;
  allocation: Allocation | null;
  server: ServerInfo | null;
  temporal: TemporalIds;
  now: Date;
  hardware?: HardwareSummary | null;
}): Promise<RunMeta> {
  const { suite, allocation, server } = args;
  const versions: Record<string, string | null> = {};
  for (const name of TRACKED_PACKAGES) versions[name] = await packageVersion(name);
  const loadTime = allocation && server ? Math.max(0, (server.healthyAtMs - allocation.allocatedAtMs) / 1000) : null;
  return {
    timestamp_utc: args.now.toISOString(),
    hostname: hostname(),
    seed: suite.seed,
    git_commit: await gitCommit(),
    node_version: process.version,
    evalflow_version: await evalflowVersion(),
    package_versions: versions,
    vllm_version: server?.vllmVersion ?? null,
    model: suite.serving.model,
    served_model: server?.model ?? suite.serving.served_model_name ?? suite.serving.model,
    preset: suite.preset,
    suite: suite.name,
    step: args.step,
    backend: suite.backend.kind,
    server: { base_url: server?.baseUrl ?? null, ...(allocation?.placement ?? {}) },
    gpus: allocation?.gpus ?? [],
    model_load_time_s: loadTime === null ? null : Math.round(loadTime * 1000) / 1000,
    hardware: args.hardware ?? null,
    temporal: { workflow_id: args.temporal.workflowId, run_id: args.temporal.runId, namespace: args.temporal.namespace, task_queue: args.temporal.taskQueue },
    config_hash: suite.configHash,
  };
}

export async function writeRunMeta(dir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(join(dir, 'run_meta.json'), meta);
}

/** Copies of the config files a run used, next to its results (seed 000: benchmark.yaml, serving.yaml, ...). */
export async function copyConfigs(dir: string, suite: ResolvedSuite, roles: readonly ConfigFileRole[]): Promise<void> {
  for (const role of roles) {
    // Named by role, not by the user's file name, so every run folder has the seed's serving.yaml, eval.yaml, ...
    await writeTextAtomic(join(dir, `${role}.yaml`), suite.configFiles[role].text);
  }
}
