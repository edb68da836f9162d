import type { ContainerCreateOptions, DeviceRequest } from 'dockerode';
import type { AllocationSpec } from '../types.ts';
import type { DockerBackendConfig } from './client.ts';
import { vllmEngineArgs } from '../local/serve-args.ts';
import { ANNOTATION, serverLabels, serverName, specHash } from '../kubernetes/naming.ts';

export const HF_CACHE_PATH = '/root/.cache/huggingface';

const UNIT_BYTES: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3 };

/** "16g" / "16Gi" / "512m" → bytes; the schema already checked the form. Docker's own -shm-size reads k/m/g as binary units. */
export function sizeToBytes(size: string): number {
  const match = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(size);
  const unit = (match?.[2] ?? '').toLowerCase();
  const binary = unit.length === 1 ? `${unit}i` : unit;
  return Math.round(Number(match?.[1] ?? '0') * (UNIT_BYTES[binary] ?? 1));
}

function deviceRequest(gpus: DockerBackendConfig['gpus']): DeviceRequest {
  const base = { Driver: 'nvidia', Capabilities: [['gpu']] };
  if (gpus === 'all') return { ...base, Count: -1 };
  if (typeof gpus === 'number') return { ...base, Count: gpus };
  return { ...base, DeviceIDs: gpus };
}

export function portKey(port: number): string {
  return `${port}/tcp`;
}

/**
 * Create options for the server container, without secrets. The spec hash covers these (minus the
 * run-specific labels), so a 409 adopt knows whether the existing container runs the same server.
 */
export function buildContainer(spec: AllocationSpec, cfg: DockerBackendConfig): ContainerCreateOptions & { name: string } {
  const name = serverName(spec.workflowId, spec.modelName);
  const port = portKey(spec.serving.port);
  const options: ContainerCreateOptions = {
    Image: spec.serving.image,
    Cmd: vllmEngineArgs(spec.serving),
    Env: Object.entries(spec.serving.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`),
    ExposedPorts: { [port]: {} },
    HostConfig: {
      DeviceRequests: [deviceRequest(cfg.gpus)],
      // HostPort "0": the daemon picks a free port; inspect tells which.
      PortBindings: { [port]: [{ HostIp: cfg.publish_ip, HostPort: '0' }] },
      ...(cfg.shm_size === 'host' ? { IpcMode: 'host' } : { ShmSize: sizeToBytes(cfg.shm_size) }),
      Binds: cfg.hf_cache_dir === undefined ? [] : [`${cfg.hf_cache_dir}:${HF_CACHE_PATH}`],
      RestartPolicy: { Name: 'no' },
      // Kept after exit so a crash's logs can still be read; teardown removes it.
      AutoRemove: false,
    },
  };
  const hash = specHash(options);
  return { name, ...options, Labels: { ...serverLabels(spec), [ANNOTATION.workflowId]: spec.workflowId, [ANNOTATION.specHash]: hash } };
}
