import type { RunRecord } from './record.ts';
import type { RunIndex } from './types.ts';

/** How far back last_good looks; a suite with more unjudged or regressed runs than this in a row has no baseline. */
const LOOKBACK = 200;

/**
 * The latest complete run of the same suite and model, created before `before`, whose recorded
 * verdict is not a regression (a run never judged counts as good: the first nightly has nothing to
 * be judged against). Null when there is none.
 */
export async function lastGoodRun(index: RunIndex, q: { suite: string; model: string; before: string; excludeId?: string }): Promise<RunRecord | null> {
  const runs = await index.list({ suite: q.suite, model: q.model, status: 'complete', limit: LOOKBACK });
  return runs.find((r) => r.model === q.model && r.created_at < q.before && r.id !== q.excludeId && r.verdict?.overall !== 'regressed') ?? null;
}
