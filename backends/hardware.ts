import { execFile } from 'node:child_process';
import type { ServingConfig } from '../configs/schema/serving.ts';
import type { GpuInfo } from './types.ts';

/** GPU labels that NVIDIA GPU feature discovery puts on Kubernetes nodes. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';

/** vLLM needs one GPU per tensor-parallel rank per pipeline stage. */
export function gpuCount(serving: Pick<ServingConfig, 'tensor_parallel_size' | 'pipeline_parallel_size'>): number {
  return serving.tensor_parallel_size * serving.pipeline_parallel_size;
}

/** `count` identical GPUs described by a node's labels (memory label is MiB); unknown labels give nulls, not guesses. */
export function gpusFromNodeLabels(labels: Record<string, string> | undefined, count: number): GpuInfo[] {
  const name = labels?.[GPU_PRODUCT_LABEL] ?? 'unknown';
  const memory = Number(labels?.[GPU_MEMORY_LABEL]);
  const memory_mb = Number.isFinite(memory) && memory > 0 ? memory : null;
  return Array.from({ length: count }, () => ({ name, memory_mb }));
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmiCsv(text: string): (GpuInfo & { index: string })[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [index = '', name = 'unknown', memory = ''] = line.split(',').map((f) => f.trim());
      const mb = Number(memory);
      return { index, name, memory_mb: Number.isFinite(mb) && mb > 0 ? mb : null };
    });
}

/** GPUs on this machine, or [] where nvidia-smi is missing or fails (hardware info is best effort). */
export async function queryLocalGpus(nvidiaSmi = 'nvidia-smi'): Promise<(GpuInfo & { index: string })[]> {
  return new Promise((resolve) => {
    execFile(nvidiaSmi, ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? [] : parseNvidiaSmiCsv(stdout));
    });
  });
}

/** The GPUs a server will use: all, the first n, or those with the given indexes. */
export function selectGpus<T extends { index: string }>(all: T[], want: 'all' | number | string[]): T[] {
  if (want === 'all') return all;
  if (typeof want === 'number') return all.slice(0, want);
  return all.filter((g) => want.includes(g.index));
}
