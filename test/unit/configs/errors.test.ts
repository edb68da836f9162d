import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText } from '../../../configs/load.ts';
import { loadSuite } from '../../../configs/resolve.ts';
import { ServingConfig } from '../../../configs/schema/serving.ts';
import { ModelsConfig } from '../../../configs/schema/models.ts';
import { SuiteConfig } from '../../../configs/schema/suite.ts';
import { EvalConfig } from '../../../configs/schema/eval.ts';

function issuesOf(fn: () => unknown): { line: number; column: number; path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors name the file, line and key path', () => {
  it.each([
    ['an unknown key, at the key', 'model: m\ntensor_paralel_size: 2\n', { line: 2, column: 1, path: 'tensor_paralel_size', message: 'unknown key "tensor_paralel_size"' }],
    ['a wrong type, at the value', 'model: m\nmax_num_seqs: lots\n', { line: 2, column: 15, path: 'max_num_seqs' }],
    ['an out-of-range number', 'model: m\ngpu_memory_utilization: 1.5\n', { line: 2, path: 'gpu_memory_utilization' }],
    ['a missing required key, at its parent', 'dtype: auto\n', { line: 1, path: 'model' }],
    ['a bad enum value', 'model: m\ndtype: fp64\n', { line: 2, path: 'dtype' }],
  ])('%s', (_name, text, expected) => {
    const [issue] = issuesOf(() => parseConfigText(ServingConfig, text, 'serving.yaml'));
    expect(issue).toMatchObject(expected);
  });

  it('reports nested paths with indexes', () => {
    const text = 'models:\n  - { name: a, id: A, params_b: 1 }\n  - name: b\n    id: B\n    params_b: -3\n';
    const [issue] = issuesOf(() => parseConfigText(ModelsConfig, text, 'models.yaml'));
    expect(issue).toMatchObject({ line: 5, path: 'models[1].params_b' });
  });

  it('reports cross-field rules where they apply (duplicate model names)', () => {
    const text = 'models:\n  - { name: a, id: A, params_b: 1 }\n  - { name: a, id: B, params_b: 2 }\n';
    const [issue] = issuesOf(() => parseConfigText(ModelsConfig, text, 'models.yaml'));
    expect(issue?.path).toBe('models[1].name');
    expect(issue?.message).toContain('duplicate');
  });

  it('reports a key deep inside a discriminated union (backend.simulator)', () => {
    const text = 'name: s\nmodel: m\nbackend:\n  kind: sim\n  simulator:\n    itl_ms: fast\n';
    const [issue] = issuesOf(() => parseConfigText(SuiteConfig, text, 'suite.yaml'));
    expect(issue).toMatchObject({ line: 6, path: 'backend.simulator.itl_ms' });
  });

  it('rejects has_labels on a benchmark other than routerbench', () => {
    const text = 'benchmarks:\n  gsm8k:\n    dataset: { source: local, path: x.jsonl }\n    prompt_template: "{question}"\n    has_labels: true\n';
    const [issue] = issuesOf(() => parseConfigText(EvalConfig, text, 'eval.yaml'));
    expect(issue?.path).toBe('benchmarks.gsm8k.has_labels');
  });

  it('reports YAML syntax errors with their position', () => {
    const [issue] = issuesOf(() => parseConfigText(ServingConfig, 'model: [unclosed\n', 'serving.yaml'));
    expect(issue?.message).toMatch(/YAML syntax/);
    expect(issue?.line).toBeGreaterThanOrEqual(1);
  });

  it('formats each issue as file:line:column: path: message', () => {
    try {
      parseConfigText(ServingConfig, 'model: m\nbogus: 1\n', '/tmp/x/serving.yaml');
    } catch (err) {
      expect((err as Error).message).toMatch(/serving\.yaml:2:1: bogus: unknown key "bogus"/);
    }
  });

  it('names the suite file when a referenced file is missing, and nothing is started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalflow-cfg-'));
    await mkdir(join(dir, 'suites'));
    await writeFile(join(dir, 'suites', 's.yaml'), 'name: s\nmodel: m\nconfigs:\n  serving: ../nope.yaml\n');
    await expect(loadSuite(join(dir, 'suites', 's.yaml'))).rejects.toThrow(/nope\.yaml:1:1: file not found/);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a model that is not in the registry, listing the known ones', async () => {
    await expect(loadSuite('configs/suites/phase1.yaml', { model: 'gpt-7' })).rejects.toThrow(/model "gpt-7" is not in models\.yaml \(known: .*qwen2\.5-7b-instruct/);
  });

  it('applies presets: smoke shrinks every step', async () => {
    const smoke = await loadSuite('configs/suites/phase1.yaml', { preset: 'smoke' });
    const full = await loadSuite('configs/suites/phase1.yaml', { preset: 'full' });
    expect(smoke.benchmark.throughput.num_prompts).toBeLessThan(full.benchmark.throughput.num_prompts);
    expect(smoke.eval.benchmarks.gsm8k?.subset_size).toBe(8);
    expect(full.eval.benchmarks.gsm8k?.subset_size).toBeNull();
    expect(smoke.configHash).not.toBe(full.configHash);
  });
});
