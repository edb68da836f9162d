import type { Command } from 'commander';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { connectClient, ensureSearchAttributes } from '../../api.ts';
import { createOrUpdateSchedule, triggerSchedule } from '../../schedules.ts';
import { temporalSettingsFromEnv } from '../../../common/temporal-env.ts';
import { EvalflowError } from '../../../common/errors.ts';
import type { NightlyResult, nightlyRegression } from '../../../workflows/nightly-regression.ts';
import { cliAction } from '../action.ts';

async function withClient(fn: (client: Client) => Promise<void>): Promise<void> {
  const settings = temporalSettingsFromEnv();
  if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set: schedules live on a Temporal server (./temporal-dev.sh, then TEMPORAL_ADDRESS=127.0.0.1:7233)');
  const client = await connectClient(settings);
  try {
    await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** Trigger now and (optionally) wait for the run it started, printing its verdict. */
async function triggerAndWait(client: Client, id: string, wait: boolean): Promise<void> {
  const started = await triggerSchedule(client, id);
  console.log(`triggered ${started}`);
  if (!wait) return;
  const result: NightlyResult = await client.workflow.getHandle<typeof nightlyRegression>(started).result();
  console.log(`verdict: ${result.verdict} (baseline ${result.baseline ?? 'none'})`);
  console.log(result.headline);
  console.log(`verdict.json: ${result.verdictJson}\nverdict.md:   ${result.verdictMarkdown}`);
}

export function configureScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description('nightly regression schedules (Temporal Schedules; visible on the web UI Schedules page)');

  schedule
    .command('create')
    .description('create or update the schedule a YAML describes (configs/schedules/*.yaml)')
    .argument('<file>')
    .action(
      cliAction(async (file: string) =>
        withClient(async (client) => {
          await ensureSearchAttributes(client);
          const { handle, created } = await createOrUpdateSchedule(client, file);
          console.log(`${created ? 'created' : 'updated'} schedule ${handle.scheduleId}`);
        }),
      ),
    );

  schedule
    .command('list')
    .description('list schedules')
    .action(
      cliAction(async () =>
        withClient(async (client) => {
          for await (const s of client.schedule.list()) {
            const next = s.info.nextActionTimes[0]?.toISOString() ?? '-';
            console.log(`${s.scheduleId.padEnd(28)} ${s.state.paused ? 'paused ' : 'active '} next ${next}  ${s.action?.type === 'startWorkflow' ? s.action.workflowType : ''}`);
          }
        }),
      ),
    );

  schedule
    .command('describe')
    .argument('<id>')
    .action(
      cliAction(async (id: string) =>
        withClient(async (client) => {
          const d = await client.schedule.getHandle(id).describe();
          console.log(JSON.stringify({ id: d.scheduleId, paused: d.state.paused, note: d.state.note, spec: d.spec, policies: d.policies, next: d.info.nextActionTimes, recent: d.info.recentActions.map((a) => ({ at: a.takenAt, workflowId: a.action.workflow.workflowId })), running: d.info.runningActions.map((a) => a.workflow.workflowId) }, null, 2));
        }),
      ),
    );

  schedule
    .command('pause')
    .argument('<id>')
    .option('--note <text>', 'why (shown in the UI)')
    .action(cliAction(async (id: string, opts: { note?: string }) => withClient(async (client) => client.schedule.getHandle(id).pause(opts.note ?? 'paused with evalflow'))));

  schedule
    .command('unpause')
    .argument('<id>')
    .action(cliAction(async (id: string) => withClient(async (client) => client.schedule.getHandle(id).unpause('unpaused with evalflow'))));

  schedule
    .command('trigger')
    .description('start one run now')
    .argument('<id>')
    .option('--wait', 'wait for the run and print its verdict')
    .action(cliAction(async (id: string, opts: { wait?: boolean }) => withClient(async (client) => triggerAndWait(client, id, Boolean(opts.wait)))));

  schedule
    .command('backfill')
    .description('take the actions the schedule would have taken between two times')
    .argument('<id>')
    .requiredOption('--start <iso>', 'e.g. 2026-11-01T00:00:00Z')
    .requiredOption('--end <iso>')
    .action(
      cliAction(async (id: string, opts: { start: string; end: string }) =>
        withClient(async (client) => client.schedule.getHandle(id).backfill({ start: new Date(opts.start), end: new Date(opts.end), overlap: ScheduleOverlapPolicy.BUFFER_ALL })),
      ),
    );

  schedule
    .command('delete')
    .argument('<id>')
    .action(cliAction(async (id: string) => withClient(async (client) => client.schedule.getHandle(id).delete())));
}
