import { z } from 'zod';
import { hashOf } from '../common/hash.ts';

export const RunStatus = z.enum(['complete', 'partial', 'running', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

/** The run folders of an index entry (a RunRef without a label). */
export const RunFolders = z.strictObject({
  throughput: z.string().optional(),
  online: z.string().optional(),
  quality: z.string().optional(),
});
export type RunFolders = z.infer<typeof RunFolders>;

/** The regression verdict recorded on a run once it was judged against a baseline (a nightly's last_good baseline reads it). */
export const RunVerdict = z.strictObject({
  overall: z.enum(['pass', 'regressed', 'improved', 'inconclusive']),
  baseline_id: z.string().nullable(),
  decided_at: z.string(),
  /** verdict.json, when it was written. */
  report: z.string().nullable(),
});
export type RunVerdict = z.infer<typeof RunVerdict>;

/**
 * One suite run in the index. A run is all the step folders of one Temporal workflow id in one
 * results root: a suite resubmitted after a crash gets a new Temporal run id but the same workflow
 * id and skips finished steps, so its folders carry both run ids and belong together.
 */
export const RunRecord = z.strictObject({
  /** Short stable key: hash of (workflow id, results root). */
  id: z.string().min(1),
  workflow_id: z.string().nullable(),
  /** The latest Temporal run id seen; run_ids lists every one whose folders are included. */
  run_id: z.string().nullable(),
  run_ids: z.array(z.string()),
  suite: z.string().nullable(),
  model: z.string().nullable(),
  preset: z.string().nullable(),
  backend: z.string().nullable(),
  config_hash: z.string().nullable(),
  /** ISO time the earliest step started. */
  created_at: z.string(),
  status: RunStatus,
  results_root: z.string().nullable(),
  folders: RunFolders,
  /** Finished steps: throughput, online, and the quality benchmarks. */
  steps: z.array(z.string()),
  /** Flattened headline metrics: gsm8k.accuracy_pct, throughput.request_throughput_rps, online.rate_8.latency_p99_ms, … */
  metrics: z.record(z.string(), z.number().nullable()),
  /** The config the run used (serving, benchmark, eval, run), nested; compare flattens it. */
  config: z.record(z.string(), z.unknown()),
  registered_at: z.string(),
  /** Kept across re-registration (a scan refreshes metrics, not judgements). */
  verdict: RunVerdict.nullable().default(null),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** The index key; for folders without a workflow id (made by hand), the folder stands in for it. */
export function runKey(workflowId: string | null, resultsRoot: string | null, fallback: string): string {
  return hashOf({ workflow: workflowId ?? fallback, root: resultsRoot }, 12);
}
