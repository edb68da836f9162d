import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyFolders, latestRunFolders, loadRun, loadSweep } from '../../../reports/load.ts';
import { isEvalflowError } from '../../../common/errors.ts';
import { buildResultsTree, buildSweep, MODEL } from './fixture.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-reports-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('latestRunFolders', () => {
  it('picks the newest folder of each kind that holds its results file, passing over one still running', async () => {
    const tree = await buildResultsTree(await tmp());
    expect(await latestRunFolders(tree.root)).toEqual({ throughput: tree.throughput, online: tree.online, quality: tree.quality });
  });

  it('leaves out kinds with no folder', async () => {
    const tree = await buildResultsTree(await tmp());
    await rm(join(tree.root, 'online'), { recursive: true });
    expect(await latestRunFolders(tree.root)).toEqual({ throughput: tree.throughput, quality: tree.quality });
  });
});

describe('loadRun', () => {
  it('reads the results, run_meta and raw records of the latest run', async () => {
    const tree = await buildResultsTree(await tmp());
    const run = await loadRun(tree.root);
    expect(run.throughput?.data.output_throughput_tps).toBe(1589.5);
    expect(run.throughput?.records).toHaveLength(408);
    expect(run.throughput?.meta?.model).toBe(MODEL);
    expect(run.online?.data.map((r) => r.target_rate_rps)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(run.quality?.data.benchmarks.map((b) => b.benchmark)).toEqual(['gsm8k', 'math', 'routerbench']);
    expect(run.quality?.meta?.temporal?.workflow_id).toMatch(/^evalflow\/phase1\//);
  });

  it('reads chosen folders, classified by the results file they hold', async () => {
    const tree = await buildResultsTree(await tmp());
    const older = join(tree.root, 'online', 'online-20260223T090000Z');
    const folders = await classifyFolders([older, tree.quality]);
    expect(folders).toEqual({ online: older, quality: tree.quality });
    const run = await loadRun(folders);
    expect(run.throughput).toBeNull();
    expect(run.online?.meta?.model).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('tolerates a missing raw_results.json and run_meta.json', async () => {
    const tree = await buildResultsTree(await tmp());
    await rm(join(tree.throughput, 'raw_results.json'));
    await rm(join(tree.throughput, 'run_meta.json'));
    const run = await loadRun({ throughput: tree.throughput });
    expect(run.throughput?.records).toBeNull();
    expect(run.throughput?.meta).toBeNull();
  });

  it('fails with input_invalid naming the file when a results file is malformed', async () => {
    const tree = await buildResultsTree(await tmp());
    await writeFile(join(tree.online, 'online_results.json'), '[{"stage": 5}]');
    const err = await loadRun(tree.root).catch((e: unknown) => e);
    expect(isEvalflowError(err) && err.code).toBe('input_invalid');
    expect((err as Error).message).toContain(join(tree.online, 'online_results.json'));
    expect((err as Error).message).toContain('0.stage');
  });

  it('fails clearly when there is nothing to report', async () => {
    const root = await tmp();
    await expect(loadRun(root)).rejects.toThrow(/no run folders under/);
    await mkdir(join(root, 'elsewhere'));
    await expect(classifyFolders([join(root, 'elsewhere')])).rejects.toThrow(/not a run folder/);
  });
});

describe('loadSweep', () => {
  it('reads scaling_comparison.json, nulls included', async () => {
    const dir = await buildSweep(await tmp());
    const sweep = await loadSweep(dir);
    expect(sweep.rows).toHaveLength(5);
    expect(sweep.rows[3]).toMatchObject({ params_b: 32, energy_wh: null, routerbench_accuracy_pct: null });
  });

  it('says when the folder is not a sweep', async () => {
    await expect(loadSweep(await tmp())).rejects.toThrow(/scaling_comparison.json is missing/);
  });
});
