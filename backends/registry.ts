import type { BackendRegistry } from '../activities/server.ts';
import { createSimBackend } from './sim/backend.ts';
import { createExternalBackend } from './external.ts';
import { createKubernetesBackend } from './kubernetes/backend.ts';
import { createDockerBackend } from './docker/backend.ts';
import { createLocalBackend } from './local/backend.ts';

/** Every backend a worker offers, keyed by the `backend.kind` a suite names. */
export function createBackends(): Required<BackendRegistry> {
  return {
    sim: createSimBackend(),
    external: createExternalBackend(),
    kubernetes: createKubernetesBackend(),
    docker: createDockerBackend(),
    local: createLocalBackend(),
  };
}
