/**
 * Load a benchmark dataset (hub or local) into plain rows, with the files read and their checksums for provenance.
 * Path rules live in layouts.ts, parsing in formats.ts, the hub and its cache in hub.ts; this file wires them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { EvalflowError, assertExhaustive, isEvalflowError } from '../common/errors.ts';
import type { BenchmarkName, DatasetSource } from '../configs/schema/eval.ts';
import { sha256Hex } from './cache.ts';
import { parseRows } from './formats.ts';
import type { DatasetRow } from './formats.ts';
import { hubConfigFromEnv, hubFile, hubListing, repoPageUrl } from './hub.ts';
import type { HubConfig, HubListing, HubRepo } from './hub.ts';
import {
  configsWithSplit,
  fileFormat,
  isSafeRelativePath,
  knownLayout,
  knownLayoutPath,
  matchSplitFiles,
  planConfigs,
  triedPatterns,
} from './layouts.ts';
import type { ConfigPlan, FileFormat, KnownLayout } from './layouts.ts';

export type { DatasetRow } from './formats.ts';
export type { HubConfig } from './hub.ts';
export { hubConfigFromEnv } from './hub.ts';

export interface DatasetFile {
  /** The file read on disk (for the hub: its cache path). */
  readonly path: string;
  readonly sha256: string;
  readonly rows: number;
}

export interface LoadedDataset {
  readonly rows: DatasetRow[];
  /** In the order their rows appear. */
  readonly files: DatasetFile[];
  /** Where the rows come from: the hub page of repo@revision, or the local path it resolved to. */
  readonly origin: string;
}

export interface LoadOptions {
  /** Hub downloads are cached under here: `<cacheDir>/<owner>/<name>/<revision>/<path>`. */
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  /** Relative local paths resolve against this (default: the working directory). */
  readonly baseDir?: string;
  /** Default: HF_ENDPOINT and HF_TOKEN from the environment. */
  readonly hub?: HubConfig;
  /** Adds where-to-get-it advice to a dataset_missing error. */
  readonly benchmark?: BenchmarkName;
}

/** Advice appended when a benchmark's data is missing; RouterBench is never downloaded, so it needs a pointer. */
const MISSING_DATA_HINTS: Partial<Record<BenchmarkName, string>> = {
  routerbench:
    'RouterBench is not bundled with evalflow: see data/routerbench/README.md for where to get it and how to convert it to the JSONL evalflow reads.',
};

/** The split the source names. */
export function loadDataset(source: DatasetSource, opts: LoadOptions): Promise<LoadedDataset> {
  return loadSplit(source, source.split, opts);
}

/** Another split of the same dataset, e.g. `train` for few-shot exemplars. */
export async function loadSplit(source: DatasetSource, split: string, opts: LoadOptions): Promise<LoadedDataset> {
  opts.signal?.throwIfAborted();
  try {
    switch (source.source) {
      case 'hub':
        return await loadHub(source, split, opts);
      case 'local':
        return await loadLocal(source, split, opts);
      default:
        return assertExhaustive(source);
    }
  } catch (err) {
    const hint = opts.benchmark === undefined ? undefined : MISSING_DATA_HINTS[opts.benchmark];
    if (hint !== undefined && isEvalflowError(err) && err.code === 'dataset_missing') {
      throw new EvalflowError(err.code, `${err.message}\n${hint}`, { ...err.details, hint }, { cause: err });
    }
    throw err;
  }
}

function configPlan(source: { config?: string | undefined; configs?: string[] | undefined }, layout: KnownLayout | undefined, where: string): ConfigPlan {
  const planned = planConfigs(source, layout);
  if (!planned.ok) throw new EvalflowError('config_invalid', `dataset ${where}: ${planned.reason}`, { dataset: where });
  return planned.plan;
}

/** Collects rows file by file; a list of configs is tagged so rows stay traceable after concatenation. */
class RowSink {
  readonly rows: DatasetRow[] = [];
  readonly files: DatasetFile[] = [];

  async add(file: { path: string; bytes: Uint8Array; sha256: string; format: FileFormat }, tag: string | null): Promise<void> {
    const parsed = await parseRows(file.format, file.bytes, file.path);
    // push in a loop: spreading a 100k-row array into push() overflows the call stack
    for (const row of parsed) this.rows.push(tag === null ? row : { ...row, config: tag });
    this.files.push({ path: file.path, sha256: file.sha256, rows: parsed.length });
  }
}

function noSplitFiles(where: string, files: readonly string[], config: string | null, split: string): EvalflowError {
  const tried = triedPatterns(config, split);
  const configs = configsWithSplit(files, split);
  const which = config === null ? `split ${split}` : `config ${config}, split ${split}`;
  const hint = configs.length > 0 ? `; configs that have this split: ${configs.join(', ')} (set config or configs)` : '';
  return new EvalflowError('dataset_missing', `dataset ${where}: no files for ${which} (tried ${tried.join(', ')})${hint}`, {
    dataset: where,
    config,
    split,
    tried,
  });
}

async function loadHub(source: Extract<DatasetSource, { source: 'hub' }>, split: string, opts: LoadOptions): Promise<LoadedDataset> {
  // Known layouts describe the main branches; the parquet-conversion refs are laid out differently.
  const layout = source.revision.startsWith('refs/convert/') ? undefined : knownLayout(source.repo);
  const plan = configPlan(source, layout, source.repo);
  const repo: HubRepo = { hub: opts.hub ?? hubConfigFromEnv(), repo: source.repo, revision: source.revision, cacheDir: opts.cacheDir, signal: opts.signal };
  const sink = new RowSink();
  let listing: HubListing | undefined;
  for (const config of plan.configs) {
    let wanted: { path: string; sha256?: string | undefined }[];
    if (layout !== undefined) {
      wanted = [{ path: knownLayoutPath(layout, config, split) }];
    } else {
      listing ??= await hubListing(repo);
      const paths = listing.files.map((f) => f.path).filter(isSafeRelativePath);
      const match = matchSplitFiles(paths, config, split);
      if (match === null) throw noSplitFiles(source.repo, paths, config, split);
      const shaOf = new Map(listing.files.map((f) => [f.path, f.sha256]));
      wanted = match.files.map((path) => ({ path, sha256: shaOf.get(path) }));
    }
    for (const w of wanted) {
      // config and split are filled into the path, and the path into the cache folder: neither may climb out
      if (!isSafeRelativePath(w.path)) throw new EvalflowError('config_invalid', `dataset ${source.repo}: unsafe file path ${JSON.stringify(w.path)}`, { path: w.path });
      const format = formatOf(w.path, source.repo);
      opts.signal?.throwIfAborted();
      const file = await hubFile(repo, w.path, w.sha256);
      await sink.add({ path: file.cachePath, bytes: file.bytes, sha256: file.sha256, format }, plan.tagRows ? config : null);
    }
  }
  return { rows: sink.rows, files: sink.files, origin: repoPageUrl(repo) };
}

/** The rules only pick known extensions; this guards the single-file case and keeps the type narrow. */
function formatOf(path: string, where: string): FileFormat {
  const format = fileFormat(path);
  if (format === undefined) {
    throw new EvalflowError('dataset_invalid', `dataset ${where}: ${path}: unknown file type; use .parquet, .jsonl or .json (an array of objects)`, { path });
  }
  return format;
}

async function readLocal(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  const bytes = await readFile(path);
  return { bytes, sha256: sha256Hex(bytes) };
}

/** Files under a folder as `/`-separated relative paths, like a hub listing; dot-files (sidecars, caches) are skipped. */
async function listFolder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !p.split('/').some((seg) => seg.startsWith('.')));
}

async function loadLocal(source: Extract<DatasetSource, { source: 'local' }>, split: string, opts: LoadOptions): Promise<LoadedDataset> {
  const path = resolve(opts.baseDir ?? process.cwd(), source.path);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    throw new EvalflowError('dataset_missing', `dataset not found: ${path} does not exist (from path ${JSON.stringify(source.path)})`, { path });
  }
  const sink = new RowSink();
  if (info.isFile()) {
    if (source.config !== undefined || source.configs !== undefined) {
      throw new EvalflowError('config_invalid', `dataset ${path}: a single file holds one split of one config; drop config/configs or point path at a folder laid out like the hub repo`, { path });
    }
    // A file has no other splits; handing back the same rows for `train` would leak test items into few-shot prompts.
    if (split !== source.split) {
      throw new EvalflowError('dataset_missing', `dataset ${path}: a single file holds only split ${source.split}, so split ${split} is unavailable; point path at a folder laid out like the hub repo (or use no few-shot exemplars)`, { path, split });
    }
    await sink.add({ path, format: formatOf(path, path), ...(await readLocal(path)) }, null);
    return { rows: sink.rows, files: sink.files, origin: path };
  }
  const plan = configPlan(source, undefined, path);
  const files = await listFolder(path);
  for (const config of plan.configs) {
    const match = matchSplitFiles(files, config, split);
    if (match === null) throw noSplitFiles(path, files, config, split);
    for (const rel of match.files) {
      const full = join(path, ...rel.split('/'));
      opts.signal?.throwIfAborted();
      await sink.add({ path: full, format: formatOf(rel, path), ...(await readLocal(full)) }, plan.tagRows ? config : null);
    }
  }
  return { rows: sink.rows, files: sink.files, origin: path };
}
