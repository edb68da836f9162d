import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface SweepFixture {
  /** Unique per test: the sweep name is part of every workflow id, and the dev server is shared. */
  name: string;
  models: string[];
  maxGpus: number;
  /** Default: one node with 2 × 24 GB (1.5B-14B fit, 32B does not). */
  pool?: { gpus_per_node: number; nodes: number; gpu_memory_gb: number };
  steps?: string[];
}

/**
 * A sweep YAML in `dir` over a Phase-1 suite on a fast simulator with a tiny preset (a model takes a few
 * seconds), using the repository's serving/benchmark/eval/models configs and the synthetic sample datasets.
 */
export async function writeSweepFixture(dir: string, f: SweepFixture): Promise<string> {
  const pool = f.pool ?? { gpus_per_node: 2, nodes: 1, gpu_memory_gb: 24 };
  await writeFile(
    join(dir, 'presets.yaml'),
    [
      'smoke:',
      '  throughput: { num_prompts: 12 }',
      '  online: { rates: [4, 8], duration_s: 1, warmup_s: 0 }',
      '  quality: { subset_size: 4 }',
      'quick: {}',
      'full: {}',
      '',
    ].join('\n'),
  );
  const configs = (name: string): string => JSON.stringify(join(REPO, 'configs', name));
  await writeFile(
    join(dir, 'suite.yaml'),
    [
      `name: ${f.name}-suite`,
      'model: qwen2.5-1.5b-instruct',
      'preset: smoke',
      'backend:',
      '  kind: sim',
      '  simulator: { startup_delay_s: 0.1, ttft_base_ms: 2, ttft_per_prompt_token_ms: 0.001, itl_ms: 0.2, max_num_seqs: 64, default_output_tokens: 16, accuracy: { default: 0.8 } }',
      'configs:',
      `  serving: ${configs('serving.yaml')}`,
      `  benchmark: ${configs('benchmark.yaml')}`,
      `  eval: ${configs('eval.yaml')}`,
      `  models: ${configs('models.yaml')}`,
      '  presets: presets.yaml',
      `steps: [${(f.steps ?? ['throughput', 'online', 'gsm8k']).join(', ')}]`,
      'datasets:',
      `  gsm8k: { source: local, path: ${JSON.stringify(join(REPO, 'data/samples/gsm8k'))}, config: main, split: test }`,
      `  math: { source: local, path: ${JSON.stringify(join(REPO, 'data/samples/math/test.jsonl'))} }`,
      `  routerbench: { source: local, path: ${JSON.stringify(join(REPO, 'data/samples/routerbench/routerbench.jsonl'))} }`,
      '',
    ].join('\n'),
  );
  const sweepFile = join(dir, 'sweep.yaml');
  await writeFile(
    sweepFile,
    [
      'kind: sweep',
      `name: ${f.name}`,
      'suite: suite.yaml',
      `models: [${f.models.join(', ')}]`,
      'gpu_pools:',
      `  - { name: test-pool, gpu_name: TEST-GPU, gpu_memory_gb: ${pool.gpu_memory_gb}, gpus_per_node: ${pool.gpus_per_node}, nodes: ${pool.nodes} }`,
      `max_gpus: ${f.maxGpus}`,
      `results_dir: ${JSON.stringify(join(dir, 'results'))}`,
      '',
    ].join('\n'),
  );
  return sweepFile;
}
