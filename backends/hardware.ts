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

/** The GPUs a server will use: all, the first n, or those with the given indexes. */
export function selectGpus<T extends { index: string }>(all: T[], want: 'all' | number | string[]): T[] {
  if (want === 'all') return all;
  if (typeof want === 'number') return all.slice(0, want);
  return all.filter((g) => want.includes(g.index));
}
