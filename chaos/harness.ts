import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { submitSweep } from '../client/api.ts';
import { freePort } from '../client/dev-server.ts';
import { SCALING_COMPARISON_JSON } from '../common/constants.ts';
import { createRng, hashSeed } from '../loadgen/random.ts';
import type { Rng } from '../loadgen/random.ts';
import { loadSweep } from '../sweep/load.ts';
import type { ResolvedSweep } from '../sweep/load.ts';
import type { scalingSweep } from '../workflows/scaling-sweep.ts';
import type { reaperWorkflow, ReaperResult } from '../workflows/reaper.ts';
import type { ComparisonRow } from '../sweep/comparison.ts';
import { failureReason } from '../sweep/failure.ts';
import type { ExpectedOutcome, ObservedOutcome, ResultsSnapshot, WorkflowStatus } from './checks.ts';
import { ChaosCluster } from './cluster.ts';
import type { PodInfo } from './cluster.ts';
import { CHAOS_SIZES, writeChaosFixture } from './fixture.ts';
import { snapshotResults } from './results.ts';
import type { KillableTemporal } from './temporal.ts';
import { WorkerPool } from './workers.ts';

/** What every scenario shares: one Temporal dev server (with a db file), a client, the bundled workflows. */
export interface SharedEnv {
  work: string;
  temporal: KillableTemporal;
  client: Client;
  bundlePath: string;
  datasetCacheDir: string;
  seed: number;
}

export type TriggerStep = 'throughput' | 'online' | 'gsm8k';

/** "Inject when this model's pod has received `after` requests of this step": a moment inside a step. */
export interface Trigger {
  model: string;
  servedModel: string;
  step: TriggerStep;
  after: number;
}

/** Request-id prefixes per step (loadgen: `<stage>-<i>`, online stages are rate_<N>; quality: `<benchmark>/...`). */
const PREFIX: Record<TriggerStep, string> = { throughput: 'throughput-', online: 'rate_', gsm8k: 'gsm8k/' };
/** Where inside a step a fault may land: after at least `lo` and at most `hi` of its requests arrived, so it is mid-step. */
const WINDOW: Record<TriggerStep, [number, number]> = {
  throughput: [2, CHAOS_SIZES.throughputPrompts - 3],
  online: [1, CHAOS_SIZES.onlineRates.reduce((n, rate) => n + rate * CHAOS_SIZES.onlineDurationS, 0) - 2],
  gsm8k: [4, CHAOS_SIZES.gsm8kExamples - 6],
};

/** Adopted children are polled this often (the 5 s default only slows a resubmission down). */
const WORKFLOW_OPTIONS = { adoptPollIntervalMs: 500 };

/** One scenario's world: its own fake cluster, sweep files, task queue and worker processes. */
export class ScenarioEnv {
  readonly name: string;
  readonly shared: SharedEnv;
  readonly dir: string;
  readonly cluster: ChaosCluster;
  readonly sweep: ResolvedSweep;
  readonly workers: WorkerPool;
  readonly rng: Rng;
  readonly taskQueue: string;

  private constructor(name: string, shared: SharedEnv, dir: string, cluster: ChaosCluster, sweep: ResolvedSweep, workers: WorkerPool) {
    this.name = name;
    this.shared = shared;
    this.dir = dir;
    this.cluster = cluster;
    this.sweep = sweep;
    this.workers = workers;
    this.rng = createRng(hashSeed('chaos', shared.seed, name));
    this.taskQueue = `chaos-${name}`;
  }

  static async create(shared: SharedEnv, name: string): Promise<ScenarioEnv> {
    const dir = join(shared.work, name);
    await mkdir(dir, { recursive: true });
    const cluster = await ChaosCluster.start(dir);
    try {
      const fixture = await writeChaosFixture(dir, `chaos-${name}`, cluster.kubeconfig, await freePort());
      const sweep = await loadSweep(fixture.sweepFile);
      // Request ids name the example, not the sampling seed: with several seeds each example is rightly sent once per seed.
      if (sweep.runs.some((r) => r.suite.eval.defaults.seeds !== undefined)) throw new Error('configs/eval.yaml sets defaults.seeds; the chaos sweep counts one send per example, so it needs a single seed');
      const workers = new WorkerPool({
        address: () => shared.temporal.address,
        taskQueue: `chaos-${name}`,
        bundlePath: shared.bundlePath,
        datasetCacheDir: shared.datasetCacheDir,
        logFile: join(shared.work, `${name}.worker.log`),
      });
      const env = new ScenarioEnv(name, shared, dir, cluster, sweep, workers);
      await workers.start();
      return env;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  get client(): Client {
    return this.shared.client;
  }

  /** Short and served model names of every model the sweep runs. */
  get models(): { model: string; servedModel: string }[] {
    return this.sweep.runs.map((r) => ({ model: r.model, servedModel: r.suite.serving.served_model_name ?? r.suite.serving.model }));
  }

  get sweepWorkflowId(): string {
    return this.handle().workflowId;
  }

  handle(): WorkflowHandle<typeof scalingSweep> {
    return this.client.workflow.getHandle<typeof scalingSweep>(`evalflow/sweep/${this.sweep.name}/${this.sweep.configHash}`);
  }

  /** Submits the sweep as `evalflow submit` does (same id: a closed-unsuccessfully sweep gets a new run). */
  async submit(): Promise<WorkflowHandle<typeof scalingSweep>> {
    const submitted = await retrying('submit the sweep', () => submitSweep(this.sweep, { client: this.client, taskQueue: this.taskQueue, workflowOptions: WORKFLOW_OPTIONS }));
    return submitted.handle;
  }

  /** A seeded moment inside a step of one of the models that start at once. */
  pickTrigger(): Trigger {
    const first = this.sweep.plan.models.filter((m) => m.action === 'run' && m.startsAtOnce).map((m) => m.model);
    const model = first[this.rng.int(0, first.length - 1)]!;
    const steps: TriggerStep[] = ['throughput', 'online', 'gsm8k'];
    const step = steps[this.rng.int(0, steps.length - 1)]!;
    const [lo, hi] = WINDOW[step];
    const servedModel = this.models.find((m) => m.model === model)!.servedModel;
    return { model, servedModel, step, after: this.rng.int(lo, hi) };
  }

  async waitForTrigger(t: Trigger, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.cluster.requestCount(t.servedModel, PREFIX[t.step]) < t.after) {
      if (Date.now() > deadline) throw new Error(`the fault's moment never came: ${describeTrigger(t)} within ${timeoutMs / 1000} s`);
      await sleep(20);
    }
  }

  /**
   * Waits until no pod has received a request for `quietMs`: activities of a terminated workflow keep running on
   * the worker until a heartbeat tells them (the SDK sends one at most every 16 s for a 20 s heartbeat timeout).
   * Returns how long it took.
   */
  async waitQuiet(quietMs = 3000, timeoutMs = 45_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const last = this.cluster.requests().reduce((max, r) => Math.max(max, r.arrivalMs), 0);
      if (Date.now() - last >= quietMs) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`pods still received requests ${timeoutMs / 1000} s after the termination`);
      await sleep(200);
    }
  }

  /** The pod serving the trigger's model right now. */
  podOf(t: Trigger): PodInfo {
    const pod = this.cluster.pods().find((p) => p.servedModel === t.servedModel && p.phase === 'Running');
    if (pod === undefined) throw new Error(`no running pod for ${t.model} at the fault's moment`);
    return pod;
  }

  async snapshot(): Promise<ResultsSnapshot> {
    return snapshotResults(this.sweep.resultsRoot, this.models);
  }

  /**
   * Polls until the sweep's latest run closes; errors while the Temporal server is down are waited out.
   * Returns its status and, when it failed, the failure's type and reason.
   */
  async waitClosed(timeoutMs: number): Promise<{ status: WorkflowStatus; failureType: string | null; reason: string | null }> {
    const handle = this.handle();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await describeStatus(this.client, handle.workflowId);
      if (status !== 'RUNNING' && status !== 'UNKNOWN') {
        if (status !== 'FAILED') return { status, failureType: null, reason: null };
        const err = await handle.result().then(
          () => null,
          (e: unknown) => e,
        );
        const cause = err instanceof WorkflowFailedError ? err.cause : null;
        const type = cause !== null && cause !== undefined && 'type' in cause && typeof cause.type === 'string' ? cause.type : null;
        return { status, failureType: type, reason: err === null ? null : failureReason(err) };
      }
      if (Date.now() > deadline) throw new Error(`the sweep did not close within ${timeoutMs / 1000} s (last status ${status})`);
      await sleep(500);
    }
  }

  /** The sweep's end as the checks see it: status, scaling_comparison.json rows, children still running. */
  async observe(phase: string, closed: { status: WorkflowStatus; failureType: string | null }): Promise<ObservedOutcome> {
    const rows = await readFile(join(this.sweep.resultsRoot, SCALING_COMPARISON_JSON), 'utf8')
      .then((t) => JSON.parse(t) as ComparisonRow[])
      .catch(() => [] as ComparisonRow[]);
    return {
      phase,
      sweep: closed.status,
      failureType: closed.failureType,
      models: rows.filter((r) => r.status !== 'skipped').map((r) => ({ model: r.model, status: r.status, reason: r.skip_reason })),
      openChildren: await this.openChildren(),
    };
  }

  /** The run id of the sweep and of each child that exists: a fault the sweep survives must not start new runs. */
  async runIds(): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const id of [this.handle().workflowId, ...this.sweep.runs.map((r) => r.workflowId)]) {
      const d = await this.client.workflow
        .getHandle(id)
        .describe()
        .catch(() => null);
      if (d !== null) ids[id] = d.runId;
    }
    return ids;
  }

  async openChildren(): Promise<string[]> {
    const open: string[] = [];
    for (const run of this.sweep.runs) if ((await describeStatus(this.client, run.workflowId)) === 'RUNNING') open.push(run.model);
    return open;
  }

  /** Terminates the sweep's children that still run, as `temporal workflow terminate --query 'EvalflowSuite=...'` would. */
  async terminateChildren(reason: string): Promise<number> {
    let n = 0;
    for (const run of this.sweep.runs) {
      if ((await describeStatus(this.client, run.workflowId)) !== 'RUNNING') continue;
      await this.client.workflow.getHandle(run.workflowId).terminate(reason);
      n += 1;
    }
    return n;
  }

  /** The reaper workflow (workflows/reaper.ts) over this sweep's namespace, run by this scenario's worker. */
  async reap(): Promise<ReaperResult> {
    const backend = this.sweep.runs[0]!.suite.backend;
    if (backend.kind !== 'kubernetes') throw new Error('the chaos sweep runs on kubernetes');
    return this.client.workflow.execute<typeof reaperWorkflow>('reaperWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `chaos-reaper-${this.name}-${Date.now()}`,
      args: [{ targets: [{ backend }], dryRun: false }],
      workflowExecutionTimeout: '2 minutes',
    });
  }

  /** Leaves nothing behind: open workflows terminated, workers stopped, cluster closed, files removed unless kept. */
  async close(keepFiles: boolean): Promise<void> {
    await this.handle()
      .terminate('chaos scenario cleanup')
      .catch(() => undefined);
    await this.terminateChildren('chaos scenario cleanup').catch(() => undefined);
    await this.workers.close();
    await this.cluster.close();
    if (!keepFiles) await rm(this.dir, { recursive: true, force: true });
  }
}

export function describeTrigger(t: Trigger): string {
  return `${t.model} ${t.step} after ${t.after} request(s)`;
}

/** Status of a workflow id's latest run; UNKNOWN while Temporal does not answer (it may be restarting). */
export async function describeStatus(client: Client, workflowId: string): Promise<WorkflowStatus> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    return 'UNKNOWN';
  }
}

/** Retries a client call for up to 60 s: right after a Temporal restart the first calls may fail. */
export async function retrying<T>(what: string, call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      await sleep(500);
    }
  }
}

export type { ExpectedOutcome };
