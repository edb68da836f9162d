import type Docker from 'dockerode';
import { dockerAllowing, docker } from './client.ts';
import { ANNOTATION, LABEL, MANAGED_BY, APP_NAME } from '../kubernetes/naming.ts';
import type { LeftoverSource } from '../kubernetes/reaper.ts';

/** Containers carrying evalflow's managed-by label, running or not. */
export function dockerLeftovers(client: Docker): LeftoverSource {
  return {
    async list() {
      const containers = await docker('list containers', () => client.listContainers({ all: true, filters: { label: [`${LABEL.managedBy}=${MANAGED_BY}`, `${LABEL.name}=${APP_NAME}`] } }));
      return containers.map((c) => ({
        kind: 'docker' as const,
        resource: 'container',
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        // Docker labels have no length limit, so the full id sits under the annotation key.
        workflowId: c.Labels[ANNOTATION.workflowId] ?? c.Labels[LABEL.workflowId] ?? null,
        runId: c.Labels[LABEL.runId] ?? null,
        model: c.Labels[LABEL.model] ?? null,
        createdAt: new Date(c.Created * 1000).toISOString(),
        state: c.State,
      }));
    },
    async remove(leftover) {
      await dockerAllowing(`remove container ${leftover.name}`, [404, 409], async (): Promise<void> => {
        await client.getContainer(leftover.name).remove({ force: true });
      });
    },
  };
}
