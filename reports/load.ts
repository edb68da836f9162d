import { readJsonFile } from '../store/read-json.ts';
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';
import { ONLINE_FILES } from '../loadgen/steps/online.ts';
import { THROUGHPUT_FILES } from '../loadgen/steps/throughput.ts';
import type { RunKind } from '../store/layout.ts';
import { kindRoot } from '../store/layout.ts';
import type { RunFolder, RunReportData, SweepReportData } from './model.ts';
import { OnlineResultsFile, QualitySummaryFile, RawResultsFile, RunMetaFile, ScalingComparisonFile, ThroughputResultsFile } from './schema.ts';

/** The file whose presence makes a run folder reportable: written at the end of its step. */
export const RESULT_FILES = {
  throughput: THROUGHPUT_FILES.results,
  online: ONLINE_FILES.results,
  quality: 'quality_summary.json', // benchmarks/summary.ts
} as const satisfies Record<RunKind, string>;
const RUN_META = 'run_meta.json'; // store/run-meta.ts
export const SCALING_FILE = 'scaling_comparison.json';

/** Chosen run folders; a kind left out is not in the report. */
export type RunFolders = Partial<Record<RunKind, string>>;

const KINDS: readonly RunKind[] = ['throughput', 'online', 'quality'];

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

async function has(dir: string, file: string): Promise<boolean> {
  try {
    return (await readdir(dir)).includes(file);
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * The newest folder of each kind that holds its results file. Folder names end in a compact UTC timestamp
 * (store/layout.ts), so name order is time order; a newer folder still being written is passed over.
 */
export async function latestRunFolders(resultsRoot: string): Promise<RunFolders> {
  const out: RunFolders = {};
  for (const kind of KINDS) {
    const root = kindRoot(resultsRoot, kind);
    let names: string[];
    try {
      names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && e.name.startsWith(`${kind}-`)).map((e) => e.name);
    } catch (err) {
      if (isMissing(err)) continue;
      throw err;
    }
    for (const name of names.sort().reverse()) {
      if (await has(join(root, name), RESULT_FILES[kind])) {
        out[kind] = join(root, name);
        break;
      }
    }
  }
  return out;
}

/** Which kind each given folder is, by the results file it holds (a renamed folder still works). */
export async function classifyFolders(dirs: readonly string[]): Promise<RunFolders> {
  const out: RunFolders = {};
  for (const dir of dirs) {
    const kind = await kindOf(dir);
    if (kind === null) throw new EvalflowError('input_invalid', `${dir}: not a run folder (no ${Object.values(RESULT_FILES).join(', ')})`, { dir });
    if (out[kind] !== undefined) throw new EvalflowError('input_invalid', `two ${kind} folders given: ${out[kind]} and ${dir}`, { dir });
    out[kind] = dir;
  }
  return out;
}

async function kindOf(dir: string): Promise<RunKind | null> {
  for (const kind of KINDS) if (await has(dir, RESULT_FILES[kind])) return kind;
  return null;
}

async function folder<S extends z.ZodType>(dir: string | undefined, file: string, schema: S): Promise<RunFolder<z.infer<S>> | null> {
  if (dir === undefined) return null;
  const data = await readJsonFile(schema, join(dir, file));
  if (data === null) throw new EvalflowError('input_invalid', `${dir}: ${file} is missing`, { dir });
  return { dir, meta: await readJsonFile(RunMetaFile, join(dir, RUN_META)), data };
}

/** A run from a results root (the latest folder of each kind) or from chosen folders. */
export async function loadRun(source: string | RunFolders): Promise<RunReportData> {
  const folders = typeof source === 'string' ? await latestRunFolders(source) : source;
  if (KINDS.every((k) => folders[k] === undefined)) {
    const where = typeof source === 'string' ? `under ${resolve(source)}` : 'given';
    throw new EvalflowError('input_invalid', `no run folders ${where}: expected throughput/, online/ or quality/ folders holding ${Object.values(RESULT_FILES).join(', ')}`);
  }
  const throughput = await folder(folders.throughput, RESULT_FILES.throughput, ThroughputResultsFile);
  return {
    throughput: throughput && { ...throughput, records: await readJsonFile(RawResultsFile, join(throughput.dir, THROUGHPUT_FILES.raw)) },
    online: await folder(folders.online, RESULT_FILES.online, OnlineResultsFile),
    quality: await folder(folders.quality, RESULT_FILES.quality, QualitySummaryFile),
  };
}

export async function loadSweep(sweepDir: string): Promise<SweepReportData> {
  const rows = await readJsonFile(ScalingComparisonFile, join(sweepDir, SCALING_FILE));
  if (rows === null) throw new EvalflowError('input_invalid', `${sweepDir}: ${SCALING_FILE} is missing (is ${basename(sweepDir)} a sweep folder?)`, { dir: sweepDir });
  return { dir: sweepDir, rows };
}
