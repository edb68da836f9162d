import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { scalingSweep, SweepProgress, SweepResult } from '../workflows/scaling-sweep.ts';
import type { ComparisonRow } from '../sweep/comparison.ts';
import { PROGRESS_QUERY, SCALING_COMPARISON_JSON } from '../common/constants.ts';

export interface FollowedSweep {
  result: SweepResult | null;
  /** The sweep's failure (some model failed, or it was cancelled); null when it finished. */
  error: unknown;
  /** The last rows the sweep reported, or scaling_comparison.json when the query cannot answer. */
  rows: ComparisonRow[];
}

function line(p: SweepProgress): string {
  const count = (s: string): number => p.models.filter((m) => m.status === s).length;
  const active = p.models.filter((m) => m.status === 'running').map((m) => `${m.model} (${m.gpus} GPU${m.gpus === 1 ? '' : 's'})`);
  return `[${count('done')} done, ${count('failed')} failed, ${count('queued')} queued, ${count('skipped')} skipped] ${p.gpusInUse}/${p.maxGpus} GPUs${active.length > 0 ? `: ${active.join(', ')}` : ''}`;
}

/** Follow a sweep until it ends, one line per change (which models run, what is done), then its result or failure. */
export async function followSweep(handle: WorkflowHandle<typeof scalingSweep>, resultsRoot: string, opts: { intervalMs?: number } = {}): Promise<FollowedSweep> {
  const result = handle.result();
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  let last = '';
  let progress: SweepProgress | null = null;
  while (!finished) {
    try {
      progress = await handle.query<SweepProgress>(PROGRESS_QUERY);
      const text = line(progress);
      if (text !== last) console.log(text);
      last = text;
    } catch {
      // The query needs a worker; before the first workflow task it may not answer yet.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000))]);
  }
  try {
    const value = await result;
    return { result: value, error: null, rows: value.rows };
  } catch (error) {
    const latest = await handle.query<SweepProgress>(PROGRESS_QUERY).catch(() => progress);
    const onDisk = await readFile(join(resultsRoot, SCALING_COMPARISON_JSON), 'utf8').then(
      (t) => JSON.parse(t) as ComparisonRow[],
      () => null,
    );
    return { result: null, error, rows: onDisk ?? latest?.rows ?? [] };
  }
}
