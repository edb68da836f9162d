// The scaling sweep's plan: which models fit which GPUs, with what tensor parallelism, in what order.
// Pure: no I/O, no clock; the CLI prints it (--dry-run) and the workflow follows it.
import type { ModelEntry } from '../configs/schema/models.ts';
import type { GpuPool, SweepOrder } from '../configs/schema/sweep.ts';
import { placeNext } from './schedule.ts';
import type { Capacity } from './schedule.ts';

/** Bytes per weight for each registry dtype. */
export const BYTES_PER_PARAM = {
  bfloat16: 2,
  float16: 2,
  float32: 4,
  fp8: 1,
  int8: 1,
  int4: 0.5,
} as const satisfies Record<ModelEntry['dtype'], number>;

/** How much room a model needs beyond its weights, and how much of each GPU vLLM may take. */
export interface FitSettings {
  kvHeadroomFraction: number;
  overheadGb: number;
  /** vLLM's --gpu-memory-utilization from the suite's serving config. */
  gpuMemoryUtilization: number;
}

/** A --sizes value matches a model whose params_b is within this fraction of it (7 matches Qwen2.5-7B's 7.62). */
export const SIZE_TOLERANCE = 0.1;

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** GB (10^9 bytes) a model needs: weights × (1 + KV headroom) + fixed overhead. */
export function memoryNeededGb(model: Pick<ModelEntry, 'params_b' | 'dtype'>, fit: Pick<FitSettings, 'kvHeadroomFraction' | 'overheadGb'>): number {
  return model.params_b * BYTES_PER_PARAM[model.dtype] * (1 + fit.kvHeadroomFraction) + fit.overheadGb;
}

/** Memory vLLM may use on `gpus` GPUs of a pool. */
export function usableGb(pool: Pick<GpuPool, 'gpu_memory_gb'>, gpus: number, gpuMemoryUtilization: number): number {
  return pool.gpu_memory_gb * gpus * gpuMemoryUtilization;
}

/** The smallest power-of-two GPU count on one node of the pool that holds `neededGb`, or null. */
export function gpusToFit(neededGb: number, pool: Pick<GpuPool, 'gpu_memory_gb' | 'gpus_per_node'>, gpuMemoryUtilization: number): number | null {
  for (let n = 1; n <= pool.gpus_per_node; n *= 2) {
    if (usableGb(pool, n, gpuMemoryUtilization) >= neededGb) return n;
  }
  return null;
}

/** Does a --sizes value select this model? */
export function sizeMatches(paramsB: number, size: number): boolean {
  return Math.abs(paramsB - size) <= SIZE_TOLERANCE * size;
}

/** The models a --sizes list selects, in their order, and the sizes that matched none. */
export function selectSizes<M extends Pick<ModelEntry, 'params_b'>>(models: readonly M[], sizes: readonly number[]): { models: M[]; unmatched: number[] } {
  return {
    models: models.filter((m) => sizes.some((s) => sizeMatches(m.params_b, s))),
    unmatched: sizes.filter((s) => !models.some((m) => sizeMatches(m.params_b, s))),
  };
}

export interface PlannedModel {
  model: string;
  params_b: number;
  dtype: ModelEntry['dtype'];
  /** memoryNeededGb, rounded to 0.1. */
  needGb: number;
  action: 'run' | 'skip';
  /** Why a skipped model does not run, e.g. "needs 176.5 GB; largest node has 4 × 40 GB (144 GB usable at 0.9)". */
  skipReason: string | null;
  pool: string | null;
  gpuName: string | null;
  /** GPUs the model holds while it runs (0 when skipped); it is also its tensor_parallel_size. */
  gpus: number;
  tensorParallelSize: number | null;
  /** What models.yaml says; the plan overrides it. */
  registryGpus: number;
  /** 1-based position in the run order; skipped models come after every run. */
  order: number;
  /** Starts as soon as the sweep does (the rest wait for GPUs). */
  startsAtOnce: boolean;
}

export interface SweepPlan {
  models: PlannedModel[];
  maxGpus: number;
  pools: GpuPool[];
  order: SweepOrder;
  fit: FitSettings;
}

export interface PlanInput {
  /** The sweep's models as listed (already filtered by --sizes). */
  models: readonly ModelEntry[];
  pools: readonly GpuPool[];
  maxGpus: number;
  order: SweepOrder;
  fit: FitSettings;
}

function describeNode(pool: GpuPool, fit: FitSettings): string {
  const usable = round1(usableGb(pool, pool.gpus_per_node, fit.gpuMemoryUtilization));
  return `${pool.gpus_per_node} × ${pool.gpu_memory_gb} GB (${usable} GB usable at ${fit.gpuMemoryUtilization})`;
}

/**
 * The pool a model runs on: among the pools where it fits on one node within max_gpus, the one that reserves the
 * least GPU memory (small models stay off big GPUs), then fewer GPUs, then the order the pools are listed in.
 */
function choosePool(needGb: number, input: PlanInput): { pool: GpuPool; gpus: number } | { reason: string } {
  const fits = input.pools.flatMap((pool) => {
    const gpus = gpusToFit(needGb, pool, input.fit.gpuMemoryUtilization);
    return gpus === null ? [] : [{ pool, gpus }];
  });
  const within = fits.filter((f) => f.gpus <= input.maxGpus);
  if (within.length > 0) {
    return within.reduce((best, f) => {
      const a = best.pool.gpu_memory_gb * best.gpus;
      const b = f.pool.gpu_memory_gb * f.gpus;
      return b < a || (b === a && f.gpus < best.gpus) ? f : best;
    });
  }
  const need = `needs ${round1(needGb)} GB`;
  if (fits.length > 0) {
    const fewest = fits.reduce((best, f) => (f.gpus < best.gpus ? f : best));
    return { reason: `${need}: ${fewest.gpus} GPUs on pool ${fewest.pool.name}, but max_gpus is ${input.maxGpus}` };
  }
  const largest = input.pools.reduce((best, p) => (usableGb(p, p.gpus_per_node, 1) > usableGb(best, best.gpus_per_node, 1) ? p : best));
  return { reason: `${need}; largest node has ${describeNode(largest, input.fit)}` };
}

/**
 * Fit every model, choose its pool and tensor parallelism, order the runs (largest first by default) and mark
 * those that start at once under max_gpus. A model that fits nowhere is kept in the plan as skipped, with the reason.
 */
export function planSweep(input: PlanInput): SweepPlan {
  const ordered = input.order === 'largest_first' ? [...input.models].sort((a, b) => b.params_b - a.params_b) : [...input.models];
  const runs: PlannedModel[] = [];
  const skips: PlannedModel[] = [];
  for (const m of ordered) {
    const need = memoryNeededGb(m, input.fit);
    const base = { model: m.name, params_b: m.params_b, dtype: m.dtype, needGb: round1(need), registryGpus: m.gpus, order: 0, startsAtOnce: false };
    const choice = choosePool(need, input);
    if ('reason' in choice) {
      skips.push({ ...base, action: 'skip', skipReason: choice.reason, pool: null, gpuName: null, gpus: 0, tensorParallelSize: null });
    } else {
      runs.push({ ...base, action: 'run', skipReason: null, pool: choice.pool.name, gpuName: choice.pool.gpu_name, gpus: choice.gpus, tensorParallelSize: choice.gpus });
    }
  }
  const models = [...runs, ...skips].map((m, i) => ({ ...m, order: i + 1 }));
  const capacity: Capacity = { maxGpus: input.maxGpus, pools: input.pools };
  const first = new Set(placeNext(runnable(models), [], capacity).map((s) => s.model));
  for (const m of models) m.startsAtOnce = first.has(m.model);
  return { models, maxGpus: input.maxGpus, pools: [...input.pools], order: input.order, fit: input.fit };
}

/** The plan's runs as the scheduler's queue, in run order. */
export function runnable(models: readonly PlannedModel[]): { model: string; pool: string; gpus: number }[] {
  return models.filter((m) => m.action === 'run' && m.pool !== null).map((m) => ({ model: m.model, pool: m.pool!, gpus: m.gpus }));
}
