import type { BackendRegistry } from '../activities/server.ts';
import { createSimBackend } from './sim/backend.ts';
import { createExternalBackend } from './external.ts';

/** Every backend a worker offers, keyed by the `backend.kind` a suite names. */
export function createBackends(): BackendRegistry {
  return {
    sim: createSimBackend(),
    external: createExternalBackend(),
  };
}
