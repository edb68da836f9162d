import { ApplicationFailure, isCancellation, log, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import type { ReapTarget, TargetReport } from '../activities/reaper.ts';

type Activities = ReturnType<typeof createActivities>;

/** Listing and deleting is quick; heartbeats show which object it is on. Bad config is not retried. */
const reap: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '5s', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['config_invalid', 'input_invalid'] },
};

const acts = proxyActivities<Activities>(reap);

export interface ReaperInput {
  targets: ReapTarget[];
  /** List what would be deleted, delete nothing. */
  dryRun: boolean;
}

export interface ReaperResult {
  dryRun: boolean;
  targets: TargetReport[];
}

function where(target: ReapTarget): string {
  const { backend } = target;
  return backend.kind === 'kubernetes' ? `kubernetes/${backend.namespace}` : backend.kind;
}

/**
 * Deletes the pods, containers and local servers whose workflow is closed or unknown: a terminated workflow runs
 * no `finally`, so its server would hold GPUs forever. Runs on a Temporal Schedule (`evalflow gc --schedule`).
 * Every target is visited even when one fails; the run fails at the end if any did, so the Schedule shows it.
 */
export async function reaperWorkflow(input: ReaperInput): Promise<ReaperResult> {
  const reports: TargetReport[] = [];
  const errors: string[] = [];
  for (const target of input.targets) {
    try {
      reports.push(await acts.reapLeftovers.executeWithOptions({ ...reap, summary: `${input.dryRun ? 'list' : 'reap'} leftovers on ${where(target)}` }, [{ target, dryRun: input.dryRun }]));
    } catch (err) {
      if (isCancellation(err)) throw err;
      const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      errors.push(`${where(target)}: ${message}`);
      log.warn('reaper target failed', { target: where(target), error: message });
    }
  }
  for (const r of reports) for (const f of r.failed) errors.push(`${r.target}: cannot delete ${f.name}: ${f.error}`);
  const lines = reports.map((r) => `- ${r.target}: ${r.leftovers.length} leftover(s), ${input.dryRun ? 'dry run' : `${r.removed.length} deleted`}, ${r.kept} kept`);
  setCurrentDetails([`**reaper**${input.dryRun ? ' (dry run)' : ''}`, ...lines, ...errors.map((e) => `- ❌ ${e}`)].join('\n'));
  const result: ReaperResult = { dryRun: input.dryRun, targets: reports };
  if (errors.length > 0) throw ApplicationFailure.create({ type: 'backend_api', message: `the reaper failed on ${errors.length} target(s): ${errors.join('; ')}`, nonRetryable: true, details: [result] });
  return result;
}
