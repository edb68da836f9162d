import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../../configs/load.ts';
import { loadSuite, suiteConfigHash } from '../../../configs/resolve.ts';
import { stepKey } from '../../../store/layout.ts';
import { detectConfigKind, loadSweep, parseSizesOption, simulatedAs } from '../../../sweep/load.ts';
import { BackendConfig } from '../../../configs/schema/suite.ts';
import { formatPlan } from '../../../sweep/format.ts';

const QWEN_SWEEP = 'configs/suites/qwen-scaling.yaml';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A copy of the checked-in sweep with some lines changed, next to a copy of phase1.yaml. */
async function variant(edit: (text: string) => string, suiteEdit: (text: string) => string = (t) => t): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'evalflow-sweep-load-'));
  dirs.push(dir);
  const suite = (await readFile('configs/suites/phase1.yaml', 'utf8')).replaceAll('../../data/', `${resolve('data')}/`);
  await writeFile(join(dir, 'phase1.yaml'), suiteEdit(`${suite}\nconfigs: { serving: ${resolve('configs/serving.yaml')}, benchmark: ${resolve('configs/benchmark.yaml')}, eval: ${resolve('configs/eval.yaml')}, models: ${resolve('configs/models.yaml')}, presets: ${resolve('configs/presets.yaml')} }\n`));
  const file = join(dir, 'sweep.yaml');
  await writeFile(file, edit(await readFile(QWEN_SWEEP, 'utf8')));
  return file;
}

async function issues(p: Promise<unknown>): Promise<{ line: number; path: string; message: string }[]> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues;
}

describe('loadSweep', () => {
  it('resolves one suite per model with the plan\'s tensor parallelism, its own results folder and a deterministic child id', async () => {
    const sweep = await loadSweep(QWEN_SWEEP);
    expect(sweep.name).toBe('qwen-scaling');
    expect(sweep.resultsRoot).toBe(resolve('results', 'qwen-scaling'));
    expect(sweep.runs.map((r) => [r.model, r.suite.serving.tensor_parallel_size])).toEqual([
      ['qwen2.5-72b-instruct', 4],
      ['qwen2.5-32b-instruct', 2],
      ['qwen2.5-14b-instruct', 1],
      ['qwen2.5-7b-instruct', 1],
      ['qwen2.5-3b-instruct', 1],
      ['qwen2.5-1.5b-instruct', 1],
    ]);
    for (const run of sweep.runs) {
      expect(run.suite.name).toBe('qwen-scaling');
      expect(run.suite.resultsRoot).toBe(resolve('results', 'qwen-scaling', run.model));
      expect(run.suite.configHash).toBe(suiteConfigHash(run.suite));
      expect(run.workflowId).toBe(`evalflow/sweep/qwen-scaling/${run.model}/${run.suite.configHash}`);
      expect(run.stepKeys).toEqual(run.suite.steps.map((step) => ({ step, key: stepKey(run.suite, step) })));
      expect(run.suite.runTag).toBeUndefined();
    }
    // The 72B suite differs from a plain suite run only by its name, TP and results folder.
    const plain = await loadSuite('configs/suites/phase1.yaml', { model: 'qwen2.5-72b-instruct' });
    expect(sweep.runs[0]!.suite.configHash).not.toBe(plain.configHash);
    expect({ ...sweep.runs[0]!.suite.serving, tensor_parallel_size: 2 }).toEqual(plain.serving);
    expect(sweep.skipExisting).toBe(true);
    expect(sweep.runTag).toBeNull();
  });

  it("lays each model's simulated profile over the suite's simulator, and leaves other backends alone", async () => {
    const sweep = await loadSweep(QWEN_SWEEP);
    const sim = (model: string) => {
      const backend = sweep.runs.find((r) => r.model === model)?.suite.backend;
      if (backend?.kind !== 'sim') throw new Error(`${model} does not run on the simulator`);
      return backend.simulator;
    };
    // phase1.yaml's simulator says gsm8k 0.9, math 0.55, routerbench 0.7; the profile replaces only what it names.
    expect(sim('qwen2.5-1.5b-instruct')).toMatchObject({ itl_ms: 6, ttft_base_ms: 20, accuracy: { gsm8k: 0.7, math: 0.48, routerbench: 0.7, default: 0.8 } });
    expect(sim('qwen2.5-72b-instruct').accuracy.gsm8k).toBeGreaterThan(sim('qwen2.5-7b-instruct').accuracy.gsm8k!);
    const k8s = { kind: 'kubernetes', namespace: 'x' } as const;
    const parsedK8s = BackendConfig.parse(k8s);
    expect(simulatedAs(parsedK8s, { itl_ms: 1 })).toBe(parsedK8s);
  });

  it('names a simulated profile for a model the sweep does not run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalflow-sweep-'));
    try {
      const text = (await readFile(QWEN_SWEEP, 'utf8')).replace('suite: phase1.yaml', `suite: ${resolve('configs/suites/phase1.yaml')}`) + '  qwen2.5-0.5b-instruct: { itl_ms: 3 }\n';
      await writeFile(join(dir, 'sweep.yaml'), text);
      await expect(loadSweep(join(dir, 'sweep.yaml'))).rejects.toThrow(/simulated_models\.qwen2\.5-0\.5b-instruct.*not one of the sweep's models/s);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the same sweep the same hashes every time', async () => {
    const [a, b] = await Promise.all([loadSweep(QWEN_SWEEP), loadSweep(QWEN_SWEEP)]);
    expect(b.configHash).toBe(a.configHash);
    expect(b.runs.map((r) => r.workflowId)).toEqual(a.runs.map((r) => r.workflowId));
  });

  it('--no-skip-existing tags the run: new child ids and new step keys, so finished steps run again', async () => {
    const now = new Date('2026-02-24T12:00:00Z');
    const base = await loadSweep(QWEN_SWEEP);
    const rerun = await loadSweep(QWEN_SWEEP, { skipExisting: false, now });
    expect(rerun.runTag).toBe('rerun-20260224T120000Z');
    expect(rerun.skipExisting).toBe(false);
    expect(rerun.configHash).not.toBe(base.configHash);
    rerun.runs.forEach((r, i) => {
      expect(r.suite.runTag).toBe('rerun-20260224T120000Z');
      expect(r.workflowId).not.toBe(base.runs[i]!.workflowId);
      for (const [j, k] of r.stepKeys.entries()) expect(k.key).not.toBe(base.runs[i]!.stepKeys[j]!.key);
    });
    expect((await loadSweep(QWEN_SWEEP, { skipExisting: false, now })).configHash).toBe(rerun.configHash);
  });

  it('filters by --sizes, replacing the file\'s sizes', async () => {
    const sweep = await loadSweep(QWEN_SWEEP, { sizes: [1.5, 3, 7] });
    expect(sweep.plan.models.map((m) => m.model)).toEqual(['qwen2.5-7b-instruct', 'qwen2.5-3b-instruct', 'qwen2.5-1.5b-instruct']);
    const fromFile = await loadSweep(await variant((t) => t.replace('max_gpus: 8', 'max_gpus: 8\nsizes: [72]')));
    expect(fromFile.runs.map((r) => r.model)).toEqual(['qwen2.5-72b-instruct']);
  });

  it('names a size that matches no model', async () => {
    const [issue] = await issues(loadSweep(QWEN_SWEEP, { sizes: [9] }));
    expect(issue!.message).toBe("--sizes: no model of size 9B among the sweep's models (params_b: 1.54, 3.09, 7.62, 14.7, 32.5, 72.7)");
  });

  it('locates an unknown model at its line in the sweep file', async () => {
    // Only the models list: with the typo there, simulated_models names a model the sweep does not run.
    const file = await variant((t) => t.replace('  - qwen2.5-14b-instruct', '  - qwen2.5-14b-instuct').replace(/\n {2}qwen2\.5-14b-instruct: .*\n/, '\n'));
    const [issue] = await issues(loadSweep(file));
    expect(issue).toMatchObject({ line: 14, path: 'models[3]' });
    expect(issue!.message).toMatch(/^model "qwen2.5-14b-instuct" is not in models.yaml \(known: qwen2.5-1.5b-instruct, /);
  });

  it.each([
    ['an unknown key', (t: string) => t.replace('max_gpus: 8', 'max_gpu: 8'), { path: 'max_gpu', message: 'unknown key "max_gpu"' }],
    ['a duplicate model', (t: string) => t.replace('  - qwen2.5-3b-instruct', '  - qwen2.5-1.5b-instruct'), { path: 'models[1]', message: 'duplicate model "qwen2.5-1.5b-instruct" (first at models[0])' }],
    ['a bad order', (t: string) => t.replace('order: largest_first', 'order: random'), { path: 'order' }],
    ['a pool without memory', (t: string) => t.replace('gpu_memory_gb: 80, ', ''), { path: 'gpu_pools[0].gpu_memory_gb' }],
  ])('reports %s with file, line and key path', async (_name, edit, expected) => {
    const found = (await issues(loadSweep(await variant(edit)))).find((i) => i.path === expected.path);
    expect(found).toMatchObject(expected);
    expect(found!.line).toBeGreaterThan(1);
  });

  it('refuses pipeline parallelism in the suite (the sweep sizes tensor parallelism itself)', async () => {
    const file = await variant(
      (t) => t,
      (s) => `${s}serving: { pipeline_parallel_size: 2 }\n`,
    );
    const [issue] = await issues(loadSweep(file));
    expect(issue).toMatchObject({ path: 'serving.pipeline_parallel_size' });
  });

  it('puts kubernetes models on their pool by GPU product label', async () => {
    const file = await variant(
      (t) => t,
      (s) => s.replace(/backend:\n {2}kind: sim\n {2}simulator:\n(?: {4}.*\n)+/, 'backend: { kind: kubernetes, node_selector: { team: llm } }\n'),
    );
    const sweep = await loadSweep(file, { sizes: [7] });
    expect(sweep.runs[0]!.suite.backend).toMatchObject({ kind: 'kubernetes', node_selector: { team: 'llm', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } });
  });

  it('tells a sweep file from a suite file', async () => {
    expect(await detectConfigKind(QWEN_SWEEP)).toBe('sweep');
    expect(await detectConfigKind('configs/suites/phase1.yaml')).toBe('suite');
    expect(await detectConfigKind('configs/suites/missing.yaml')).toBe('suite');
  });

  it.each([
    ['1.5,3,7', [1.5, 3, 7]],
    ['1.5 3', [1.5, 3]],
    ['72', [72]],
  ])('parses --sizes %s', (text, expected) => {
    expect(parseSizesOption(text)).toEqual(expected);
  });

  it.each(['', 'seven', '1.5,-3'])('rejects --sizes "%s"', (text) => {
    expect(() => parseSizesOption(text)).toThrow(ConfigError);
  });

  it('prints the plan as a table: what runs on how many GPUs, what starts at once, what is skipped and why', async () => {
    const sweep = await loadSweep(await variant((t) => t.replace('gpu_memory_gb: 80, gpus_per_node: 4', 'gpu_memory_gb: 40, gpus_per_node: 4')));
    const text = formatPlan(sweep);
    expect(text).toContain('Sweep qwen-scaling: 5 to run, 1 skipped, at most 8 GPUs at once (largest first)');
    expect(sweep.plan.models.at(-1)!.skipReason).toBe('needs 176.5 GB; largest node has 4 × 40 GB (144 GB usable at 0.9)');
    expect(text).toMatch(/qwen2\.5-72b-instruct.*skip.*needs 176\.5 GB; largest node has 4 × 40 GB/);
    expect(text).toMatch(/qwen2\.5-32b-instruct.*run.*a100-80g.*4.*at once/);
    expect(text).toMatch(/qwen2\.5-1\.5b-instruct.*when GPUs free/);
  });
});
