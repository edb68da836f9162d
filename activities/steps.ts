import { Context } from '@temporalio/activity';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { Allocation, ServerEndpoint } from '../backends/types.ts';
import type { ServerInfo } from '../store/run-meta.ts';
import { buildRunMeta, copyConfigs, writeRunMeta } from '../store/run-meta.ts';
import type { StepPlan, StepSummary } from '../store/steps.ts';
import { markStepComplete, planSuite, readManifest } from '../store/steps.ts';
import type { SuitePlan } from '../store/steps.ts';
import { runThroughputStep } from '../loadgen/steps/throughput.ts';
import { runOnlineStep } from '../loadgen/steps/online.ts';
import { EvalflowError } from '../common/errors.ts';
import { activityBackendContext, classified, temporalIds, throttledHeartbeat } from './context.ts';
import { sampleStepGpus } from './gpu-sampling.ts';
import { hardwareOf } from '../backends/gpu-telemetry/record.ts';
import type { HardwareSummary } from '../backends/gpu-telemetry/readings.ts';
import { watchServerHealth } from './server-watch.ts';
import { allocationSpec, backendFor, type BackendRegistry } from './server.ts';
import { runQualityStep, summarizeQualityRun } from './quality.ts';

export interface StepArgs {
  suite: ResolvedSuite;
  plan: StepPlan;
  endpoint: ServerEndpoint;
  server: ServerInfo;
  allocation: Allocation;
}

export interface StepDeps {
  backends: BackendRegistry;
  /** Where hub datasets are cached. */
  datasetCacheDir: string;
}

/**
 * Every step: return the recorded summary if the step already finished (an activity retried after completing),
 * else run it while watching the server's health, and mark it complete last. A lost server fails the step with
 * server_crashed (the suite restarts the server and runs the step again, resuming what was finished).
 */
async function once(
  args: StepArgs,
  deps: StepDeps,
  run: (heartbeat: (d: Record<string, unknown>) => void, signal: AbortSignal) => Promise<StepSummary>,
): Promise<StepSummary> {
  const manifest = await readManifest(args.plan.dir);
  if (!manifest || manifest.key !== args.plan.key) {
    throw new EvalflowError('input_invalid', `step folder ${args.plan.dir} has no claim for key ${args.plan.key}; plan the suite again`);
  }
  if (manifest.status === 'complete' && manifest.summary) return manifest.summary;
  const meta = await buildRunMeta({
    suite: args.suite,
    step: args.plan.step,
    allocation: args.allocation,
    server: args.server,
    temporal: temporalIds(),
    now: new Date(),
    hardware: await hardwareOf(args.plan.runDir),
  });
  await writeRunMeta(args.plan.runDir, meta);
  const apiKey = args.endpoint.apiKeyEnv ? process.env[args.endpoint.apiKeyEnv] : undefined;
  const watch = watchServerHealth(args.endpoint.baseUrl, Context.current().cancellationSignal, apiKey ? { apiKey } : {});
  const gpus = await sampleStepGpus({
    backend: backendFor(deps.backends, args.suite.backend.kind),
    spec: allocationSpec({ suite: args.suite, logDir: args.plan.runDir }),
    allocation: args.allocation,
    stepDir: args.plan.dir,
    ctx: activityBackendContext(),
  });
  let summary: StepSummary;
  try {
    summary = await run(throttledHeartbeat(), watch.signal);
  } catch (err) {
    throw watch.lost() ?? err;
  } finally {
    watch.stop();
    await gpus.finish();
  }
  const lost = watch.lost() ?? (await watch.confirmAlive());
  if (lost) throw lost;
  await writeRunMeta(args.plan.runDir, { ...meta, hardware: await hardwareOf(args.plan.runDir) });
  const withHardware = { ...summary, ...sampledHardware(await hardwareOf(args.plan.dir)) };
  await markStepComplete(args.plan.dir, manifest, withHardware, new Date());
  return withHardware;
}

/** The step's own GPU figures for its summary (the web UI and the CLI table show them), where they were sampled. */
function sampledHardware(hw: HardwareSummary): StepSummary {
  const figures: StepSummary = {};
  if (hw.gpu_energy_wh !== null) figures.gpu_energy_wh = hw.gpu_energy_wh;
  if (hw.gpu_vram_peak_used_gb !== null) figures.gpu_vram_peak_used_gb = hw.gpu_vram_peak_used_gb;
  return figures;
}

/** What the throughput and online steps share: their config copies, endpoint, metrics scraping, output folder and hooks. */
async function efficiencyStep(args: StepArgs, heartbeat: (d: Record<string, unknown>) => void, signal: AbortSignal) {
  await copyConfigs(args.plan.runDir, args.suite, ['benchmark', 'serving']);
  const ctx = Context.current();
  return {
    endpoint: apiEndpoint(args),
    scrapeIntervalS: args.suite.benchmark.scrape_metrics_interval_s,
    outDir: args.plan.dir,
    log: (m: string) => {
      ctx.log.info(m);
    },
    heartbeat,
    signal,
  };
}

function apiEndpoint(args: StepArgs): { baseUrl: string; model: string; apiKeyEnv?: string } {
  return { ...args.endpoint, model: args.server.model };
}

export function createStepActivities(deps: StepDeps) {
  return {
    async planSteps(args: { suite: ResolvedSuite }): Promise<SuitePlan> {
      return classified(() => planSuite(args.suite, temporalIds(), new Date()));
    },

    async runThroughput(args: StepArgs): Promise<StepSummary> {
      return classified(() =>
        once(args, deps, async (heartbeat, signal) => {
          const common = await efficiencyStep(args, heartbeat, signal);
          return runThroughputStep({ ...common, config: args.suite.benchmark.throughput, seed: args.suite.seed });
        }),
      );
    },

    async runOnline(args: StepArgs): Promise<StepSummary> {
      return classified(() =>
        once(args, deps, async (heartbeat, signal) => {
          const common = await efficiencyStep(args, heartbeat, signal);
          return runOnlineStep({ ...common, config: args.suite.benchmark.online });
        }),
      );
    },

    async runQuality(args: StepArgs): Promise<StepSummary> {
      return classified(() =>
        once(args, deps, async (heartbeat, signal) => {
          await copyConfigs(args.plan.runDir, args.suite, ['eval', 'serving', 'models']);
          return runQualityStep({ ...args, endpoint: apiEndpoint(args), heartbeat, signal, deps });
        }),
      );
    },

    async summarizeQuality(args: { suite: ResolvedSuite; qualityDir: string }): Promise<StepSummary> {
      return classified(() => summarizeQualityRun(args.suite, args.qualityDir));
    },
  };
}
