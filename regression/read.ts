import { readJsonFile } from '../store/read-json.ts';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';
import { STEP_MANIFEST } from '../store/layout.ts';
import { THROUGHPUT_FILES } from '../loadgen/steps/throughput.ts';
import { ONLINE_FILES } from '../loadgen/steps/online.ts';
import type { ItemOutcome } from '../stats/pairing.ts';
import type { MetricValues, OnlineRowData, ThroughputData } from './types.ts';

/*
 * Read-only access to one run's folders in the results tree (README "Results layout"). Parsed at the
 * boundary with loose schemas: the writers own the full shapes, and an older or partial run should
 * still be readable with gaps. Nothing here writes (unlike store/jsonl.ts, which cuts a torn line).
 */

const RUN_META_FILE = 'run_meta.json';

/** Keys that are numbers (or null) but not measurements: an epoch origin, settings echoed back, a free-text note. */
const NOT_METRICS = new Set(['time_origin_ms', 'seed', 'subset_size', 'note']);

const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

export const RunMetaFile = z.object({
  timestamp_utc: nullableString,
  model: nullableString,
  suite: nullableString,
  preset: nullableString,
  backend: nullableString,
  step: nullableString,
  config_hash: nullableString,
  temporal: z
    .object({ workflow_id: nullableString, run_id: nullableString })
    .nullish()
    .transform((v) => v ?? null),
});
export type RunMetaFile = z.infer<typeof RunMetaFile>;

export const StepManifestFile = z.object({
  step: z.string(),
  key: z.string(),
  status: z.enum(['running', 'complete']),
  workflow_id: nullableString,
  run_id: nullableString,
  planned_at: nullableString,
  completed_at: nullableString,
});
export type StepManifestFile = z.infer<typeof StepManifestFile>;

const ResultLine = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  prompt_hash: nullableString,
  correct: z
    .boolean()
    .nullish()
    .transform((v) => v ?? null),
});

function invalid(file: string, reason: string): EvalflowError {
  return new EvalflowError('input_invalid', `${file}: ${reason}`, { file });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** JSONL lines parsed by schema; a torn last line (no newline, crashed writer) is ignored, not cut. */
export async function readJsonlFile<S extends z.ZodType>(schema: S, file: string): Promise<z.infer<S>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const lines = text.split('\n');
  const torn = !text.endsWith('\n');
  const out: z.infer<S>[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (torn && i === lines.length - 1) break;
      throw invalid(`${file}:${i + 1}`, `not valid JSON (${(err as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalid(`${file}:${i + 1}`, parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '));
    out.push(parsed.data);
  }
  return out;
}

/** The top-level numbers (and nulls) of a results object: its headline metrics. */
export function numericValues(record: Record<string, unknown>): MetricValues {
  const out: MetricValues = {};
  for (const [k, v] of Object.entries(record)) {
    if (NOT_METRICS.has(k)) continue;
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (v === null) out[k] = null;
  }
  return out;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

export async function readRunMeta(dir: string): Promise<RunMetaFile | null> {
  return readJsonFile(RunMetaFile, join(dir, RUN_META_FILE));
}

export async function readStepManifest(dir: string): Promise<StepManifestFile | null> {
  return readJsonFile(StepManifestFile, join(dir, STEP_MANIFEST));
}

const ResultsObject = z.record(z.string(), z.unknown());
const SelfChecked = z.object({ self_check_ok: z.boolean().optional() });

function selfCheckOf(record: Record<string, unknown>): boolean | null {
  const parsed = SelfChecked.safeParse(record);
  return parsed.success ? (parsed.data.self_check_ok ?? null) : null;
}

export async function readThroughput(dir: string): Promise<ThroughputData | null> {
  const record = await readJsonFile(ResultsObject, join(dir, THROUGHPUT_FILES.results));
  return record && { values: numericValues(record), self_check_ok: selfCheckOf(record) };
}

const OnlineRowFile = z.looseObject({
  stage: z.string(),
  target_rate_rps: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
});

export async function readOnline(dir: string): Promise<OnlineRowData[] | null> {
  const rows = await readJsonFile(z.array(OnlineRowFile), join(dir, ONLINE_FILES.results));
  return rows && rows.map((r) => ({ stage: r.stage, target_rate_rps: r.target_rate_rps, values: numericValues(r), self_check_ok: selfCheckOf(r) }));
}

/** Per-benchmark file names inside quality-<ts>/<name>/ (store/layout.ts qualityFiles, for any benchmark name). */
function qualityFile(name: string, kind: 'results' | 'metrics'): string {
  return kind === 'results' ? `${name}_results.jsonl` : `${name}_metrics.json`;
}

/** Benchmark subfolders of a quality run folder: those holding <name>_results.jsonl or <name>_metrics.json. */
export async function listBenchmarks(qualityDir: string): Promise<string[]> {
  const entries = await readdir(qualityDir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const files = new Set(await readdir(join(qualityDir, e.name)));
    if (files.has(qualityFile(e.name, 'results')) || files.has(qualityFile(e.name, 'metrics'))) out.push(e.name);
  }
  return out.sort();
}

export async function readQualityMetrics(qualityDir: string, benchmark: string): Promise<MetricValues | null> {
  const record = await readJsonFile(ResultsObject, join(qualityDir, benchmark, qualityFile(benchmark, 'metrics')));
  return record && numericValues(record);
}

export async function readQualityItems(qualityDir: string, benchmark: string): Promise<ItemOutcome[]> {
  const lines = await readJsonlFile(ResultLine, join(qualityDir, benchmark, qualityFile(benchmark, 'results')));
  return lines.map((l) => ({ benchmark, id: l.id, prompt_hash: l.prompt_hash, correct: l.correct }));
}

export { readJsonFile };
