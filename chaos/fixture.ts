import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAOS_GPU_PRODUCT } from './cluster.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Three small models, one GPU each; with max_gpus 2 the third starts when one of the first two settles. */
export const CHAOS_MODELS = ['qwen2.5-1.5b-instruct', 'qwen2.5-3b-instruct', 'qwen2.5-7b-instruct'] as const;
export const CHAOS_MAX_GPUS = 2;

/** The smoke sizes the chaos sweep runs: a model takes ~10 s on the pod simulator (cluster.ts). Two online stages, so a stage finished before a fault must be skipped after it. */
export const CHAOS_SIZES = { throughputPrompts: 16, onlineRates: [4, 8], onlineDurationS: 1, gsm8kExamples: 40 } as const;

export interface ChaosFixture {
  sweepFile: string;
  /** The namespace every pod of this sweep goes to. */
  namespace: string;
}

/** A tiny GSM8K-shaped split: distinct questions, so request ids name distinct examples. */
function gsm8kLines(n: number): string {
  return Array.from({ length: n }, (_, i) => {
    const a = i + 3;
    const b = 2 * i + 1;
    return JSON.stringify({ question: `Ann has ${a} apples and picks ${b} more. How many apples does Ann have now?`, answer: `${a} + ${b} = ${a + b}\n#### ${a + b}` });
  }).join('\n') + '\n';
}

/**
 * Writes a sweep over CHAOS_MODELS on the kubernetes backend pointed at the fake cluster: suite.yaml (the repo's
 * serving, benchmark, eval and models configs; smoke sizes from its own presets.yaml), sweep.yaml and the dataset.
 */
export async function writeChaosFixture(dir: string, name: string, kubeconfig: string, servingPort: number): Promise<ChaosFixture> {
  const namespace = name;
  const data = join(dir, 'gsm8k.jsonl');
  await writeFile(data, gsm8kLines(CHAOS_SIZES.gsm8kExamples));
  await writeFile(
    join(dir, 'presets.yaml'),
    [
      'smoke:',
      `  throughput: { num_prompts: ${CHAOS_SIZES.throughputPrompts} }`,
      `  online: { rates: [${CHAOS_SIZES.onlineRates.join(', ')}], duration_s: ${CHAOS_SIZES.onlineDurationS}, warmup_s: 0 }`,
      `  quality: { subset_size: ${CHAOS_SIZES.gsm8kExamples} }`,
      'quick: {}',
      'full: {}',
      '',
    ].join('\n'),
  );
  const config = (file: string): string => JSON.stringify(join(REPO, 'configs', file));
  await writeFile(
    join(dir, 'suite.yaml'),
    [
      `name: ${name}-suite`,
      `model: ${CHAOS_MODELS[0]}`,
      'preset: smoke',
      'backend:',
      '  kind: kubernetes',
      `  namespace: ${namespace}`,
      `  kubeconfig: ${JSON.stringify(kubeconfig)}`,
      // Short waits: a lost pod is noticed in a poll, not in minutes.
      '  poll_interval_s: 0.2',
      '  ready_timeout_s: 60',
      '  unschedulable_timeout_s: 60',
      '  active_deadline_s: 1800',
      'configs:',
      `  serving: ${config('serving.yaml')}`,
      `  benchmark: ${config('benchmark.yaml')}`,
      `  eval: ${config('eval.yaml')}`,
      `  models: ${config('models.yaml')}`,
      '  presets: presets.yaml',
      // max_num_seqs is also the quality concurrency (eval concurrency: auto); the pod simulator decodes 4 at once too.
      `serving: { max_num_seqs: 4, port: ${servingPort} }`,
      'steps: [throughput, online, gsm8k]',
      'datasets:',
      `  gsm8k: { source: local, path: ${JSON.stringify(data)}, split: test }`,
      'health_timeout_s: 60',
      '',
    ].join('\n'),
  );
  const sweepFile = join(dir, 'sweep.yaml');
  await writeFile(
    sweepFile,
    [
      'kind: sweep',
      `name: ${name}`,
      'suite: suite.yaml',
      `models: [${CHAOS_MODELS.join(', ')}]`,
      'gpu_pools:',
      `  - { name: h100, gpu_name: ${CHAOS_GPU_PRODUCT}, gpu_memory_gb: 80, gpus_per_node: 8, nodes: 2 }`,
      `max_gpus: ${CHAOS_MAX_GPUS}`,
      `results_dir: ${JSON.stringify(join(dir, 'results'))}`,
      '',
    ].join('\n'),
  );
  return { sweepFile, namespace };
}
