import type { ResolvedSuite } from '../configs/resolve.ts';
import type { RunFolder } from '../regression/discover.ts';
import { describeRunFolder, discoverRunFolders } from '../regression/discover.ts';
import { EvalflowError } from '../common/errors.ts';
import type { RunRef } from '../regression/run-ref.ts';
import { RUN_KINDS } from '../regression/run-ref.ts';
import { buildRunRecord } from './build.ts';
import type { RunRecord, RunStatus } from './record.ts';
import type { RunIndex } from './types.ts';

/**
 * Group a results root's folders into runs: by workflow id (a folder without one is a run of its
 * own), keeping per kind the newest complete folder. Groups with no finished folder are left out:
 * they are runs still in progress, or failed before finishing a step.
 */
export function groupRuns(folders: readonly RunFolder[]): RunFolder[][] {
  const groups = new Map<string, RunFolder[]>();
  for (const f of folders) {
    if (!f.complete && f.steps.length === 0) continue;
    const key = f.workflow_id ?? `folder:${f.dir}`;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  const out: RunFolder[][] = [];
  for (const list of groups.values()) {
    const picked: RunFolder[] = [];
    for (const kind of RUN_KINDS) {
      const ofKind = list.filter((f) => f.kind === kind).sort((a, b) => Number(a.complete) - Number(b.complete) || (a.started_at ?? '').localeCompare(b.started_at ?? ''));
      const best = ofKind[ofKind.length - 1];
      if (best) picked.push(best);
    }
    out.push(picked);
  }
  return out;
}

/** Index entries for every run under a results root (runs made before the index existed, or a rebuilt index). */
export async function scanResultsRoot(resultsRoot: string, now: Date = new Date()): Promise<RunRecord[]> {
  const groups = groupRuns(await discoverRunFolders(resultsRoot));
  const records: RunRecord[] = [];
  for (const g of groups) records.push(await buildRunRecord(g, { now }));
  return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Scan and register (insert or refresh); returns what was registered. */
export async function scanAndRegister(index: RunIndex, resultsRoot: string, now: Date = new Date()): Promise<RunRecord[]> {
  const records = await scanResultsRoot(resultsRoot, now);
  for (const r of records) await index.register(r);
  return records;
}

/** The config an index entry keeps, from a resolved suite (what an activity has at hand). */
export function configOfSuite(suite: ResolvedSuite): Record<string, unknown> {
  return {
    serving: suite.serving,
    benchmark: suite.benchmark,
    eval: suite.eval,
    run: { suite: suite.name, model: suite.serving.model, preset: suite.preset, backend: suite.backend.kind, config_hash: suite.configHash, seed: suite.seed },
  };
}

export interface RegisterOptions {
  /** configOfSuite(suite) when the caller has it; else the folders' YAML copies are read. */
  config?: Record<string, unknown>;
  status?: RunStatus;
  now?: Date;
}

/**
 * Register one run by its folders: what a workflow's last activity calls with its plan's run
 * folders (skipped steps' folders included), so the entry is exact rather than scanned.
 */
export async function registerRun(index: RunIndex, ref: RunRef, opts: RegisterOptions = {}): Promise<RunRecord> {
  const folders: RunFolder[] = [];
  for (const kind of RUN_KINDS) {
    const dir = ref[kind];
    if (dir === undefined) continue;
    const folder = await describeRunFolder(dir);
    if (!folder || folder.kind !== kind) throw new EvalflowError('input_invalid', `${dir} is not a ${kind}-<timestamp> run folder`);
    folders.push(folder);
  }
  const record = await buildRunRecord(folders, { now: opts.now ?? new Date(), ...(opts.config ? { config: opts.config } : {}), ...(opts.status ? { status: opts.status } : {}) });
  await index.register(record);
  return record;
}
