import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { loadSuite } from '../../../configs/resolve.ts';
import { connectClient, ensureSearchAttributes, submitSuite, submitSweep } from '../../api.ts';
import { followSweep } from '../../sweep-progress.ts';
import { detectConfigKind, loadSweep } from '../../../sweep/load.ts';
import { formatComparison, formatPlan } from '../../../sweep/format.ts';
import { followSuite, summaryTable } from '../../progress.ts';
import { startDevServer, freePort } from '../../dev-server.ts';
import type { DevServer } from '../../dev-server.ts';
import { temporalSettingsFromEnv } from '../../../common/temporal-env.ts';
import type { TemporalSettings } from '../../../common/temporal-env.ts';
import { DEFAULT_NAMESPACE, DEV_SERVER_UI_PORT, SCALING_COMPARISON_CSV, TASK_QUEUE, suiteWorkflowId, sweepWorkflowId } from '../../../common/constants.ts';
import { createEvalflowWorker } from '../../../worker/create-worker.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { failureReason } from '../../../sweep/failure.ts';
import { cliAction, suiteLoadOptions } from '../action.ts';
import type { SuiteCommandOptions } from '../action.ts';
import { sweepLoadOptions } from '../sweep-options.ts';
import type { SweepCommandOptions } from '../sweep-options.ts';

async function uiPortFor(): Promise<number> {
  // The conventional UI port when it is free, so bookmarks work; any free port otherwise.
  const probe = await import('node:net');
  const free = await new Promise<boolean>((resolve) => {
    const srv = probe.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(DEV_SERVER_UI_PORT, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  return free ? DEV_SERVER_UI_PORT : freePort();
}

/**
 * The one way `run` reaches Temporal: TEMPORAL_ADDRESS, or else a local dev server (web UI included, workflows
 * persisted in <results_dir>/.evalflow so a crashed run resumes); always an in-process worker while `fn` runs.
 */
async function withTemporal(resultsDir: string, fn: (ctx: { client: Client; settings: TemporalSettings; link: (workflowId: string) => string }) => Promise<void>): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let dev: DevServer | null = null;
  let settings: TemporalSettings | null = temporalSettingsFromEnv();
  if (!settings) {
    const stateDir = join(resultsDir, '.evalflow');
    dev = await startDevServer({ uiPort: await uiPortFor(), dbFile: join(stateDir, 'temporal-dev.db'), logFile: join(stateDir, 'temporal-dev.log') });
    settings = { address: dev.address, namespace: DEFAULT_NAMESPACE, taskQueue: TASK_QUEUE };
    console.log(`Temporal dev server on ${dev.address}${dev.uiUrl ? `, web UI ${dev.uiUrl}` : ''}`);
  }
  const ui = dev?.uiUrl ?? process.env.TEMPORAL_UI_URL;
  const namespace = settings.namespace;
  const link = (workflowId: string): string => (ui ? `${ui}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}` : workflowId);
  const client = await connectClient(settings);
  try {
    await ensureSearchAttributes(client);
    const { worker, connection } = await createEvalflowWorker({ settings });
    try {
      await worker.runUntil(fn({ client, settings, link }));
    } finally {
      await connection.close();
    }
  } finally {
    await client.connection.close();
    await dev?.stop();
  }
}

function stateWord(state: 'started' | 'running' | 'finished'): string {
  return state === 'started' ? 'Started' : state === 'running' ? 'Joined running' : 'Already finished:';
}

async function runSuite(suitePath: string, opts: RunOptions): Promise<void> {
  if (opts.sizes !== undefined || !opts.skipExisting) throw new EvalflowError('config_invalid', '--sizes and --no-skip-existing apply to sweeps (kind: sweep); a suite skips finished steps by itself');
  const suite = await loadSuite(suitePath, suiteLoadOptions(opts));
  if (opts.dryRun) {
    console.log(`Suite ${suite.name}: ${suite.model.name} (tp=${suite.serving.tensor_parallel_size}) on ${suite.backend.kind}, ${suite.preset} preset`);
    console.log(`Steps: ${suite.steps.join(' → ')} (finished ones are skipped)`);
    console.log(`Results: ${relative(process.cwd(), suite.resultsRoot) || '.'}/`);
    console.log(`Workflow id: ${suiteWorkflowId(suite.name, suite.model.name, suite.configHash)}`);
    return;
  }
  await withTemporal(suite.resultsRoot, async ({ client, settings, link }) => {
    const submitted = await submitSuite(suite, { client, taskQueue: settings.taskQueue });
    console.log(`${stateWord(submitted.state)} ${submitted.workflowId}`);
    console.log(`Follow it in the web UI: ${link(submitted.workflowId)}`);
    const result = await followSuite(client, submitted.handle, { tty: Boolean(process.stdout.isTTY) && opts.progress });
    console.log(summaryTable(result));
    console.log(`Results: ${relative(process.cwd(), result.resultsRoot) || '.'}/ (throughput/, online/, quality/)`);
    console.log(`Web UI: ${link(submitted.workflowId)}`);
  });
}

async function runSweep(sweepPath: string, opts: RunOptions): Promise<void> {
  if (opts.model) throw new EvalflowError('config_invalid', '--model applies to a suite; a sweep lists its models (filter them with --sizes)');
  const sweep = await loadSweep(sweepPath, sweepLoadOptions(opts));
  console.log(formatPlan(sweep));
  const workflowId = sweepWorkflowId(sweep.name, sweep.configHash);
  if (opts.dryRun) {
    console.log(`Workflow id: ${workflowId} (dry run: nothing started)`);
    return;
  }
  await withTemporal(sweep.resultsDir, async ({ client, settings, link }) => {
    const submitted = await submitSweep(sweep, { client, taskQueue: settings.taskQueue });
    console.log(`${stateWord(submitted.state)} ${submitted.workflowId}`);
    console.log(`Follow it in the web UI: ${link(submitted.workflowId)}`);
    const followed = await followSweep(submitted.handle, sweep.resultsRoot);
    console.log(formatComparison(followed.rows));
    console.log(`Comparison: ${relative(process.cwd(), join(sweep.resultsRoot, SCALING_COMPARISON_CSV))} (and .json); per-model results in ${relative(process.cwd(), sweep.resultsRoot) || '.'}/<model>/`);
    console.log(`Web UI: ${link(submitted.workflowId)}`);
    if (followed.error) {
      console.error(`evalflow: the sweep did not finish: ${failureReason(followed.error)}`);
      process.exitCode = 1;
    }
  });
}

type RunOptions = SuiteCommandOptions & SweepCommandOptions & { progress: boolean; dryRun?: boolean };

/**
 * `evalflow run <file>`: the embedded default, for a Phase-1 suite or a sweep (`kind: sweep`). Without
 * TEMPORAL_ADDRESS it starts a local Temporal dev server and an in-process worker, submits, follows, and
 * prints a summary (a suite's steps, or a sweep's per-model table and where scaling_comparison.csv is).
 */
export function configureRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a suite or a sweep to the end, with an embedded Temporal dev server and worker unless TEMPORAL_ADDRESS is set')
    .argument('<config>', 'suite or sweep YAML, e.g. configs/suites/phase1.yaml or configs/suites/qwen-scaling.yaml')
    .addOption(new Option('--preset <preset>', 'override the suite preset').choices(['smoke', 'quick', 'full']))
    .option('--model <name>', 'override the suite model (a models.yaml name)')
    .option('--results <dir>', 'override the results folder')
    .option('--sizes <list>', 'sweeps: only these sizes in billions of parameters, e.g. 1.5,3,7')
    .option('--no-skip-existing', 'sweeps: run models again even when their results exist (into new folders)')
    .option('--dry-run', 'print the plan (sweeps: what runs, on how many GPUs, what is skipped and why) and start nothing')
    .option('--no-progress', 'print one line per change instead of a progress bar')
    .action(
      cliAction(async (configPath: string, opts: RunOptions) => {
        if ((await detectConfigKind(configPath)) === 'sweep') await runSweep(configPath, opts);
        else await runSuite(configPath, opts);
      }),
    );
}
