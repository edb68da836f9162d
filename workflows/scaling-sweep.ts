import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  defineQuery,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities/index.ts';
import type { ResolvedSweep, SweepModelRun } from '../sweep/load.ts';
import { runnable } from '../sweep/plan.ts';
import type { PlannedModel } from '../sweep/plan.ts';
import type { ComparisonInput, ComparisonRow } from '../sweep/comparison.ts';
import { placeNext, gpusInUse } from '../sweep/schedule.ts';
import type { Capacity, Slot } from '../sweep/schedule.ts';
import { failureReason } from '../sweep/failure.ts';
import { PROGRESS_QUERY, SA_BACKEND, SA_CONFIG_HASH, SA_MODEL, SA_PRESET, SA_STEP, SA_SUITE, SCALING_COMPARISON_CSV, SCALING_COMPARISON_JSON } from '../common/constants.ts';
import { phase1Suite } from './phase1-suite.ts';
import type { Phase1Result } from './phase1-suite.ts';

type Activities = ReturnType<typeof createActivities>;

// Timeout and retry profiles, grouped by behaviour.
/** Reading results and writing scaling_comparison: seconds. */
const quick: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: ['input_invalid'] },
};
/** Waiting for a child that an earlier sweep run left behind: as long as a suite may take, heartbeating so a dead worker is noticed. */
const adoptRun: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '60s',
  // It only polls; on cancel the workflow itself cancels the adopted run (getExternalWorkflowHandle), so do not wait.
  cancellationType: ActivityCancellationType.TRY_CANCEL,
  retry: { initialInterval: '5s', maximumInterval: '1 minute' },
};

const quickActs = proxyActivities<Activities>(quick);
const adoptActs = proxyActivities<Activities>(adoptRun);

/** What one sweep run hands the next across continue-as-new: small rows and slots, never results. */
export interface SweepCarry {
  rows: ComparisonRow[];
  sources: Record<string, ModelSource>;
  /** Models whose child was running when the run continued as new: the next run adopts them on the same GPUs. */
  running: Slot[];
  continuedAsNew: number;
}

export interface SweepInput {
  sweep: ResolvedSweep;
  state?: SweepCarry;
  options?: {
    /** Continue as new past this many history events (Temporal also suggests it near its limits). Default 10,000. */
    continueAsNewAfterEvents?: number;
    /** How often an adopted child is polled. Default 5 s. */
    adoptPollIntervalMs?: number;
  };
}

/** ran: the child ran steps; existing: every step was already on disk; adopted: the child's id already existed (finished or running). */
export type ModelSource = 'ran' | 'existing' | 'adopted';
export type SweepModelStatus = 'queued' | 'running' | 'done' | 'failed' | 'skipped';

export interface SweepModelProgress {
  model: string;
  params_b: number;
  gpus: number;
  tensorParallelSize: number | null;
  pool: string | null;
  node: number | null;
  status: SweepModelStatus;
  source: ModelSource | null;
  workflowId: string | null;
  resultsRoot: string | null;
  /** The skip or failure reason. */
  reason: string | null;
}

export interface SweepProgress {
  phase: 'running' | 'done' | 'failed' | 'cancelled';
  sweep: string;
  maxGpus: number;
  gpusInUse: number;
  models: SweepModelProgress[];
  rows: ComparisonRow[];
  continuedAsNew: number;
}

export interface SweepResult {
  sweep: string;
  resultsRoot: string;
  comparisonCsv: string;
  comparisonJson: string;
  models: SweepModelProgress[];
  rows: ComparisonRow[];
  /** How many times this sweep continued as new (each run's history stays small). */
  continuedAsNew: number;
}

export const sweepProgressQuery = defineQuery<SweepProgress>(PROGRESS_QUERY);

const STATUS_ICON: Record<SweepModelStatus, string> = { queued: '▫️', running: '⏳', done: '✅', failed: '❌', skipped: '⏭️' };

function comparisonInput(planned: PlannedModel, run: SweepModelRun | undefined, status: ComparisonInput['status'], reason: string | null): ComparisonInput {
  return {
    model: planned.model,
    params_b: planned.params_b,
    dtype: planned.dtype,
    gpus: planned.action === 'run' ? planned.gpus : null,
    tensorParallelSize: planned.tensorParallelSize,
    status,
    reason,
    resultsRoot: run?.suite.resultsRoot ?? null,
    stepKeys: run?.stepKeys ?? [],
    gpuMemoryUtilization: run?.suite.serving.gpu_memory_utilization ?? null,
  };
}

/**
 * The scaling sweep: one phase1Suite child per model that fits, largest first, as many at once as max_gpus allows
 * (the next starts when GPUs free up); scaling_comparison.csv/json rewritten as each model settles. A resubmitted
 * sweep adopts finished children, resumes failed ones and starts only missing ones; it fails at the end when a
 * model failed, so that resubmitting it runs again (same id, ALLOW_DUPLICATE_FAILED_ONLY).
 */
export async function scalingSweep(input: SweepInput): Promise<SweepResult> {
  const { sweep } = input;
  const carry: SweepCarry = input.state ?? { rows: [], sources: {}, running: [], continuedAsNew: 0 };
  const capacity: Capacity = { maxGpus: sweep.plan.maxGpus, pools: sweep.plan.pools };
  const runs = new Map(sweep.runs.map((r) => [r.model, r]));
  const rows = new Map(carry.rows.map((r) => [r.model, r]));
  const running = new Map<string, Slot>();
  const settled: ComparisonInput[] = [];
  const launches: Promise<void>[] = [];
  let settledThisRun = 0;

  const progress: SweepProgress = {
    phase: 'running',
    sweep: sweep.name,
    maxGpus: sweep.plan.maxGpus,
    gpusInUse: 0,
    continuedAsNew: carry.continuedAsNew,
    rows: carry.rows,
    models: sweep.plan.models.map((m) => {
      const row = rows.get(m.model);
      const status: SweepModelStatus = m.action === 'skip' ? 'skipped' : row ? (row.status === 'done' ? 'done' : 'failed') : 'queued';
      return {
        model: m.model,
        params_b: m.params_b,
        gpus: m.gpus,
        tensorParallelSize: m.tensorParallelSize,
        pool: m.pool,
        node: null,
        status,
        source: carry.sources[m.model] ?? null,
        workflowId: runs.get(m.model)?.workflowId ?? null,
        resultsRoot: runs.get(m.model)?.suite.resultsRoot ?? null,
        reason: m.skipReason ?? (row?.status === 'failed' ? row.skip_reason : null),
      };
    }),
  };
  setHandler(sweepProgressQuery, () => progress);
  const entry = (model: string): SweepModelProgress => progress.models.find((m) => m.model === model)!;

  const report = (): void => {
    progress.gpusInUse = gpusInUse([...running.values()]);
    const lines = progress.models.map((m) => {
      const where = m.pool ? `${m.gpus} × ${m.pool}${m.node === null ? '' : ` node ${m.node}`}` : '';
      return `| ${m.model} | ${m.params_b} | ${where} | ${STATUS_ICON[m.status]} ${m.status}${m.source ? ` (${m.source})` : ''} | ${m.reason ?? ''} |`;
    });
    setCurrentDetails(
      [
        `**${sweep.name}** · ${sweep.backend} · ${sweep.preset} · ${progress.gpusInUse}/${sweep.plan.maxGpus} GPUs in use`,
        '',
        '| model | params (B) | GPUs | status | note |',
        '| --- | --- | --- | --- | --- |',
        ...lines,
      ].join('\n'),
    );
  };

  // Skipped models become rows with the first write; models settled before a continue-as-new are not queued again.
  let unrecorded: ComparisonInput[] = sweep.plan.models.filter((m) => m.action === 'skip' && !rows.has(m.model)).map((m) => comparisonInput(m, undefined, 'skipped', m.skipReason));
  const queue = runnable(sweep.plan.models).filter((r) => !rows.has(r.model) && !carry.running.some((s) => s.model === r.model));

  async function runChild(run: SweepModelRun): Promise<{ result: Phase1Result; source: ModelSource }> {
    try {
      const child = await startChild(phase1Suite, {
        workflowId: run.workflowId,
        args: [{ suite: run.suite }],
        // A model's run is self-contained and tears its own server down: a sweep run that closes (continue-as-new,
        // failure, termination) leaves it running and the next sweep run adopts it. A cancel still reaches it (below).
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // Its GPU must be released before the sweep reports the cancel.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        // A failed model runs again under the same id (its finished steps are skipped); a finished one is adopted.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        typedSearchAttributes: [
          { key: SA_SUITE, value: run.suite.name },
          { key: SA_MODEL, value: run.model },
          { key: SA_BACKEND, value: run.suite.backend.kind },
          { key: SA_PRESET, value: run.suite.preset },
          { key: SA_STEP, value: 'planning' },
          { key: SA_CONFIG_HASH, value: run.suite.configHash },
        ],
        staticSummary: `${sweep.name} · ${run.model} · tp=${run.suite.serving.tensor_parallel_size} · ${run.suite.backend.kind} · ${run.suite.preset}`,
        staticDetails: `**Sweep** ${sweep.name}\n\n**Model** ${run.suite.serving.model} (tp=${run.suite.serving.tensor_parallel_size})\n\n**Results** \`${run.suite.resultsRoot}\``,
      });
      entry(run.model).source = 'ran';
      const result = await child.result();
      return { result, source: result.server === null ? 'existing' : 'ran' };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    // The id exists and is not failed: an earlier sweep run finished it, or left it running. Wait for it.
    entry(run.model).source = 'adopted';
    try {
      const adopted = await adoptActs.adoptSweepChild.executeWithOptions({ ...adoptRun, summary: `adopt ${run.model}` }, [
        { workflowId: run.workflowId, ...(input.options?.adoptPollIntervalMs ? { pollIntervalMs: input.options.adoptPollIntervalMs } : {}) },
      ]);
      if (adopted.status === 'failed') throw ApplicationFailure.nonRetryable(adopted.message, 'child_failed');
      return { result: adopted.result, source: 'adopted' };
    } catch (err) {
      // Not our child, so a cancel does not reach it by itself.
      if (isCancellation(err)) await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(run.workflowId).cancel().catch(() => undefined));
      throw err;
    }
  }

  async function launch(run: SweepModelRun, slot: Slot): Promise<void> {
    const planned = sweep.plan.models.find((m) => m.model === run.model)!;
    const e = entry(run.model);
    e.status = 'running';
    e.node = slot.node;
    report();
    try {
      const { source } = await runChild(run);
      e.status = 'done';
      e.source = source;
      settled.push(comparisonInput(planned, run, 'done', null));
    } catch (err) {
      e.status = 'failed';
      e.reason = isCancellation(err) ? 'cancelled' : failureReason(err);
      log.warn('sweep model failed', { model: run.model, reason: e.reason });
      settled.push(comparisonInput(planned, run, 'failed', e.reason));
    } finally {
      running.delete(run.model);
    }
  }

  const start = (run: SweepModelRun, slot: Slot): void => {
    running.set(run.model, slot);
    launches.push(launch(run, slot));
  };

  const shouldContinueAsNew = (): boolean => {
    const info = workflowInfo();
    // Only after progress in this run, so a run that starts near the threshold cannot loop.
    return settledThisRun > 0 && (info.continueAsNewSuggested || info.historyLength > (input.options?.continueAsNewAfterEvents ?? 10_000));
  };

  upsertSearchAttributes([{ key: SA_STEP, value: 'running' }]);
  // patched('sweep-plan-first'), added after the first version of this workflow (recorded in
  // test/fixtures/histories/*.v1.json): a new sweep writes sweep_plan.json, sweep.yaml and scaling_comparison
  // (its skipped models) before any model starts, so the comparison is readable from the first minute instead
  // of after the first model finishes, hours later for a 72B model. Sweeps started by the old code have no
  // marker and keep the old path (the skipped rows go out with the first finished model) when they replay.
  // Retiring it: once no open sweep started before this change remains, replace patched() with
  // deprecatePatch('sweep-plan-first'), keep only this branch and drop the *.v1 fixtures; once no open sweep
  // started before that deploy remains, delete the deprecatePatch() call.
  if (input.state === undefined && patched('sweep-plan-first')) {
    await quickActs.writeSweepPlan.executeWithOptions({ ...quick, summary: 'sweep plan' }, [{ sweepRoot: sweep.resultsRoot, plan: sweep.plan, configFile: sweep.configFile }]);
    const fresh = await quickActs.recordSweepModels.executeWithOptions({ ...quick, summary: 'scaling_comparison (skipped models)' }, [{ sweepRoot: sweep.resultsRoot, known: [], settled: unrecorded }]);
    for (const row of fresh) rows.set(row.model, row);
    progress.rows = [...rows.values()];
    unrecorded = [];
  }
  try {
    // Children that were running when the previous run continued as new keep their GPUs.
    for (const slot of carry.running) {
      const run = runs.get(slot.model);
      if (run) start(run, slot);
    }
    report();
    for (;;) {
      for (const slot of placeNext(queue, [...running.values()], capacity)) {
        queue.splice(
          queue.findIndex((r) => r.model === slot.model),
          1,
        );
        start(runs.get(slot.model)!, slot);
      }
      report();
      if (settled.length > 0) {
        const batch = [...unrecorded, ...settled.splice(0)];
        unrecorded = [];
        const fresh = await quickActs.recordSweepModels.executeWithOptions({ ...quick, summary: `scaling_comparison (${batch.map((b) => b.model).join(', ')})` }, [
          { sweepRoot: sweep.resultsRoot, known: [...rows.values()], settled: batch },
        ]);
        for (const row of fresh) rows.set(row.model, row);
        progress.rows = [...rows.values()];
        settledThisRun += batch.length;
        if (shouldContinueAsNew()) {
          const sources = Object.fromEntries(progress.models.filter((m) => m.source !== null).map((m) => [m.model, m.source!]));
          await continueAsNew<typeof scalingSweep>({
            sweep,
            state: { rows: [...rows.values()], sources, running: [...running.values()], continuedAsNew: carry.continuedAsNew + 1 },
            ...(input.options ? { options: input.options } : {}),
          });
        }
        continue;
      }
      if (running.size === 0) break;
      await condition(() => settled.length > 0);
    }
    if (queue.length > 0) throw ApplicationFailure.nonRetryable(`models ${queue.map((r) => r.model).join(', ')} could never be placed`, 'input_invalid');
    if (unrecorded.length > 0) {
      // Every model was skipped (nothing ran): the comparison still lists them.
      const fresh = await quickActs.recordSweepModels.executeWithOptions({ ...quick, summary: 'scaling_comparison' }, [{ sweepRoot: sweep.resultsRoot, known: [], settled: unrecorded }]);
      for (const row of fresh) rows.set(row.model, row);
      progress.rows = [...rows.values()];
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    progress.phase = 'cancelled';
    report();
    // Children were asked to cancel with the sweep; wait until they have torn down, then record what settled.
    await Promise.allSettled(launches);
    await CancellationScope.nonCancellable(async () => {
      const batch = [...unrecorded, ...settled.splice(0)];
      if (batch.length > 0) await quickActs.recordSweepModels({ sweepRoot: sweep.resultsRoot, known: [...rows.values()], settled: batch });
    });
    throw err;
  }

  const failed = progress.models.filter((m) => m.status === 'failed');
  progress.phase = failed.length > 0 ? 'failed' : 'done';
  upsertSearchAttributes([{ key: SA_STEP, value: progress.phase }]);
  report();
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `${failed.length} of ${sweep.runs.length} models failed: ${failed.map((m) => `${m.model} (${m.reason ?? 'unknown'})`).join('; ')}. ` +
        `The other results are in ${sweep.resultsRoot}/${SCALING_COMPARISON_CSV}; submit the sweep again to run the failed models again.`,
      'sweep_incomplete',
    );
  }
  return {
    sweep: sweep.name,
    resultsRoot: sweep.resultsRoot,
    comparisonCsv: `${sweep.resultsRoot}/${SCALING_COMPARISON_CSV}`,
    comparisonJson: `${sweep.resultsRoot}/${SCALING_COMPARISON_JSON}`,
    models: progress.models,
    rows: [...rows.values()],
    continuedAsNew: carry.continuedAsNew,
  };
}
