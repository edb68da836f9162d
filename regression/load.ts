import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parseConfigText } from '../configs/load.ts';
import { EvalflowError } from '../common/errors.ts';
import { discoverRunFolders, isResultsRoot, kindOfFolder, latestRunRef } from './discover.ts';
import { isDirectory, listBenchmarks, readOnline, readQualityItems, readQualityMetrics, readRunMeta, readStepManifest, readThroughput } from './read.ts';
import { RUN_KINDS, RunRef } from './run-ref.ts';
import type { QualityBenchmarkData, RunData, RunLabel } from './types.ts';

/** A RunRef JSON (or YAML) file, validated; its relative folder paths are made absolute against the file's folder. */
export async function readRunRefFile(file: string): Promise<RunRef> {
  const text = await readFile(file, 'utf8');
  const ref = parseConfigText(RunRef, text, file);
  const base = dirname(resolve(file));
  const out: RunRef = { ...ref };
  for (const kind of RUN_KINDS) {
    const p = ref[kind];
    if (p !== undefined) out[kind] = isAbsolute(p) ? p : resolve(base, p);
  }
  return out;
}

/**
 * What a command-line argument names: a RunRef file, one run folder (<kind>-<timestamp>), or a
 * results root (its latest finished run, see latestRunRef).
 */
export async function runRefFromPath(path: string): Promise<RunRef> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new EvalflowError('input_invalid', `${path}: no such file or folder`);
  }
  if (!isDir) return readRunRefFile(path);
  const kind = kindOfFolder(basename(resolve(path)));
  if (kind) return { [kind]: resolve(path) };
  if (await isResultsRoot(path)) {
    const ref = latestRunRef(await discoverRunFolders(path));
    if (!ref) throw new EvalflowError('input_invalid', `${path}: no finished run folder under throughput/, online/ or quality/`);
    return ref;
  }
  throw new EvalflowError('input_invalid', `${path}: neither a results root, a run folder nor a RunRef file`);
}

function defaultLabel(ref: RunRef): string {
  return RUN_KINDS.flatMap((k) => (ref[k] ? [basename(ref[k])] : [])).join(' + ');
}

async function qualityData(dir: string, notes: string[]): Promise<QualityBenchmarkData[]> {
  const out: QualityBenchmarkData[] = [];
  for (const benchmark of await listBenchmarks(dir)) {
    const manifest = await readStepManifest(resolve(dir, benchmark));
    // A partial benchmark would bias accuracy towards whatever finished first; compare only finished ones.
    if (manifest && manifest.status !== 'complete') {
      notes.push(`${benchmark}: step not complete, left out`);
      continue;
    }
    out.push({ benchmark, metrics: await readQualityMetrics(dir, benchmark), items: await readQualityItems(dir, benchmark) });
  }
  return out;
}

/** Read one run's folders into the verdict's plain inputs. A folder that does not exist is an error; a missing results file is a note. */
export async function loadRunData(ref: RunRef): Promise<RunData> {
  const notes: string[] = [];
  for (const kind of RUN_KINDS) {
    const dir = ref[kind];
    if (dir !== undefined && !(await isDirectory(dir))) throw new EvalflowError('input_invalid', `${kind} folder ${dir} does not exist`);
  }
  const throughput = ref.throughput ? await readThroughput(ref.throughput) : null;
  if (ref.throughput && !throughput) notes.push(`${ref.throughput}: no throughput_results.json`);
  const online = ref.online ? await readOnline(ref.online) : null;
  if (ref.online && !online) notes.push(`${ref.online}: no online_results.json`);
  const quality = ref.quality ? await qualityData(ref.quality, notes) : null;

  const metas = await Promise.all(RUN_KINDS.map((k) => (ref[k] ? readRunMeta(ref[k]) : Promise.resolve(null))));
  const meta = metas.find((m) => m !== null) ?? null;
  const label: RunLabel = {
    name: ref.label ?? defaultLabel(ref),
    workflow_id: meta?.temporal?.workflow_id ?? null,
    run_id: meta?.temporal?.run_id ?? null,
    model: meta?.model ?? null,
    config_hash: meta?.config_hash ?? null,
    folders: ref,
  };
  return { label, throughput, online, quality, notes };
}

/** For callers that start from a path: resolve it (runRefFromPath) and load. */
export async function loadRunDataFromPath(path: string): Promise<RunData> {
  return loadRunData(await runRefFromPath(path));
}
