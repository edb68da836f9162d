import { z } from 'zod';
import { Endpoint } from './benchmark.ts';

/** A dataset on the Hugging Face hub (parquet or JSONL files at their hub paths) or on local disk in the same format. */
export const DatasetSource = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('hub'),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').describe('e.g. openai/gsm8k'),
    config: z.string().min(1).optional().describe('dataset config (subset), e.g. main; several comma-free names via configs'),
    configs: z.array(z.string().min(1)).optional().describe('several configs concatenated, e.g. the MATH subjects'),
    split: z.string().min(1).default('test'),
    revision: z.string().min(1).default('main'),
  }),
  z.strictObject({
    source: z.literal('local'),
    path: z.string().min(1).describe('a .parquet, .jsonl or .json file, or a folder laid out like the hub repo'),
    config: z.string().min(1).optional(),
    configs: z.array(z.string().min(1)).optional(),
    split: z.string().min(1).default('test'),
  }),
]);
export type DatasetSource = z.infer<typeof DatasetSource>;

export const Sampling = z.strictObject({
  temperature: z.number().min(0).default(0),
  top_p: z.number().gt(0).max(1).default(1),
  max_tokens: z.int().positive().default(1024),
  seed: z.int().nonnegative().default(1234),
  stop: z.array(z.string()).max(4).default([]),
});
export type Sampling = z.infer<typeof Sampling>;

/** A benchmark's sampling overrides: only the keys it sets, no defaults (those come from defaults.sampling). */
export const SamplingOverride = z.strictObject({
  temperature: z.number().min(0).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.int().positive().optional(),
  seed: z.int().nonnegative().optional(),
  stop: z.array(z.string()).max(4).optional(),
});
export type SamplingOverride = z.infer<typeof SamplingOverride>;

export const BenchmarkName = z.enum(['gsm8k', 'math', 'routerbench']);
export type BenchmarkName = z.infer<typeof BenchmarkName>;

export const BenchmarkEval = z.strictObject({
  dataset: DatasetSource,
  subset_size: z.int().positive().nullable().default(null).describe('null: every example'),
  subset_seed: z.int().nonnegative().default(0).describe('which examples a subset takes'),
  few_shot: z.int().min(0).default(0),
  few_shot_split: z.string().min(1).default('train'),
  system_prompt: z.string().nullable().optional().describe('overrides defaults.system_prompt; null for none'),
  prompt_template: z.string().includes('{question}', { message: 'must contain {question}' }),
  endpoint: Endpoint.optional(),
  sampling: SamplingOverride.default({}),
  has_labels: z.boolean().optional().describe('routerbench only: score exact match against label'),
});
export type BenchmarkEval = z.infer<typeof BenchmarkEval>;

export const EvalConfig = z.strictObject({
  defaults: z
    .strictObject({
      system_prompt: z.string().nullable().default(null),
      endpoint: Endpoint.default('chat'),
      sampling: Sampling.default(Sampling.parse({})),
      concurrency: z.union([z.int().positive(), z.literal('auto')]).default('auto').describe("auto: the server's max_num_seqs"),
      request_retries: z.int().min(0).default(3),
      request_timeout_s: z.number().positive().default(600),
      seeds: z.array(z.int().nonnegative()).min(1).optional().describe('several sampling seeds: results per seed, mean and std across them'),
    })
    .default({
      system_prompt: null,
      endpoint: 'chat',
      sampling: Sampling.parse({}),
      concurrency: 'auto',
      request_retries: 3,
      request_timeout_s: 600,
    }),
  benchmarks: z
    .strictObject({
      gsm8k: BenchmarkEval.optional(),
      math: BenchmarkEval.optional(),
      routerbench: BenchmarkEval.optional(),
    })
    .superRefine((b, ctx) => {
      for (const name of ['gsm8k', 'math'] as const) {
        if (b[name]?.has_labels !== undefined) {
          ctx.addIssue({ code: 'custom', path: [name, 'has_labels'], message: 'has_labels applies to routerbench only' });
        }
      }
    }),
});
export type EvalConfig = z.infer<typeof EvalConfig>;
