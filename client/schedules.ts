import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleOptions, ScheduleOptionsStartWorkflowAction, ScheduleHandle, ScheduleUpdateOptions } from '@temporalio/client';
import { loadSchedule } from '../configs/resolve-schedule.ts';
import type { OverlapPolicyName, ScheduleConfig } from '../configs/schema/schedule.ts';
import type { ResolvedSuite } from '../configs/resolve.ts';
import { TASK_QUEUE, WORKFLOW_ID_PREFIX } from '../common/constants.ts';
import { waitFor } from './wait.ts';
import type { NightlyInput, nightlyRegression } from '../workflows/nightly-regression.ts';

const OVERLAP = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
} satisfies Record<OverlapPolicyName, ScheduleOverlapPolicy>;

export function nightlyInput(schedule: ScheduleConfig, suite: ResolvedSuite): NightlyInput {
  return {
    suite,
    baseline: schedule.baseline,
    policy: schedule.regression,
    ...(schedule.webhook_url_env ? { webhookUrlEnv: schedule.webhook_url_env } : {}),
    ...(schedule.run_index ? { runIndex: schedule.run_index } : {}),
  };
}

/** The Temporal schedule for a schedule YAML; the resolved suite is frozen into the action (re-create to pick up edits). */
type NightlySchedule = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof nightlyRegression>>;

export function scheduleOptions(schedule: ScheduleConfig, suite: ResolvedSuite, taskQueue = TASK_QUEUE): NightlySchedule {
  return {
    scheduleId: schedule.id,
    spec: {
      cronExpressions: schedule.spec.cron,
      calendars: schedule.spec.calendar.map((c) => ({ hour: c.hour, minute: c.minute, ...(c.day_of_week ? { dayOfWeek: c.day_of_week } : {}) })),
      timezone: schedule.spec.timezone,
      ...(schedule.spec.jitter ? { jitter: schedule.spec.jitter } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'nightlyRegression',
      // Temporal appends the scheduled time, so each night gets its own id (and run tag).
      workflowId: `${WORKFLOW_ID_PREFIX}/nightly/${schedule.id}`,
      taskQueue,
      args: [nightlyInput(schedule, suite)],
      staticSummary: `nightly ${suite.name} · ${suite.model.name} vs ${schedule.baseline.kind}`,
    },
    policies: {
      overlap: OVERLAP[schedule.policies.overlap],
      catchupWindow: schedule.policies.catchup_window,
      pauseOnFailure: schedule.policies.pause_on_failure,
    },
    ...(schedule.description ? { memo: { description: schedule.description } } : {}),
  };
}

/** The same schedule as an update (keeps a paused schedule paused). */
export function scheduleUpdate(options: NightlySchedule, paused: boolean): ScheduleUpdateOptions<NightlySchedule['action']> {
  return { spec: options.spec, action: options.action, ...(options.policies ? { policies: options.policies } : {}), state: { paused } };
}

/** Create the schedule, or update it in place when it exists (so `create` is idempotent). */
export async function createOrUpdateSchedule(client: Client, path: string, taskQueue?: string): Promise<{ handle: ScheduleHandle; created: boolean }> {
  const { schedule, suite } = await loadSchedule(path);
  const options = scheduleOptions(schedule, suite, taskQueue);
  try {
    return { handle: await client.schedule.create(options), created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(schedule.id);
    await handle.update((previous) => scheduleUpdate(options, previous.state.paused));
    return { handle, created: false };
  }
}

/** Start one run of a schedule now; resolves with the workflow id of the run it started. */
export async function triggerSchedule(client: Client, id: string): Promise<string> {
  const handle = client.schedule.getHandle(id);
  const before = new Set((await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
  // ALLOW_ALL: a manual trigger should run even while a scheduled night is still going.
  await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  return waitFor(
    async () => {
      const d = await handle.describe();
      const ids = [...d.info.runningActions.map((a) => a.workflow.workflowId), ...d.info.recentActions.map((a) => a.action.workflow.workflowId)];
      return ids.find((w) => !before.has(w)) ?? null;
    },
    30_000,
    `schedule ${id} to start the triggered run`,
  );
}
