import { z } from 'zod';
import { SimulatedModelProfile } from './simulator.ts';

/** A group of identical GPU nodes the sweep may place models on. A model runs on one node (tensor parallelism only). */
export const GpuPool = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  gpu_name: z.string().min(1).describe('e.g. NVIDIA-H100-80GB-HBM3; on kubernetes it becomes the nvidia.com/gpu.product node selector'),
  gpu_memory_gb: z.number().positive().describe('memory of one GPU'),
  gpus_per_node: z.int().positive(),
  nodes: z.int().positive(),
});
export type GpuPool = z.infer<typeof GpuPool>;

export const SweepOrder = z.enum(['largest_first', 'as_listed']);
export type SweepOrder = z.infer<typeof SweepOrder>;

/**
 * A scaling sweep (seed 001 §10): one Phase-1 suite run per model, placed on GPU pools by a memory-fit
 * check, several at once as long as their GPUs fit in max_gpus, combined into scaling_comparison.csv/json.
 */
export const SweepConfig = z
  .strictObject({
    kind: z.literal('sweep').describe('marks a sweep file (a Phase-1 suite file has no kind)'),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
    description: z.string().optional(),
    suite: z.string().min(1).describe('the Phase-1 suite YAML every model runs, relative to this file; its model and results_dir are replaced'),
    models: z.array(z.string().min(1)).min(1).describe('names from models.yaml'),
    sizes: z.array(z.number().positive()).min(1).optional().describe('run only these sizes in billions of parameters, e.g. [1.5, 3, 7] (CLI --sizes)'),
    gpu_pools: z.array(GpuPool).min(1),
    max_gpus: z.int().positive().describe('GPUs the sweep may use at once; 1 runs the models one after another'),
    kv_headroom_fraction: z.number().min(0).max(10).default(0.2).describe('memory for KV cache and activations, as a fraction of the weights'),
    overhead_gb: z.number().min(0).default(2).describe('fixed memory on top (CUDA context, CUDA graphs)'),
    order: SweepOrder.default('largest_first'),
    results_dir: z.string().default('results').describe('relative to the working directory; results go to <results_dir>/<name>/<model>/'),
    simulated_models: z
      .record(z.string(), SimulatedModelProfile)
      .default({})
      .describe('sim backend only: per-model accuracy and speed, so a simulated sweep shows a size trend (invented, not measured)'),
  })
  .superRefine((cfg, ctx) => {
    const firstModel = new Map<string, number>();
    cfg.models.forEach((m, i) => {
      const first = firstModel.get(m);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['models', i], message: `duplicate model "${m}" (first at models[${first}])` });
      else firstModel.set(m, i);
    });
    for (const name of Object.keys(cfg.simulated_models)) {
      if (!firstModel.has(name)) ctx.addIssue({ code: 'custom', path: ['simulated_models', name], message: `"${name}" is not one of the sweep's models` });
    }
    const firstPool = new Map<string, number>();
    cfg.gpu_pools.forEach((p, i) => {
      const first = firstPool.get(p.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['gpu_pools', i, 'name'], message: `duplicate pool name "${p.name}" (first at gpu_pools[${first}])` });
      else firstPool.set(p.name, i);
    });
  });
export type SweepConfig = z.infer<typeof SweepConfig>;
