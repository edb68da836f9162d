import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { BenchmarkName } from '../configs/schema/eval.ts';
import { loadDataset, loadSplit } from '../datasets/load.ts';
import { getBenchmark } from '../benchmarks/registry.ts';
import { toExamples } from '../benchmarks/rows.ts';
import { runBenchmark } from '../benchmarks/runner.ts';
import type { BenchmarkMetrics } from '../benchmarks/metrics.ts';
import { buildQualitySummary, writeQualitySummary } from '../benchmarks/summary.ts';
import { writeCsvAtomic, writeJsonAtomic } from '../store/files.ts';
import { qualityFiles, isQualityStep } from '../store/layout.ts';
import type { StepSummary } from '../store/steps.ts';
import { createSender } from '../loadgen/sender.ts';
import { EvalflowError } from '../common/errors.ts';
import type { KnownAnswer, ServerEndpoint } from '../backends/types.ts';
import type { StepArgs, StepDeps } from './steps.ts';
import { activityBackendContext } from './context.ts';

/** Requests in flight for a quality step: the config's number, or (auto) what the server decodes at once. */
export function qualityConcurrency(suite: ResolvedSuite): number {
  const configured = suite.eval.defaults.concurrency;
  if (configured !== 'auto') return configured;
  return suite.backend.kind === 'sim' ? suite.backend.simulator.max_num_seqs : suite.serving.max_num_seqs;
}

export async function runQualityStep(args: StepArgs & { endpoint: ServerEndpoint; heartbeat: (d: Record<string, unknown>) => void; signal: AbortSignal; deps: StepDeps }): Promise<StepSummary> {
  const { suite, plan } = args;
  if (!isQualityStep(plan.step)) throw new EvalflowError('input_invalid', `${plan.step} is not a quality benchmark`);
  const name: BenchmarkName = plan.step;
  const cfg = suite.eval.benchmarks[name];
  if (!cfg) throw new EvalflowError('config_invalid', `eval.yaml has no benchmarks.${name} section`);
  const ctx = Context.current();
  const benchmark = getBenchmark(name);
  const loadOpts = { cacheDir: args.deps.datasetCacheDir, signal: args.signal, benchmark: name };
  const data = await loadDataset(cfg.dataset, loadOpts);
  const examples = toExamples(benchmark, data.rows);
  const fewShot = cfg.few_shot > 0 ? toExamples(benchmark, (await loadSplit(cfg.dataset, cfg.few_shot_split, loadOpts)).rows) : [];

  const backend = args.deps.backends[suite.backend.kind];
  if (backend?.prepareBenchmark) {
    const answers: KnownAnswer[] = [];
    for (const e of examples) {
      const gold = benchmark.gold(e.reference).value;
      if (gold !== null) answers.push({ question: e.question, answer: gold, benchmark: name });
    }
    await backend.prepareBenchmark(args.endpoint, answers, activityBackendContext());
  }

  const concurrency = qualityConcurrency(suite);
  const sender = createSender({
    baseUrl: args.endpoint.baseUrl,
    model: args.endpoint.model,
    ...(args.endpoint.apiKeyEnv && process.env[args.endpoint.apiKeyEnv] ? { apiKey: process.env[args.endpoint.apiKeyEnv] } : {}),
    maxConnections: concurrency,
    requestTimeoutMs: suite.eval.defaults.request_timeout_s * 1000,
  });
  const seeds = suite.eval.defaults.seeds;
  try {
    const runs = [];
    // Several sampling seeds (seed 003): one run each in seed_<n>/, every one resumable on its own.
    for (const seed of seeds ?? [null]) {
      const run = await runBenchmark({
        benchmark,
        examples,
        fewShot,
        evalCfg: suite.eval,
        sender,
        concurrency,
        outDir: seed === null ? plan.dir : join(plan.dir, seedFolder(seed)),
        ...(seed === null ? {} : { seed }),
        signal: args.signal,
        heartbeat: (p) => args.heartbeat({ ...p, ...(seed === null ? {} : { seed }) }),
        log: (m) => {
          ctx.log.info(m);
        },
      });
      runs.push(run);
    }
    if (seeds) {
      const row = buildQualitySummary(runs.map((r) => r.metrics)).benchmarks[0]!;
      const files = qualityFiles(name);
      await writeJsonAtomic(join(plan.dir, files.metricsJson), { ...row, per_seed: runs.map((r) => r.metrics) });
      await writeCsvAtomic(join(plan.dir, files.metricsCsv), [{ ...row }]);
      return { benchmark: name, accuracy_pct: row.accuracy_pct, accuracy_pct_std: row.accuracy_pct_std, n_seeds: row.n_seeds, scorable_examples: row.scorable_examples, unscorable_examples: row.unscorable_examples, total_examples: row.total_examples };
    }
    const run = runs[0]!;
    return {
      benchmark: name,
      accuracy_pct: run.accuracy_pct,
      correct: run.correct,
      scorable_examples: run.scorable,
      unscorable_examples: run.unscorable,
      total_examples: run.total,
      ci95_low_pct: run.metrics.ci95_low_pct,
      ci95_high_pct: run.metrics.ci95_high_pct,
      sent: run.sent,
      resumed: run.resumed,
    };
  } finally {
    await sender.close();
  }
}

export function seedFolder(seed: number): string {
  return `seed_${seed}`;
}

/** quality_summary.json/.csv over the benchmarks this suite ran (their metrics files are the source). */
export async function summarizeQualityRun(suite: ResolvedSuite, qualityDir: string): Promise<StepSummary> {
  const runs: BenchmarkMetrics[] = [];
  const seeds = suite.eval.defaults.seeds;
  for (const step of suite.steps.filter(isQualityStep)) {
    const dirs = seeds ? seeds.map((seed) => join(qualityDir, step, seedFolder(seed))) : [join(qualityDir, step)];
    for (const dir of dirs) runs.push(JSON.parse(await readFile(join(dir, qualityFiles(step).metricsJson), 'utf8')) as BenchmarkMetrics);
  }
  const summary = await writeQualitySummary(qualityDir, runs);
  return { benchmarks: summary.benchmarks.length };
}
