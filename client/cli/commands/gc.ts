import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { z } from 'zod';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleHandle, ScheduleOptions, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { connectClient } from '../../api.ts';
import { loadSuite } from '../../../configs/resolve.ts';
import { BackendConfig } from '../../../configs/schema/suite.ts';
import { createBackends } from '../../../backends/registry.ts';
import { describeTarget, isReapable, REAPABLE_KINDS, reapTarget, workflowOpenIn } from '../../../activities/reaper.ts';
import type { ReapTarget, TargetReport } from '../../../activities/reaper.ts';
import type { ReaperInput, reaperWorkflow } from '../../../workflows/reaper.ts';
import { temporalSettingsFromEnv } from '../../../common/temporal-env.ts';
import { REAPER_SCHEDULE_ID, REAPER_WORKFLOW_ID } from '../../../common/constants.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { cliAction } from '../action.ts';

/** What commander hands over; parsed once here, so the rest sees typed, checked values. */
const GcOptions = z.strictObject({
  dryRun: z.boolean().default(false),
  suite: z.array(z.string().min(1)).default([]),
  backend: z.enum(REAPABLE_KINDS).optional(),
  namespace: z.string().optional(),
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  dockerHost: z.string().optional(),
  dockerSocket: z.string().optional(),
  stateDir: z.string().optional(),
  schedule: z.boolean().default(false),
  every: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, 'a duration such as 15m, 1h or 1d')
    .default('15m'),
});
type GcOptions = z.infer<typeof GcOptions>;

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new EvalflowError('config_invalid', `${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Where a suite's servers can be left behind; local pid files sit where activities/server.ts puts the backend state. */
async function targetOfSuite(path: string): Promise<ReapTarget> {
  const suite = await loadSuite(path);
  if (!isReapable(suite.backend)) throw new EvalflowError('config_invalid', `${path}: the ${suite.backend.kind} backend leaves nothing for the reaper (it reaps ${REAPABLE_KINDS.join(', ')})`);
  return suite.backend.kind === 'local' ? { backend: suite.backend, stateDir: join(suite.resultsRoot, '.evalflow', 'backends', 'local') } : { backend: suite.backend };
}

/** --backend and its flags, checked by the suite schema itself (a flag that does not fit the kind is an unknown key). */
function targetOfFlags(opts: GcOptions): ReapTarget | null {
  if (opts.backend === undefined) {
    const stray = [opts.namespace, opts.kubeconfig, opts.context, opts.dockerHost, opts.dockerSocket, opts.stateDir].some((v) => v !== undefined);
    if (stray) throw new EvalflowError('config_invalid', '--namespace, --kubeconfig, --context, --docker-host, --docker-socket and --state-dir need --backend');
    return null;
  }
  const raw = {
    kind: opts.backend,
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.dockerHost !== undefined ? { host: opts.dockerHost } : {}),
    ...(opts.dockerSocket !== undefined ? { socket_path: opts.dockerSocket } : {}),
    ...(opts.stateDir !== undefined ? { state_dir: opts.stateDir } : {}),
  };
  const backend = parseOrThrow(BackendConfig, raw, `--backend ${opts.backend}`);
  if (!isReapable(backend)) throw new EvalflowError('config_invalid', `--backend ${opts.backend} is not reapable`);
  return { backend };
}

export async function reapTargetsOf(opts: GcOptions): Promise<ReapTarget[]> {
  const targets = await Promise.all(opts.suite.map(targetOfSuite));
  const flagged = targetOfFlags(opts);
  if (flagged !== null) targets.push(flagged);
  if (targets.length === 0) throw new EvalflowError('config_invalid', 'say where to look: --suite <suite.yaml> (repeatable), or --backend kubernetes|docker|local with its flags');
  return targets;
}

type ReaperSchedule = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof reaperWorkflow>>;

export function reaperScheduleOptions(input: ReaperInput, opts: { every: string; taskQueue: string; scheduleId?: string }): ReaperSchedule {
  return {
    scheduleId: opts.scheduleId ?? REAPER_SCHEDULE_ID,
    spec: { intervals: [{ every: opts.every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reaperWorkflow',
      // Temporal appends the scheduled time, so each sweep gets its own id.
      workflowId: REAPER_WORKFLOW_ID,
      taskQueue: opts.taskQueue,
      args: [input],
      staticSummary: `reaper${input.dryRun ? ' (dry run)' : ''}: ${input.targets.map(describeTarget).join('; ')}`.slice(0, 200),
    },
    // A slow sweep is no reason to pile up more; a missed one is not worth catching up on.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false },
  };
}

/** Create the reaper's schedule, or update it in place (keeping a paused one paused), so running this twice is harmless. */
export async function scheduleReaper(client: Client, input: ReaperInput, opts: { every: string; taskQueue: string; scheduleId?: string }): Promise<{ handle: ScheduleHandle; created: boolean }> {
  const options = reaperScheduleOptions(input, opts);
  try {
    return { handle: await client.schedule.create(options), created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(options.scheduleId);
    await handle.update((previous) => ({ spec: options.spec, action: options.action, ...(options.policies ? { policies: options.policies } : {}), state: { paused: previous.state.paused } }));
    return { handle, created: false };
  }
}

export function formatReport(report: TargetReport): string {
  const lines = [`${report.target}: ${report.kept + report.leftovers.length} object(s) made by evalflow, ${report.kept} kept, ${report.leftovers.length} leftover(s)`];
  for (const l of report.leftovers) {
    lines.push(`  ${l.resource.padEnd(9)} ${l.name.padEnd(63)} ${l.state.padEnd(10)} workflow ${l.workflowId ?? '?'}${l.createdAt ? `  created ${l.createdAt}` : ''}`);
  }
  if (report.dryRun) lines.push(`  dry run: would delete ${report.leftovers.length}`);
  else lines.push(`  deleted ${report.removed.length}${report.failed.length > 0 ? `, failed ${report.failed.length}: ${report.failed.map((f) => `${f.name} (${f.error})`).join(', ')}` : ''}`);
  return lines.join('\n');
}

async function runGc(raw: unknown): Promise<void> {
  const opts = parseOrThrow(GcOptions, raw, 'evalflow gc');
  const targets = await reapTargetsOf(opts);
  const settings = temporalSettingsFromEnv();
  if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set: the reaper asks Temporal which workflows still run (./temporal-dev.sh, then TEMPORAL_ADDRESS=127.0.0.1:7233)');
  const client = await connectClient(settings);
  try {
    const input: ReaperInput = { targets, dryRun: opts.dryRun };
    if (opts.schedule) {
      const { handle, created } = await scheduleReaper(client, input, { every: opts.every, taskQueue: settings.taskQueue });
      console.log(`${created ? 'created' : 'updated'} schedule ${handle.scheduleId}: reaperWorkflow every ${opts.every} on task queue ${settings.taskQueue}${opts.dryRun ? ' (dry run)' : ''}`);
      for (const t of targets) console.log(`  ${describeTarget(t)}`);
      return;
    }
    const backends = createBackends();
    const isWorkflowOpen = workflowOpenIn(client);
    for (const target of targets) {
      try {
        const report = await reapTarget(target, { backends, isWorkflowOpen, dryRun: opts.dryRun });
        console.log(formatReport(report));
        if (report.failed.length > 0) process.exitCode = 1;
      } catch (err) {
        // One unreachable cluster must not hide the others' leftovers.
        console.error(`${describeTarget(target)}: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
      }
    }
  } finally {
    await client.connection.close();
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `evalflow gc`: delete pods, containers and local servers whose workflow is closed or unknown (found by evalflow's labels). */
export function configureGcCommand(program: Command): void {
  program
    .command('gc')
    .description('delete vLLM servers left behind by closed or unknown workflows (needs TEMPORAL_ADDRESS); --schedule runs it on a Temporal Schedule')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--suite <suite.yaml>', "look where this suite's backend runs servers (repeatable)", collect)
    .addOption(new Option('--backend <kind>', 'look at one backend, described by the flags below').choices([...REAPABLE_KINDS]))
    .option('--namespace <ns>', 'kubernetes: the namespace (default evalflow)')
    .option('--kubeconfig <path>', 'kubernetes: kubeconfig file (default in-cluster, then $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubernetes: kubeconfig context')
    .option('--docker-host <url>', 'docker: Engine over TCP, e.g. http://127.0.0.1:2375')
    .option('--docker-socket <path>', 'docker: Engine socket (default /var/run/docker.sock)')
    .option('--state-dir <dir>', 'local: the pid-file folder (<results>/.evalflow/backends/local)')
    .option('--schedule', 'create or update the Temporal Schedule that runs the reaper workflow, instead of reaping now')
    .option('--every <duration>', 'with --schedule: how often, e.g. 15m, 1h', '15m')
    .action(cliAction(async (opts: Record<string, unknown>) => runGc(opts)));
}
