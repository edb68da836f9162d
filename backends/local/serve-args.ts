import type { ServingConfig } from '../../configs/schema/serving.ts';

/**
 * `vllm serve` engine arguments from serving.yaml. The local backend runs `vllm serve <these>`;
 * the docker and kubernetes backends pass the same list as container args to the vllm/vllm-openai
 * image, whose entrypoint is `vllm serve`.
 */
export function vllmEngineArgs(serving: ServingConfig, listen: { host?: string; port?: number } = {}): string[] {
  // In a pod or container the server must listen on every interface; a local process only on loopback.
  const { host = '0.0.0.0', port = serving.port } = listen;
  return [
    '--model',
    serving.model,
    '--served-model-name',
    servedModelName(serving),
    '--tensor-parallel-size',
    String(serving.tensor_parallel_size),
    '--pipeline-parallel-size',
    String(serving.pipeline_parallel_size),
    '--max-model-len',
    String(serving.max_model_len),
    '--gpu-memory-utilization',
    String(serving.gpu_memory_utilization),
    '--max-num-seqs',
    String(serving.max_num_seqs),
    '--max-num-batched-tokens',
    String(serving.max_num_batched_tokens),
    '--dtype',
    serving.dtype,
    '--seed',
    String(serving.seed),
    // vLLM V1 turns prefix caching on by default, so "off" must be said explicitly.
    serving.enable_prefix_caching ? '--enable-prefix-caching' : '--no-enable-prefix-caching',
    '--host',
    host,
    '--port',
    String(port),
    ...serving.extra_args,
  ];
}

export function servedModelName(serving: Pick<ServingConfig, 'model' | 'served_model_name'>): string {
  return serving.served_model_name ?? serving.model;
}
