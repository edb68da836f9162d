/** Log lines shaped like vLLM's, so log tails in error messages look like the real thing. */
function stamp(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const fakeVllmLog = {
  starting: (model: string, port: number, args: readonly string[]): string[] => [
    `INFO ${stamp()} [api_server.py:1885] vLLM API server version 0.11.0`,
    `INFO ${stamp()} [utils.py:328] non-default args: ${args.join(' ')}`,
    `INFO ${stamp()} [model.py:547] Resolved architecture for ${model}`,
    `INFO ${stamp()} [api_server.py:1920] Starting vLLM API server 0 on http://0.0.0.0:${port}`,
  ],
  ready: (): string[] => [`INFO:     Started server process [1]`, `INFO:     Application startup complete.`],
  crash: (): string[] => [
    `ERROR ${stamp()} [core.py:708] EngineCore failed to start.`,
    'Traceback (most recent call last):',
    '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/core.py", line 699, in run_engine_core',
    'ValueError: The model\'s max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (42000).',
  ],
  oom: (): string[] => [`INFO ${stamp()} [default_loader.py:267] Loading safetensors checkpoint shards:  63% Completed | 5/8`],
};
