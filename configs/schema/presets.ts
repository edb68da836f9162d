import { z } from 'zod';

/** What a preset (smoke, quick, full) changes in benchmark.yaml and eval.yaml. */
export const Preset = z.strictObject({
  description: z.string().optional(),
  throughput: z.strictObject({ num_prompts: z.int().positive() }).partial().default({}),
  online: z
    .strictObject({
      rates: z.union([z.array(z.number().positive()).min(1), z.literal('auto')]),
      duration_s: z.number().positive(),
      warmup_s: z.number().min(0),
      auto_points: z.int().min(3),
    })
    .partial()
    .default({}),
  quality: z
    .strictObject({ subset_size: z.int().positive().nullable().describe('caps every benchmark subset; null keeps eval.yaml') })
    .partial()
    .default({}),
});
export type Preset = z.infer<typeof Preset>;

export const PresetsConfig = z.strictObject({ smoke: Preset, quick: Preset, full: Preset });
export type PresetsConfig = z.infer<typeof PresetsConfig>;
