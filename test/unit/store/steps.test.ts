import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../../../configs/resolve.ts';
import { markStepComplete, planSuite, readManifest } from '../../../store/steps.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function suiteIn(): Promise<Awaited<ReturnType<typeof loadSuite>>> {
  const root = await mkdtemp(join(tmpdir(), 'evalflow-plan-'));
  dirs.push(root);
  return loadSuite('configs/suites/phase1.yaml', { resultsDir: root });
}

const ids = { workflowId: 'wf', runId: 'r1' };
const t0 = new Date('2026-02-24T12:00:00Z');

describe('planSuite', () => {
  it('claims one timestamped folder per kind, quality benchmarks inside one quality folder', async () => {
    const suite = await suiteIn();
    const plan = await planSuite(suite, ids, t0);
    expect(plan.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(plan.steps[0]?.dir).toBe(join(suite.resultsRoot, 'throughput', 'throughput-20260224T120000Z'));
    expect(plan.qualityDir).toBe(join(suite.resultsRoot, 'quality', 'quality-20260224T120000Z'));
    expect(plan.steps[2]?.dir).toBe(join(plan.qualityDir!, 'gsm8k'));
    expect((await readManifest(plan.steps[0]!.dir))?.status).toBe('running');
  });

  it('is idempotent: planning again (a retry, later) finds the same folders', async () => {
    const suite = await suiteIn();
    const first = await planSuite(suite, ids, t0);
    const second = await planSuite(suite, { workflowId: 'wf', runId: 'r2' }, new Date('2026-02-24T13:00:00Z'));
    expect(second.steps.map((s) => s.dir)).toEqual(first.steps.map((s) => s.dir));
    expect(await readdir(join(suite.resultsRoot, 'throughput'))).toHaveLength(1);
  });

  it('a completed step is skipped with its summary; a changed config gets a new folder', async () => {
    const suite = await suiteIn();
    const first = await planSuite(suite, ids, t0);
    const tp = first.steps[0]!;
    await markStepComplete(tp.dir, (await readManifest(tp.dir))!, { request_throughput_rps: 12.5 }, t0);
    const again = await planSuite(suite, ids, t0);
    expect(again.steps[0]).toMatchObject({ status: 'complete', summary: { request_throughput_rps: 12.5 }, dir: tp.dir });

    const changed = structuredClone(suite);
    changed.benchmark.throughput.num_prompts += 1;
    const other = await planSuite(changed, ids, new Date('2026-02-24T14:00:00Z'));
    expect(other.steps[0]?.status).toBe('pending');
    expect(other.steps[0]?.dir).not.toBe(tp.dir);
    // online was not complete and its config did not change: the partial folder is resumed.
    expect(other.steps[1]?.dir).toBe(first.steps[1]?.dir);
  });

  it('reuses a benchmark finished in another quality run when the quality folder changes', async () => {
    const suite = await suiteIn();
    const first = await planSuite(suite, ids, t0);
    const gsm8k = first.steps.find((s) => s.step === 'gsm8k')!;
    await markStepComplete(gsm8k.dir, (await readManifest(gsm8k.dir))!, { accuracy_pct: 90 }, t0);
    const changed = structuredClone(suite);
    changed.eval.benchmarks.math!.subset_size = 2;
    const next = await planSuite(changed, ids, new Date('2026-02-24T15:00:00Z'));
    expect(next.qualityDir).not.toBe(first.qualityDir);
    const reused = next.steps.find((s) => s.step === 'gsm8k')!;
    expect(reused.status).toBe('complete');
    expect(reused.dir.startsWith(next.qualityDir!)).toBe(true);
    expect(JSON.parse(await readFile(join(reused.dir, '.evalflow-step.json'), 'utf8'))).toMatchObject({ status: 'complete' });
    expect(next.steps.find((s) => s.step === 'math')?.status).toBe('pending');
  });

  it('keeps two runs planned in the same second apart', async () => {
    const suite = await suiteIn();
    await planSuite(suite, ids, t0);
    const changed = structuredClone(suite);
    changed.benchmark.throughput.num_prompts += 1;
    const second = await planSuite(changed, ids, t0);
    expect(second.steps[0]?.dir).toBe(join(suite.resultsRoot, 'throughput', 'throughput-20260224T120000Z-2'));
  });
});
