import type { CoreV1Api, V1ObjectMeta } from '@kubernetes/client-node';
import { kube, kubeAllowing } from './client.ts';
import { ANNOTATION, LABEL, MANAGED_SELECTOR } from './naming.ts';
import type { Leftover, LeftoverSource } from './reaper.ts';

function fromMeta(resource: 'pod' | 'service', meta: V1ObjectMeta | undefined, state: string): Leftover {
  return {
    kind: 'kubernetes',
    resource,
    name: meta?.name ?? '',
    // The annotation has the full id; the label may be a hashed, shortened form.
    workflowId: meta?.annotations?.[ANNOTATION.workflowId] ?? meta?.labels?.[LABEL.workflowId] ?? null,
    runId: meta?.labels?.[LABEL.runId] ?? null,
    model: meta?.labels?.[LABEL.model] ?? null,
    createdAt: meta?.creationTimestamp?.toISOString() ?? null,
    state,
  };
}

/** Pods and Services carrying evalflow's managed-by label in one namespace. */
export function kubernetesLeftovers(core: CoreV1Api, namespace: string): LeftoverSource {
  return {
    async list() {
      const [pods, services] = await Promise.all([
        kube('list pods', () => core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR })),
        kube('list services', () => core.listNamespacedService({ namespace, labelSelector: MANAGED_SELECTOR })),
      ]);
      return [...pods.items.map((p) => fromMeta('pod', p.metadata, p.status?.phase ?? 'Unknown')), ...services.items.map((s) => fromMeta('service', s.metadata, 'Active'))];
    },
    async remove(leftover) {
      const { name } = leftover;
      const remove = leftover.resource === 'service' ? () => core.deleteNamespacedService({ name, namespace }) : () => core.deleteNamespacedPod({ name, namespace });
      await kubeAllowing<unknown>(`delete ${leftover.resource} ${name}`, [404], remove);
    },
  };
}
