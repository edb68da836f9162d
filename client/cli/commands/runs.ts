import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfigFile } from '../../../configs/load.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { writeJsonAtomic } from '../../../store/files.ts';
import { loadRunData, runRefFromPath } from '../../../regression/load.ts';
import { DEFAULT_POLICY, RegressionPolicy } from '../../../regression/policy.ts';
import { renderVerdictMarkdown, writeVerdict } from '../../../regression/report.ts';
import type { RunRef } from '../../../regression/run-ref.ts';
import { compareRuns } from '../../../regression/verdict.ts';
import { postVerdict } from '../../../regression/webhook.ts';
import { metricDirection } from '../../../regression/direction.ts';
import { configDiff, metricDiff } from '../../../runindex/compare.ts';
import { openRunIndex, runIndexLocation } from '../../../runindex/open.ts';
import type { RunRecord } from '../../../runindex/record.ts';
import { RunStatus } from '../../../runindex/record.ts';
import { renderConfigDiff, renderLeaderboard, renderList, renderMetricDiff, renderRunsLegend, renderShow, renderSignificance } from '../../../runindex/render.ts';
import { scanAndRegister } from '../../../runindex/scan.ts';
import { pairedSignificance } from '../../../runindex/significance.ts';
import type { RunIndex } from '../../../runindex/types.ts';
import { cliAction } from '../action.ts';

interface IndexOption {
  index?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function status(value: string): RunStatus {
  const parsed = RunStatus.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`must be one of ${RunStatus.options.join(', ')}`);
  return parsed.data;
}

async function withIndex<T>(opts: IndexOption, fn: (index: RunIndex) => Promise<T>): Promise<T> {
  const index = await openRunIndex(runIndexLocation(opts.index));
  try {
    return await fn(index);
  } finally {
    await index.close();
  }
}

async function loadPolicy(file: string | undefined): Promise<RegressionPolicy> {
  return file ? (await loadConfigFile(RegressionPolicy, file)).value : DEFAULT_POLICY;
}

function refOfRecord(run: RunRecord): RunRef {
  return { label: run.id, ...run.folders };
}

/** A path (RunRef file, run folder or results root) when one exists, else an id in the index. */
async function refOfArgument(arg: string, opts: IndexOption): Promise<RunRef> {
  if (existsSync(arg)) return runRefFromPath(arg);
  return withIndex(opts, async (index) => refOfRecord(await index.resolve(arg)));
}

/** Each subcommand takes --index, so it may follow the subcommand name. */
function indexed(cmd: Command): Command {
  return cmd.option('--index <location>', 'SQLite file or postgres:// URL (default $EVALFLOW_RUN_INDEX, else results/.evalflow/runs.sqlite)');
}

export function configureRunsCommand(program: Command): void {
  const runs = program.command('runs').description('the run index: list, show, compare, leaderboard, export, scan, verdict');

  indexed(runs.command('list').description('indexed runs, newest first'))
    .option('--suite <name>')
    .option('--model <text>', 'model contains this (case-insensitive)')
    .option('--status <status>', 'complete | partial | running | failed', status)
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .option('--json', 'print the records as JSON')
    .action(
      cliAction(async (opts: IndexOption & { suite?: string; model?: string; status?: RunStatus; limit: number; json?: boolean }) => {
        const list = await withIndex(opts, (index) =>
          index.list({ limit: opts.limit, ...(opts.suite ? { suite: opts.suite } : {}), ...(opts.model ? { model: opts.model } : {}), ...(opts.status ? { status: opts.status } : {}) }),
        );
        console.log(opts.json ? JSON.stringify(list, null, 2) : renderList(list));
      }),
    );

  indexed(runs.command('show').description('one run: ids, folders, status, every metric').argument('<id>', 'id, or a unique prefix of an id, Temporal run id or workflow id'))
    .option('--json', 'print the record as JSON')
    .action(
      cliAction(async (id: string, opts: IndexOption & { json?: boolean }) => {
        const run = await withIndex(opts, (index) => index.resolve(id));
        console.log(opts.json ? JSON.stringify(run, null, 2) : renderShow(run));
      }),
    );

  indexed(runs.command('compare').description('config and metric differences side by side, best marked ★, and the paired test per benchmark against the first run').argument('<ids...>', 'two or more runs; the first is the baseline'))
    .option('--all-config', 'every config key, not only those that differ')
    .option('--all-metrics', 'every metric, not only the headline ones')
    .option('--no-significance', 'skip the paired tests (they read the quality folders)')
    .option('--policy <file>', 'RegressionPolicy YAML for the paired tests (alpha, correction, bootstrap)')
    .action(
      cliAction(async (ids: string[], opts: IndexOption & { allConfig?: boolean; allMetrics?: boolean; significance: boolean; policy?: string }) => {
        if (ids.length < 2) throw new EvalflowError('input_invalid', 'compare needs at least two runs');
        const list = await withIndex(opts, async (index) => Promise.all(ids.map((id) => index.resolve(id))));
        const out = [
          `Comparing ${list.length} runs:`,
          renderRunsLegend(list),
          '',
          'Configuration differences:',
          renderConfigDiff(list, configDiff(list, { all: opts.allConfig ?? false })),
          '',
          'Metrics (★ best):',
          renderMetricDiff(list, metricDiff(list, { all: opts.allMetrics ?? false })),
        ];
        if (opts.significance) {
          const policy = await loadPolicy(opts.policy);
          for (const [i, cand] of list.slice(1).entries()) {
            out.push('', `Paired significance, [${i + 2}] ${cand.id} vs [1] ${list[0]!.id}:`, renderSignificance(await pairedSignificance(list[0]!, cand, policy.quality)));
          }
        }
        console.log(out.join('\n'));
      }),
    );

  indexed(runs.command('leaderboard').description('runs ranked by one metric'))
    .requiredOption('--benchmark <name>', 'gsm8k, math, routerbench, throughput, …')
    .option('--metric <key>', 'a metric of that benchmark', 'accuracy_pct')
    .option('--top <n>', 'how many', positiveInt, 10)
    .option('--lower-is-better', 'rank ascending (default: by the metric, e.g. *_ms ascending)')
    .option('--suite <name>')
    .option('--model <text>')
    .action(
      cliAction(async (opts: IndexOption & { benchmark: string; metric: string; top: number; lowerIsBetter?: boolean; suite?: string; model?: string }) => {
        const metric = `${opts.benchmark}.${opts.metric}`;
        const better = opts.lowerIsBetter ? 'lower' : (metricDirection(metric) ?? 'higher');
        const entries = await withIndex(opts, (index) =>
          index.leaderboard({ metric, better, top: opts.top, ...(opts.suite ? { suite: opts.suite } : {}), ...(opts.model ? { model: opts.model } : {}) }),
        );
        console.log(`${metric} (${better} is better)\n${renderLeaderboard(metric, entries)}`);
      }),
    );

  indexed(runs.command('export').description('one run as JSON (ids, folders, metrics, config)').argument('<id>'))
    .option('--output <file>', 'write here instead of stdout')
    .action(
      cliAction(async (id: string, opts: IndexOption & { output?: string }) => {
        const run = await withIndex(opts, (index) => index.resolve(id));
        if (opts.output) {
          await writeJsonAtomic(opts.output, run);
          console.log(`wrote ${opts.output}`);
        } else {
          console.log(JSON.stringify(run, null, 2));
        }
      }),
    );

  indexed(runs.command('scan').description('(re)index every finished run under a results root'))
    .option('--results <dir>', 'results root', 'results')
    .action(
      cliAction(async (opts: IndexOption & { results: string }) => {
        const records = await withIndex(opts, (index) => scanAndRegister(index, opts.results));
        console.log(`indexed ${records.length} run(s) from ${resolve(opts.results)}`);
        for (const r of records) console.log(`  ${r.id}  ${r.status.padEnd(8)}  ${r.model ?? ''}  ${r.steps.join(',')}`);
      }),
    );

  indexed(
    runs
      .command('verdict')
      .description('candidate vs baseline: regressed | improved | pass | inconclusive, per metric and overall')
      .argument('<baseline>', 'an index id, a RunRef JSON, a run folder or a results root')
      .argument('<candidate>', 'as baseline'),
  )
    .option('--policy <file>', 'RegressionPolicy YAML (thresholds); default: alpha 0.05 Holm, 2 pts, −5% throughput, +10% latency')
    .option('--output <dir>', 'write verdict.json and verdict.md here')
    .option('--webhook-url-env <name>', 'POST verdict.json to the URL held in this environment variable')
    .option('--fail-on-regression', 'exit 1 when the overall verdict is regressed')
    .action(
      cliAction(async (baseline: string, candidate: string, opts: IndexOption & { policy?: string; output?: string; webhookUrlEnv?: string; failOnRegression?: boolean }) => {
        const policy = await loadPolicy(opts.policy);
        const [base, cand] = await Promise.all([refOfArgument(baseline, opts), refOfArgument(candidate, opts)]);
        const verdict = compareRuns(await loadRunData(base), await loadRunData(cand), policy);
        if (opts.output) {
          const files = await writeVerdict(opts.output, verdict);
          console.log(`wrote ${files.json} and ${files.markdown}`);
        }
        console.log(renderVerdictMarkdown(verdict));
        if (opts.webhookUrlEnv) {
          const posted = await postVerdict(verdict, { url_env: opts.webhookUrlEnv, timeout_s: 10 });
          if (posted) console.log(`posted the verdict (HTTP ${posted.status})`);
        }
        if (opts.failOnRegression && verdict.overall === 'regressed') process.exitCode = 1;
      }),
    );
}
