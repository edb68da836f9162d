import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  CancellationScope,
  ActivityCancellationType,
  defineQuery,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { StepName } from '../configs/schema/suite.ts';
import type { StepPlan, StepSummary, SuitePlan } from '../store/steps.ts';
import type { Allocation } from '../backends/types.ts';
import type { ServerInfo } from '../store/run-meta.ts';
import { PROGRESS_QUERY, SA_STEP } from '../common/constants.ts';

type Activities = ReturnType<typeof createActivities>;

/** Errors that no retry can fix; Temporal stops retrying at once (the codes' full list is common/errors.ts). */
const NON_RETRYABLE = ['config_invalid', 'input_invalid', 'dataset_missing', 'dataset_invalid', 'model_unfit', 'server_unhealthy', 'image_pull', 'crash_loop', 'oom_killed'];
/** The server went away under a step (its process died, the pod was evicted or its node lost). */
const SERVER_LOSS = ['server_crashed', 'evicted'];
/** How often one suite restarts a lost server before it gives up. */
const MAX_SERVER_RESTARTS = 3;
/** Patch id: runs started before this change keep retrying steps in place (their histories replay unchanged). */
const RESTART_ON_SERVER_LOSS = 'restart-server-on-loss';

function isServerLoss(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && SERVER_LOSS.includes(err.cause.type ?? '');
}

// Timeout and retry profiles, grouped by behaviour.
const quick: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};
/** Waiting for a GPU slot and a server: long, heartbeating, and the GPU must be released on cancel before we move on. */
const waitForServer: ActivityOptions = {
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '60s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '5s', maximumInterval: '2 minutes', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
};
/** Benchmarks: hours at most, heartbeat often so a dead worker is noticed in seconds and another one resumes. */
const benchmarkRun: ActivityOptions = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '20s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};
/**
 * The same, but a lost server fails the step at once instead of retrying against a dead address: the suite then
 * starts the server again (the backend adopts, recreates, or classifies the death, e.g. OOM) and resumes the step.
 */
const benchmarkRunRestartable: ActivityOptions = {
  ...benchmarkRun,
  retry: { ...benchmarkRun.retry, nonRetryableErrorTypes: [...NON_RETRYABLE, ...SERVER_LOSS] },
};
/** Teardown must happen: generous retries, and it runs in a non-cancellable scope. */
const teardownProfile: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 30, nonRetryableErrorTypes: ['input_invalid'] },
};

const quickActs = proxyActivities<Activities>(quick);
const serverActs = proxyActivities<Activities>(waitForServer);
const benchActs = proxyActivities<Activities>(benchmarkRun);
const teardownActs = proxyActivities<Activities>(teardownProfile);

export interface Phase1Input {
  suite: ResolvedSuite;
}

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepOutcome {
  step: StepName;
  status: StepStatus;
  dir: string;
  summary: StepSummary | null;
}

export interface Phase1Progress {
  phase: 'planning' | 'allocating' | 'starting' | 'health_check' | 'running' | 'aggregating' | 'teardown' | 'done' | 'failed' | 'cancelled';
  currentStep: StepName | null;
  stepsDone: number;
  stepsTotal: number;
  steps: StepOutcome[];
}

export interface Phase1Result {
  suite: string;
  model: string;
  configHash: string;
  resultsRoot: string;
  qualityDir: string | null;
  /** null when every step was already done and no server was started. */
  server: { vllmVersion: string | null; modelLoadTimeS: number | null } | null;
  steps: StepOutcome[];
}

export const progressQuery = defineQuery<Phase1Progress>(PROGRESS_QUERY);

function stepLabel(step: StepName): string {
  return step === 'throughput' ? 'offline throughput' : step === 'online' ? 'online rate sweep' : `${step} quality`;
}

/**
 * The Phase-1 suite: allocate a server, start it, health-check it, run each pending step in order,
 * aggregate, and always tear the server down. Finished steps (by config hash) are skipped, so a
 * resubmitted or resumed suite redoes no work.
 */
export async function phase1Suite(input: Phase1Input): Promise<Phase1Result> {
  const { suite } = input;
  const info = workflowInfo();
  const progress: Phase1Progress = { phase: 'planning', currentStep: null, stepsDone: 0, stepsTotal: suite.steps.length, steps: [] };
  setHandler(progressQuery, () => progress);

  const report = (details: string): void => {
    const lines = progress.steps.map((s) => `- ${s.status === 'done' || s.status === 'skipped' ? '✅' : s.status === 'running' ? '⏳' : s.status === 'failed' ? '❌' : '▫️'} **${s.step}** ${s.status}`);
    setCurrentDetails(`**${suite.name}** · ${suite.model.name} · ${suite.backend.kind} · ${suite.preset}\n\n${details}\n\n${lines.join('\n')}`);
  };

  const plan: SuitePlan = await quickActs.planSteps.executeWithOptions({ ...quick, summary: 'plan steps (skip finished ones)' }, [{ suite }]);
  progress.steps = plan.steps.map((s) => ({ step: s.step, status: s.status === 'complete' ? 'skipped' : 'pending', dir: s.dir, summary: s.summary }));
  progress.stepsDone = progress.steps.filter((s) => s.status === 'skipped').length;
  const pending = plan.steps.filter((s) => s.status === 'pending');
  report(pending.length === 0 ? 'every step already finished' : `${pending.length} step(s) to run`);

  const result = (server: Phase1Result['server']): Phase1Result => ({
    suite: suite.name,
    model: suite.model.name,
    configHash: suite.configHash,
    resultsRoot: suite.resultsRoot,
    qualityDir: plan.qualityDir,
    server,
    steps: progress.steps,
  });

  if (pending.length === 0) {
    if (plan.qualityDir) await quickActs.summarizeQuality.executeWithOptions({ ...quick, summary: 'quality summary' }, [{ suite, qualityDir: plan.qualityDir }]);
    progress.phase = 'done';
    return result(null);
  }

  const serverRef = { suite, logDir: pending[0]!.runDir };
  let allocation: Allocation | null = null;
  let server: ServerInfo | undefined;
  try {
    progress.phase = 'allocating';
    report('allocating a server');
    allocation = await serverActs.allocateServer.executeWithOptions({ ...waitForServer, summary: `allocate ${suite.backend.kind} server for ${suite.model.name}` }, [serverRef]);

    progress.phase = 'starting';
    report('starting vLLM');
    let endpoint = await serverActs.startServer.executeWithOptions({ ...waitForServer, summary: `start vLLM ${suite.serving.model}` }, [{ ...serverRef, allocation }]);

    progress.phase = 'health_check';
    report(`waiting for ${endpoint.baseUrl}/health`);
    server = await serverActs.waitHealthy.executeWithOptions({ ...waitForServer, summary: 'health check' }, [{ endpoint, timeoutS: suite.healthTimeoutS }]);

    progress.phase = 'running';
    const restartOnLoss = patched(RESTART_ON_SERVER_LOSS);
    let restarts = 0;
    for (const step of pending) {
      const outcome = progress.steps.find((s) => s.step === step.step)!;
      outcome.status = 'running';
      progress.currentStep = step.step;
      upsertSearchAttributes([{ key: SA_STEP, value: step.step }]);
      report(`running ${stepLabel(step.step)}`);
      for (;;) {
        try {
          outcome.summary = await runStep(step, { suite, plan: step, endpoint, server, allocation }, restartOnLoss);
          break;
        } catch (err) {
          if (!restartOnLoss || !isServerLoss(err) || restarts >= MAX_SERVER_RESTARTS) throw err;
          restarts += 1;
          report(`server lost during ${stepLabel(step.step)}; starting it again (${restarts}/${MAX_SERVER_RESTARTS})`);
          endpoint = await serverActs.startServer.executeWithOptions({ ...waitForServer, summary: `restart vLLM after a server loss (${restarts})` }, [{ ...serverRef, allocation, afterServerLoss: true }]);
          server = await serverActs.waitHealthy.executeWithOptions({ ...waitForServer, summary: 'health check after restart' }, [{ endpoint, timeoutS: suite.healthTimeoutS }]);
        }
      }
      outcome.status = 'done';
      progress.stepsDone += 1;
    }
    progress.currentStep = null;

    if (plan.qualityDir) {
      progress.phase = 'aggregating';
      report('writing quality_summary');
      await quickActs.summarizeQuality.executeWithOptions({ ...quick, summary: 'quality summary' }, [{ suite, qualityDir: plan.qualityDir }]);
    }
    progress.phase = 'done';
    upsertSearchAttributes([{ key: SA_STEP, value: 'done' }]);
    report('finished');
  } catch (err) {
    const running = progress.steps.find((s) => s.status === 'running');
    if (running) running.status = 'failed';
    progress.phase = isCancellation(err) ? 'cancelled' : 'failed';
    log.warn('suite stopped', { phase: progress.phase, step: progress.currentStep, error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    // Runs after success, failure and cancel; a cancelled workflow must still release its GPU.
    await CancellationScope.nonCancellable(async () => {
      const phase = progress.phase;
      progress.phase = 'teardown';
      report('tearing the server down');
      await teardownActs.teardownServer.executeWithOptions({ ...teardownProfile, summary: `teardown ${suite.backend.kind} server` }, [{ ...serverRef, allocation }]);
      progress.phase = phase;
    });
  }
  const loadTime = allocation && server ? Math.max(0, (server.healthyAtMs - allocation.allocatedAtMs) / 1000) : null;
  return result({ vllmVersion: server?.vllmVersion ?? null, modelLoadTimeS: loadTime });

  async function runStep(step: StepPlan, args: Parameters<Activities['runThroughput']>[0], restartable: boolean): Promise<StepSummary> {
    const opts = { ...(restartable ? benchmarkRunRestartable : benchmarkRun), summary: stepLabel(step.step) };
    switch (step.step) {
      case 'throughput':
        return benchActs.runThroughput.executeWithOptions(opts, [args]);
      case 'online':
        return benchActs.runOnline.executeWithOptions(opts, [args]);
      case 'gsm8k':
      case 'math':
      case 'routerbench':
        return benchActs.runQuality.executeWithOptions(opts, [args]);
      default:
        throw ApplicationFailure.nonRetryable(`unknown step ${String(step.step)} in ${info.workflowId}`, 'input_invalid');
    }
  }
}
