import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { StepManifest } from '../store/steps.ts';
import { STEP_MANIFEST, qualityFiles } from '../store/layout.ts';
import { QUALITY_STEPS } from '../configs/resolve.ts';
import { THROUGHPUT_FILES } from '../loadgen/steps/throughput.ts';
import { ONLINE_FILES } from '../loadgen/steps/online.ts';
import type { FileState, ModelResults, ResultsSnapshot } from './checks.ts';
import { fileKind, fileProblem } from './checks.ts';

/** Every file under `root`, recursively; a folder that vanishes while we look is skipped. */
async function walk(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(root, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const failedCount = (v: unknown): number => (v !== null && typeof v === 'object' && 'failed' in v && typeof v.failed === 'number' ? v.failed : 0);

/** What a complete step must hold besides its manifest (the seed-000 contract, trimmed to the files every run writes). */
function requiredFiles(step: StepManifest['step']): string[] {
  if (step === 'throughput') return [THROUGHPUT_FILES.results, THROUGHPUT_FILES.csv, THROUGHPUT_FILES.raw, THROUGHPUT_FILES.vllmRaw, THROUGHPUT_FILES.stdout, THROUGHPUT_FILES.stderr];
  if (step === 'online') return [ONLINE_FILES.results, ONLINE_FILES.csv];
  if (step === 'quality') return [];
  const f = qualityFiles(step);
  return [f.results, f.metricsJson, f.metricsCsv];
}

async function modelResults(modelRoot: string, model: string, servedModel: string, files: readonly string[]): Promise<ModelResults> {
  const out: ModelResults = { model, servedModel, examples: {}, failedExamples: {}, completeSteps: [], finishedStages: [], failedRequests: 0, missing: [] };
  const mine = files.filter((f) => f.startsWith(`${modelRoot}/`));
  for (const path of mine) {
    const name = basename(path);
    if (name === STEP_MANIFEST) {
      const manifest = (await readJson(path)) as StepManifest | null;
      if (manifest?.status !== 'complete' || manifest.step === 'quality') continue;
      out.completeSteps.push(manifest.step);
      const dir = path.slice(0, -STEP_MANIFEST.length - 1);
      for (const f of requiredFiles(manifest.step)) if (!mine.includes(join(dir, f))) out.missing.push(`${relative(modelRoot, dir)}: complete ${manifest.step} step without ${f}`);
      if (manifest.step === 'throughput') out.failedRequests += failedCount(await readJson(join(dir, THROUGHPUT_FILES.results)));
      if (manifest.step === 'online') {
        const rows = await readJson(join(dir, ONLINE_FILES.results));
        if (Array.isArray(rows)) for (const row of rows) out.failedRequests += failedCount(row);
      }
      continue;
    }
    if (name === ONLINE_FILES.summary && relative(modelRoot, path).startsWith('online/')) {
      // A stage is finished once its summary.json is written; one whose requests failed is not finished work.
      const summary = await readJson(path);
      if (summary !== null && failedCount(summary) === 0) out.finishedStages.push(basename(path.slice(0, -name.length - 1)));
      continue;
    }
    const m = /^([a-z0-9]+)_results\.jsonl$/.exec(name);
    if (m?.[1] !== undefined && (QUALITY_STEPS as readonly string[]).includes(m[1])) {
      const benchmark = m[1];
      const text = (await readText(path)) ?? '';
      const done = new Set(out.examples[benchmark] ?? []);
      const failed = new Set(out.failedExamples[benchmark] ?? []);
      // Only whole lines: a last line without its newline is an append in progress.
      for (const line of text.split('\n').slice(0, -1)) {
        try {
          const parsed = JSON.parse(line) as { id?: unknown; error?: unknown };
          if (typeof parsed.id !== 'string') continue;
          // A line that records a failed request is not an answer: finished means answered.
          if (parsed.error === null || parsed.error === undefined) done.add(parsed.id);
          else failed.add(parsed.id);
        } catch {
          // fileProblem reports the line.
        }
      }
      for (const id of done) failed.delete(id);
      out.examples[benchmark] = [...done].sort();
      out.failedExamples[benchmark] = [...failed].sort();
    }
  }
  out.completeSteps.sort();
  out.finishedStages = [...new Set(out.finishedStages)].sort();
  return out;
}

/** The sweep's results tree as it is now: every file with its parse verdict, and per model what is finished. */
export async function snapshotResults(sweepRoot: string, models: readonly { model: string; servedModel: string }[]): Promise<ResultsSnapshot> {
  const takenAtMs = Date.now();
  const paths = await walk(sweepRoot);
  const files: FileState[] = [];
  const present: string[] = [];
  for (const path of paths) {
    const kind = fileKind(basename(path));
    const text = kind === 'tmp' || kind === 'other' ? '' : await readText(path);
    // Renamed away (a temp file) or removed between the listing and the read.
    if (text === null) continue;
    present.push(path);
    files.push({ path: relative(sweepRoot, path), kind, ...fileProblem(kind, text) });
  }
  const results = await Promise.all(models.map((m) => modelResults(join(sweepRoot, m.model), m.model, m.servedModel, present)));
  return { takenAtMs, files: files.sort((a, b) => a.path.localeCompare(b.path)), models: results };
}
