import { relative } from 'node:path';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Phase1Progress, Phase1Result, StepOutcome, phase1Suite } from '../workflows/phase1-suite.ts';
import { PROGRESS_QUERY } from '../common/constants.ts';

/** The heartbeat details of the suite's running activity (done/total, accuracy so far...), decoded. */
async function currentHeartbeat(client: Client, handle: WorkflowHandle<typeof phase1Suite>): Promise<Record<string, unknown> | null> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  if (!payload) return null;
  const value: unknown = client.options.loadedDataConverter.payloadConverter.fromPayload(payload);
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
}

function heartbeatText(hb: Record<string, unknown> | null): string {
  if (!hb) return '';
  const parts: string[] = [];
  if (typeof hb.done === 'number' && typeof hb.total === 'number') parts.push(`${hb.done}/${hb.total}`);
  if (typeof hb.rate === 'number' || typeof hb.rate === 'string') parts.push(`rate ${String(hb.rate)}`);
  if (typeof hb.accuracy_pct_so_far === 'number') parts.push(`acc ${hb.accuracy_pct_so_far.toFixed(1)}%`);
  if (typeof hb.elapsed_s === 'number') parts.push(`${hb.elapsed_s}s`);
  if (typeof hb.last_error === 'string') parts.push(hb.last_error);
  return parts.join(' · ');
}

/**
 * Follow a suite until it ends: a progress bar on a terminal, one line per change elsewhere (CI logs).
 * Returns the workflow result (or throws its failure).
 */
export async function followSuite(client: Client, handle: WorkflowHandle<typeof phase1Suite>, opts: { tty: boolean; intervalMs?: number }): Promise<Phase1Result> {
  const result = handle.result();
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const bar = opts.tty ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} steps | {phase} {step} {detail}', hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  let lastLine = '';
  while (!finished) {
    try {
      const progress = await handle.query<Phase1Progress>(PROGRESS_QUERY);
      const detail = heartbeatText(await currentHeartbeat(client, handle).catch(() => null));
      const payload = { phase: progress.phase, step: progress.currentStep ?? '', detail };
      if (bar) {
        if (!started) bar.start(progress.stepsTotal, progress.stepsDone, payload);
        else bar.update(progress.stepsDone, payload);
        started = true;
      } else {
        const line = `[${progress.stepsDone}/${progress.stepsTotal}] ${progress.phase}${progress.currentStep ? ` ${progress.currentStep}` : ''}`;
        if (line !== lastLine) console.log(line);
        lastLine = line;
      }
    } catch {
      // The query needs a worker; before the first workflow task it may not answer yet.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, opts.intervalMs ?? 500))]);
  }
  try {
    const value = await result;
    if (bar && started) bar.update(value.steps.filter((s) => s.status === 'done' || s.status === 'skipped').length, { phase: 'done', step: '', detail: '' });
    return value;
  } finally {
    bar?.stop();
  }
}

const HEADLINE_KEYS = [
  'request_throughput_rps',
  'output_throughput_tps',
  'mean_ttft_ms',
  'p99_ttft_ms',
  'rates_rps',
  'max_effective_throughput_tps',
  'max_clean_rate_rps',
  'accuracy_pct',
  'scorable_examples',
  'unscorable_examples',
  'gpu_energy_wh',
  'gpu_vram_peak_used_gb',
];

function headline(step: StepOutcome): string {
  if (!step.summary) return '';
  return HEADLINE_KEYS.filter((k) => step.summary?.[k] !== undefined && step.summary[k] !== null)
    .map((k) => {
      const v = step.summary![k];
      return `${k}=${typeof v === 'number' ? Number(v.toFixed(2)) : String(v)}`;
    })
    .join('\n');
}

export function summaryTable(result: Phase1Result): string {
  const table = new Table({ head: ['step', 'status', 'headline', 'folder'], wordWrap: true });
  for (const step of result.steps) table.push([step.step, step.status, headline(step), relative(process.cwd(), step.dir) || '.']);
  return table.toString();
}
