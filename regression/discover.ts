import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunMetaFile } from './read.ts';
import { isDirectory, listBenchmarks, readRunMeta, readStepManifest } from './read.ts';
import { RUN_KINDS } from './run-ref.ts';
import type { RunRef, RunRefKind } from './run-ref.ts';

/** One timestamped run folder of a results root, with what its manifests and run_meta say. */
export interface RunFolder {
  kind: RunRefKind;
  /** Absolute. */
  dir: string;
  workflow_id: string | null;
  run_id: string | null;
  /** run_meta's timestamp_utc, else the manifest's planned_at (ISO); null when neither exists. */
  started_at: string | null;
  /** Throughput/online: the manifest says complete. Quality: every benchmark subfolder with a manifest is complete, and there is one. */
  complete: boolean;
  /** Finished steps: the kind itself, or the quality benchmarks that are complete. */
  steps: string[];
  meta: RunMetaFile | null;
}

async function describeFolder(kind: RunRefKind, dir: string): Promise<RunFolder> {
  const meta = await readRunMeta(dir);
  const manifest = await readStepManifest(dir);
  let complete = manifest?.status === 'complete';
  let steps: string[] = complete ? [kind] : [];
  if (kind === 'quality') {
    // The quality folder's own manifest is only a claim; each benchmark subfolder is marked complete on its own.
    steps = [];
    let unfinished = 0;
    for (const bench of await listBenchmarks(dir)) {
      const m = await readStepManifest(join(dir, bench));
      if (m && m.status !== 'complete') unfinished++;
      else steps.push(bench);
    }
    complete = steps.length > 0 && unfinished === 0;
  }
  return {
    kind,
    dir,
    workflow_id: meta?.temporal?.workflow_id ?? manifest?.workflow_id ?? null,
    run_id: meta?.temporal?.run_id ?? manifest?.run_id ?? null,
    started_at: meta?.timestamp_utc ?? manifest?.planned_at ?? null,
    complete,
    steps,
    meta,
  };
}

/** The run folder a path names, or null when it is not <kind>-<timestamp> with a known kind. */
export function kindOfFolder(name: string): RunRefKind | null {
  return RUN_KINDS.find((k) => name.startsWith(`${k}-`)) ?? null;
}

export async function describeRunFolder(dir: string): Promise<RunFolder | null> {
  const abs = resolve(dir);
  const kind = kindOfFolder(abs.split(/[\\/]/).pop() ?? '');
  return kind ? describeFolder(kind, abs) : null;
}

/** Every run folder under results/<kind>/, sorted by kind, then folder name (= timestamp). */
export async function discoverRunFolders(resultsRoot: string): Promise<RunFolder[]> {
  const root = resolve(resultsRoot);
  const out: RunFolder[] = [];
  for (const kind of RUN_KINDS) {
    const kindDir = join(root, kind);
    if (!(await isDirectory(kindDir))) continue;
    const names = (await readdir(kindDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name.startsWith(`${kind}-`))
      .map((e) => e.name)
      .sort();
    for (const name of names) out.push(await describeFolder(kind, join(kindDir, name)));
  }
  return out;
}

/** Whether a directory looks like a results root (has a throughput, online or quality folder). */
export async function isResultsRoot(dir: string): Promise<boolean> {
  for (const kind of RUN_KINDS) if (await isDirectory(join(dir, kind))) return true;
  return false;
}

function newest(folders: readonly RunFolder[]): RunFolder | undefined {
  return [...folders].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? '') || a.dir.localeCompare(b.dir)).pop();
}

/**
 * The latest finished run of a results root: the newest complete folder, then the newest complete
 * folder of each other kind from the same workflow (so a root holding several models' runs does not mix them).
 */
export function latestRunRef(folders: readonly RunFolder[]): RunRef | null {
  const complete = folders.filter((f) => f.complete);
  const last = newest(complete);
  if (!last) return null;
  const ref: RunRef = {};
  for (const kind of RUN_KINDS) {
    const pick = newest(complete.filter((f) => f.kind === kind && (last.workflow_id === null || f.workflow_id === last.workflow_id)));
    if (pick) ref[kind] = pick.dir;
  }
  return ref;
}
