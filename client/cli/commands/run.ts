import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { loadSuite } from '../../../configs/resolve.ts';
import { connectClient, ensureSearchAttributes, submitSuite } from '../../api.ts';
import { followSuite, summaryTable } from '../../progress.ts';
import { startDevServer, freePort } from '../../dev-server.ts';
import type { DevServer } from '../../dev-server.ts';
import { temporalSettingsFromEnv } from '../../../common/temporal-env.ts';
import type { TemporalSettings } from '../../../common/temporal-env.ts';
import { DEFAULT_NAMESPACE, DEV_SERVER_UI_PORT, TASK_QUEUE } from '../../../common/constants.ts';
import { createEvalflowWorker } from '../../../worker/create-worker.ts';
import { cliAction, suiteLoadOptions } from '../action.ts';
import type { SuiteCommandOptions } from '../action.ts';

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
 * `evalflow run suite.yaml`: the embedded default. Without TEMPORAL_ADDRESS it starts a local Temporal dev
 * server (web UI included, workflows persisted next to the results so a crashed run resumes) and an
 * in-process worker, submits the suite, follows it, and prints a summary.
 */
export function configureRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a suite to the end, with an embedded Temporal dev server and worker unless TEMPORAL_ADDRESS is set')
    .argument('<suite>', 'suite YAML, e.g. configs/suites/phase1.yaml')
    .addOption(new Option('--preset <preset>', 'override the suite preset').choices(['smoke', 'quick', 'full']))
    .option('--model <name>', 'override the suite model (a models.yaml name)')
    .option('--results <dir>', 'override the results folder')
    .option('--no-progress', 'print one line per change instead of a progress bar')
    .action(
      cliAction(async (suitePath: string, opts: SuiteCommandOptions & { progress: boolean }) => {
        const suite = await loadSuite(suitePath, suiteLoadOptions(opts));
        Runtime.install({ logger: new DefaultLogger('WARN') });
        let dev: DevServer | null = null;
        let settings: TemporalSettings | null = temporalSettingsFromEnv();
        if (!settings) {
          const stateDir = join(suite.resultsRoot, '.evalflow');
          dev = await startDevServer({ uiPort: await uiPortFor(), dbFile: join(stateDir, 'temporal-dev.db'), logFile: join(stateDir, 'temporal-dev.log') });
          settings = { address: dev.address, namespace: DEFAULT_NAMESPACE, taskQueue: TASK_QUEUE };
          console.log(`Temporal dev server on ${dev.address}${dev.uiUrl ? `, web UI ${dev.uiUrl}` : ''}`);
        }
        const client = await connectClient(settings);
        try {
          await ensureSearchAttributes(client);
          const { worker, connection } = await createEvalflowWorker({ settings });
          try {
            await worker.runUntil(async () => {
              const submitted = await submitSuite(suite, { client, taskQueue: settings.taskQueue });
              const ui = dev?.uiUrl ?? process.env.TEMPORAL_UI_URL;
              const link = ui ? `${ui}/namespaces/${settings.namespace}/workflows/${encodeURIComponent(submitted.workflowId)}` : submitted.workflowId;
              console.log(`${submitted.state === 'started' ? 'Started' : submitted.state === 'running' ? 'Joined running' : 'Already finished:'} ${submitted.workflowId}`);
              console.log(`Follow it in the web UI: ${link}`);
              const result = await followSuite(client, submitted.handle, { tty: Boolean(process.stdout.isTTY) && opts.progress });
              console.log(summaryTable(result));
              console.log(`Results: ${relative(process.cwd(), result.resultsRoot) || '.'}/ (throughput/, online/, quality/)`);
              console.log(`Web UI: ${link}`);
            });
          } finally {
            await connection.close();
          }
        } finally {
          await client.connection.close();
          await dev?.stop();
        }
      }),
    );
}
