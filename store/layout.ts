import { join } from 'node:path';
import type { ResolvedSuite } from '../configs/resolve.ts';
import { QUALITY_STEPS } from '../configs/resolve.ts';
import type { BenchmarkName } from '../configs/schema/eval.ts';
import type { BackendConfig, StepName } from '../configs/schema/suite.ts';
import { hashOf } from '../common/hash.ts';

/** The seed-000 results tree: results/<kind>/<kind>-<timestamp>/... */
export type RunKind = 'throughput' | 'online' | 'quality';

export const STEP_MANIFEST = '.evalflow-step.json';

export function runKindOf(step: StepName): RunKind {
  return step === 'throughput' || step === 'online' ? step : 'quality';
}

export function isQualityStep(step: StepName): step is BenchmarkName {
  return (QUALITY_STEPS as readonly string[]).includes(step);
}

/** 2026-02-24T12:00:00.123Z -> 20260224T120000Z */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function runFolderName(kind: RunKind, date: Date): string {
  return `${kind}-${compactTimestamp(date)}`;
}

export function kindRoot(resultsRoot: string, kind: RunKind): string {
  return join(resultsRoot, kind);
}

/** Per-benchmark file names inside quality-<ts>/<name>/ (seed-000 section 4). */
export function qualityFiles(name: BenchmarkName): { results: string; metricsJson: string; metricsCsv: string; unscorable: string } {
  return {
    results: `${name}_results.jsonl`,
    metricsJson: `${name}_metrics.json`,
    metricsCsv: `${name}_metrics.csv`,
    unscorable: `${name}_unscorable.jsonl`,
  };
}

/** Online rate folder: integers as rate_5, fractions as rate_0.5. */
export function rateFolderName(rate: number): string {
  return `rate_${Number.isInteger(rate) ? rate.toFixed(0) : String(rate)}`;
}

/** The backend settings that shape results: GPU sampling only watches, so changing it redoes no step. */
function measuredBackend(backend: BackendConfig): Omit<BackendConfig, 'gpu_telemetry'> {
  if (!('gpu_telemetry' in backend)) return backend;
  const { gpu_telemetry: _sampling, ...rest } = backend;
  return rest;
}

/** What a finished step's results depend on: the server identity plus the step's own settings. */
function serverIdentity(suite: ResolvedSuite): unknown {
  // A sweep re-run (--no-skip-existing) adds its tag, so no finished step matches; absent, keys are unchanged.
  return { model: suite.serving.model, backend: measuredBackend(suite.backend), ...(suite.runTag === undefined ? {} : { run_tag: suite.runTag }) };
}

/**
 * The skip-existing key of a step: a hash of exactly the configuration that affects its results.
 * Efficiency steps depend on every engine knob; quality steps on the model, precision and sampling, not on batch sizes.
 */
export function stepKey(suite: ResolvedSuite, step: StepName): string {
  switch (step) {
    case 'throughput':
      return hashOf({ step, server: serverIdentity(suite), serving: suite.serving, config: suite.benchmark.throughput, seed: suite.seed });
    case 'online':
      return hashOf({ step, server: serverIdentity(suite), serving: suite.serving, config: suite.benchmark.online, seed: suite.seed });
    case 'gsm8k':
    case 'math':
    case 'routerbench': {
      const { system_prompt, endpoint, sampling, seeds } = suite.eval.defaults;
      return hashOf({
        step,
        server: serverIdentity(suite),
        dtype: suite.serving.dtype,
        max_model_len: suite.serving.max_model_len,
        defaults: { system_prompt, endpoint, sampling, seeds },
        config: suite.eval.benchmarks[step],
      });
    }
  }
}

/** The quality run folder is shared by the suite's benchmarks; its key is the set of their keys. */
export function qualityRunKey(suite: ResolvedSuite): string {
  const keys = suite.steps.filter(isQualityStep).map((s) => `${s}:${stepKey(suite, s)}`);
  return hashOf({ kind: 'quality', keys: keys.sort() });
}
