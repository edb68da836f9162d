import { z } from 'zod';

export const ModelEntry = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lowercase letters, digits, "." and "-"').describe('short name used in ids and folders'),
  id: z.string().min(1).describe('Hugging Face model id'),
  params_b: z.number().positive().describe('parameter count in billions'),
  dtype: z.enum(['bfloat16', 'float16', 'float32', 'fp8', 'int8', 'int4']).default('bfloat16'),
  gpus: z.int().positive().default(1).describe('GPUs the model needs (becomes tensor_parallel_size unless a suite overrides it)'),
  max_model_len: z.int().positive().optional(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

export const ModelsConfig = z
  .strictObject({ models: z.array(ModelEntry).min(1) })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.models.forEach((m, i) => {
      const first = seen.get(m.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name "${m.name}" (first at models[${first}])` });
      }
      seen.set(m.name, i);
    });
  });
export type ModelsConfig = z.infer<typeof ModelsConfig>;
