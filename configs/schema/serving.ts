import { z } from 'zod';

/** vLLM engine arguments (`vllm serve` flags); the same file drives every backend. */
export const ServingConfig = z.strictObject({
  model: z.string().min(1).describe('Hugging Face model id served by vLLM'),
  served_model_name: z.string().min(1).optional().describe('name the OpenAI API reports; defaults to model'),
  image: z.string().min(1).default('vllm/vllm-openai:v0.11.0').describe('container image for the docker and kubernetes backends'),
  tensor_parallel_size: z.int().positive().default(1),
  pipeline_parallel_size: z.int().positive().default(1),
  max_model_len: z.int().positive().default(8192),
  gpu_memory_utilization: z.number().gt(0).max(1).default(0.9),
  max_num_seqs: z.int().positive().default(256),
  max_num_batched_tokens: z.int().positive().default(8192),
  dtype: z.enum(['auto', 'bfloat16', 'float16', 'float32']).default('auto'),
  seed: z.int().nonnegative().default(0),
  enable_prefix_caching: z.boolean().default(false).describe('off by default so repeated prompts cannot flatter later steps'),
  port: z.int().min(1).max(65535).default(8000).describe('port vLLM listens on inside its pod or container'),
  extra_args: z.array(z.string()).default([]).describe('appended verbatim to `vllm serve`'),
  env: z.record(z.string(), z.string()).default({}).describe('extra environment for the server (never secrets: use the backend secret settings)'),
});
export type ServingConfig = z.infer<typeof ServingConfig>;
