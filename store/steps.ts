import { readdir, readFile, cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { StepName } from '../configs/schema/suite.ts';
import { writeJsonAtomic, ensureDir } from './files.ts';
import { STEP_MANIFEST, isQualityStep, kindRoot, qualityRunKey, runFolderName, runKindOf, stepKey } from './layout.ts';
import type { RunKind } from './layout.ts';

/** Headline numbers a finished step reports (small: they travel through workflow history). */
export type StepSummary = Record<string, number | string | boolean | null>;

export interface StepManifest {
  step: StepName | 'quality';
  key: string;
  status: 'running' | 'complete';
  workflow_id: string;
  run_id: string;
  planned_at: string;
  completed_at: string | null;
  summary: StepSummary | null;
}

export interface StepPlan {
  step: StepName;
  key: string;
  /** The seed's timestamped run folder, e.g. results/throughput/throughput-20260224T120000Z */
  runDir: string;
  /** Where the step writes: runDir, or runDir/<benchmark> for quality steps. */
  dir: string;
  status: 'complete' | 'pending';
  summary: StepSummary | null;
}

export interface SuitePlan {
  steps: StepPlan[];
  /** The quality run folder (holds quality_summary.json), when the suite has quality steps. */
  qualityDir: string | null;
}

export interface RunIds {
  workflowId: string;
  runId: string;
}

export async function readManifest(dir: string): Promise<StepManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, STEP_MANIFEST), 'utf8')) as StepManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Written last, atomically: its presence with status complete is what makes a step skippable. */
export async function markStepComplete(dir: string, manifest: StepManifest, summary: StepSummary, now: Date): Promise<void> {
  await writeJsonAtomic(join(dir, STEP_MANIFEST), { ...manifest, status: 'complete', completed_at: now.toISOString(), summary } satisfies StepManifest);
}

async function listRunDirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The run folder whose manifest has this key: a complete one first, else the newest partial one. */
async function findRunDir(root: string, key: string, subdir?: string): Promise<{ dir: string; manifest: StepManifest } | null> {
  let partial: { dir: string; manifest: StepManifest } | null = null;
  for (const dir of await listRunDirs(root)) {
    const manifest = await readManifest(subdir ? join(dir, subdir) : dir);
    if (manifest?.key !== key) continue;
    if (manifest.status === 'complete') return { dir, manifest };
    partial = { dir, manifest };
  }
  return partial;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A new timestamped folder; a suffix keeps two runs planned in the same second apart. */
async function newRunDir(resultsRoot: string, kind: RunKind, now: Date): Promise<string> {
  const base = join(kindRoot(resultsRoot, kind), runFolderName(kind, now));
  let dir = base;
  for (let n = 2; await exists(dir); n++) dir = `${base}-${n}`;
  await ensureDir(dir);
  return dir;
}

function claim(step: StepManifest['step'], key: string, ids: RunIds, now: Date): StepManifest {
  return { step, key, status: 'running', workflow_id: ids.workflowId, run_id: ids.runId, planned_at: now.toISOString(), completed_at: null, summary: null };
}

/**
 * Decide, for every step of a suite, where it writes and whether it is already done.
 * Idempotent: folders are claimed with a manifest keyed by the step's config hash, so a retry
 * (or a resubmitted suite) finds the same folders, skips finished steps and resumes partial ones.
 */
export async function planSuite(suite: ResolvedSuite, ids: RunIds, now: Date): Promise<SuitePlan> {
  const steps: StepPlan[] = [];
  let qualityDir: string | null = null;

  const quality = suite.steps.filter(isQualityStep);
  if (quality.length > 0) {
    const qKey = qualityRunKey(suite);
    const found = await findRunDir(kindRoot(suite.resultsRoot, 'quality'), qKey);
    qualityDir = found?.dir ?? (await newRunDir(suite.resultsRoot, 'quality', now));
    if (!found) await writeJsonAtomic(join(qualityDir, STEP_MANIFEST), claim('quality', qKey, ids, now));
  }

  for (const step of suite.steps) {
    const key = stepKey(suite, step);
    const kind = runKindOf(step);
    if (isQualityStep(step) && qualityDir) {
      const dir = join(qualityDir, step);
      let manifest = await readManifest(dir);
      if (manifest?.key !== key || manifest.status !== 'complete') {
        // The same benchmark with the same settings may be finished in another quality run: reuse its files.
        const done = await findRunDir(kindRoot(suite.resultsRoot, 'quality'), key, step);
        if (done && done.manifest.status === 'complete' && done.dir !== qualityDir) {
          await cp(join(done.dir, step), dir, { recursive: true, force: true });
          manifest = done.manifest;
        } else if (manifest?.key !== key) {
          manifest = claim(step, key, ids, now);
          await writeJsonAtomic(join(dir, STEP_MANIFEST), manifest);
        }
      }
      steps.push({ step, key, runDir: qualityDir, dir, status: manifest.status === 'complete' ? 'complete' : 'pending', summary: manifest.summary });
      continue;
    }
    const found = await findRunDir(kindRoot(suite.resultsRoot, kind), key);
    if (found) {
      const complete = found.manifest.status === 'complete';
      steps.push({ step, key, runDir: found.dir, dir: found.dir, status: complete ? 'complete' : 'pending', summary: found.manifest.summary });
      continue;
    }
    const dir = await newRunDir(suite.resultsRoot, kind, now);
    await writeJsonAtomic(join(dir, STEP_MANIFEST), claim(step, key, ids, now));
    steps.push({ step, key, runDir: dir, dir, status: 'pending', summary: null });
  }
  return { steps, qualityDir };
}
