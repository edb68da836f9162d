import { z } from 'zod';
import { ServingConfig } from './serving.ts';
import { SimulatorOptions } from './simulator.ts';
import { DatasetSource } from './eval.ts';

export const StepName = z.enum(['throughput', 'online', 'gsm8k', 'math', 'routerbench']);
export type StepName = z.infer<typeof StepName>;

export const PresetName = z.enum(['smoke', 'quick', 'full']);
export type PresetName = z.infer<typeof PresetName>;

/** Where the vLLM server runs. Each kind is one Backend implementation (backends/). */
export const BackendConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sim'),
    simulator: SimulatorOptions.default(SimulatorOptions.parse({})),
  }),
  z.strictObject({
    kind: z.literal('external'),
    base_url: z.url({ protocol: /^https?$/ }).describe('an OpenAI-compatible server that is already running, e.g. http://gpu-node:8000'),
    api_key_env: z.string().min(1).optional().describe('name of the environment variable holding the API key (never the key itself)'),
  }),
]);
export type BackendConfig = z.infer<typeof BackendConfig>;
export type BackendKind = BackendConfig['kind'];

export const SuiteConfig = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  description: z.string().optional(),
  model: z.string().min(1).describe('a name from models.yaml'),
  preset: PresetName.default('full'),
  backend: BackendConfig.default({ kind: 'sim', simulator: SimulatorOptions.parse({}) }),
  configs: z
    .strictObject({
      serving: z.string().default('../serving.yaml'),
      benchmark: z.string().default('../benchmark.yaml'),
      eval: z.string().default('../eval.yaml'),
      models: z.string().default('../models.yaml'),
      presets: z.string().default('../presets.yaml'),
    })
    .default({
      serving: '../serving.yaml',
      benchmark: '../benchmark.yaml',
      eval: '../eval.yaml',
      models: '../models.yaml',
      presets: '../presets.yaml',
    })
    .describe('paths relative to this file'),
  steps: z.array(StepName).min(1).default(['throughput', 'online', 'gsm8k', 'math', 'routerbench']),
  serving: ServingConfig.partial().default({}).describe('overrides of serving.yaml for this suite'),
  datasets: z.partialRecord(z.enum(['gsm8k', 'math', 'routerbench']), DatasetSource).default({}).describe('overrides of the eval.yaml dataset sources'),
  results_dir: z.string().default('results').describe('relative to the working directory'),
  seed: z.int().nonnegative().default(42),
  health_timeout_s: z.number().positive().default(900).describe('how long the server may take to become healthy'),
});
export type SuiteConfig = z.infer<typeof SuiteConfig>;
