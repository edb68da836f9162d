import type { Allocation, AllocationSpec, Backend, ServerEndpoint } from './types.ts';
import type { GpuTelemetrySource } from './gpu-telemetry/sampler.ts';
import { EvalflowError } from '../common/errors.ts';

function externalConfig(spec: AllocationSpec): Extract<AllocationSpec['backend'], { kind: 'external' }> {
  if (spec.backend.kind !== 'external') throw new EvalflowError('input_invalid', `external backend given a ${spec.backend.kind} config`);
  return spec.backend;
}

/** A server someone else runs: nothing to allocate and nothing to tear down. */
export function createExternalBackend(): Backend {
  return {
    kind: 'external',
    allocate(spec: AllocationSpec): Promise<Allocation> {
      const cfg = externalConfig(spec);
      return Promise.resolve({ kind: 'external', id: cfg.base_url, placement: { base_url: cfg.base_url }, gpus: [], allocatedAtMs: Date.now() });
    },
    start(spec: AllocationSpec): Promise<ServerEndpoint> {
      const cfg = externalConfig(spec);
      const endpoint: ServerEndpoint = { baseUrl: cfg.base_url.replace(/\/+$/, ''), model: spec.serving.served_model_name ?? spec.serving.model };
      if (cfg.api_key_env) endpoint.apiKeyEnv = cfg.api_key_env;
      return Promise.resolve(endpoint);
    },
    gpuTelemetry(): Promise<GpuTelemetrySource> {
      return Promise.resolve({ unavailable: 'an external server: its GPUs are not visible to evalflow' });
    },
    saveLogs(): Promise<string | null> {
      return Promise.resolve(null);
    },
    teardown(): Promise<void> {
      return Promise.resolve();
    },
  };
}
