import type { V1Node, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';

/** Extended resources (GPUs) a pod asks for, summed over its containers; cpu and memory are not modelled. */
export function podRequests(pod: V1Pod): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) {
    const res = c.resources?.requests ?? c.resources?.limits ?? {};
    for (const [k, v] of Object.entries(res)) if (!['cpu', 'memory', 'ephemeral-storage'].includes(k)) total[k] = (total[k] ?? 0) + Number(v);
  }
  return total;
}

function tolerates(tolerations: V1Toleration[], taint: V1Taint): boolean {
  return tolerations.some(
    (t) => (t.effect === undefined || t.effect === taint.effect) && (t.operator === 'Exists' ? t.key === undefined || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}

export type Placement = { node: string } | { unschedulable: string };

/**
 * The default scheduler's filter step, for what evalflow pods use: node readiness, nodeSelector,
 * taints, and extended-resource capacity minus what the node's live pods hold. The failure message
 * has the real scheduler's shape ("0/2 nodes are available: 2 Insufficient nvidia.com/gpu. ...").
 */
export function place(pod: V1Pod, nodes: V1Node[], podsOn: (node: string) => V1Pod[]): Placement {
  const want = podRequests(pod);
  const reasons = new Map<string, number>();
  const reject = (reason: string): false => {
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    return false;
  };
  const fit = nodes.find((node) => {
    const name = node.metadata?.name ?? '';
    if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return reject('node(s) were not ready');
    if (Object.entries(pod.spec?.nodeSelector ?? {}).some(([k, v]) => node.metadata?.labels?.[k] !== v)) return reject("node(s) didn't match Pod's node affinity/selector");
    const blocking = (node.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule' && !tolerates(pod.spec?.tolerations ?? [], t));
    if (blocking.length > 0) return reject(`node(s) had untolerated taint {${blocking[0]?.key ?? ''}}`);
    const used = podsOn(name)
      .filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')
      .map(podRequests);
    for (const [resource, count] of Object.entries(want)) {
      const free = Number(node.status?.allocatable?.[resource] ?? '0') - used.reduce((sum, r) => sum + (r[resource] ?? 0), 0);
      if (free < count) return reject(`Insufficient ${resource}`);
    }
    return true;
  });
  if (fit !== undefined) return { node: fit.metadata?.name ?? '' };
  const detail = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
  const n = nodes.length;
  return { unschedulable: `0/${n} nodes are available: ${detail}. preemption: 0/${n} nodes are available: ${n} No preemption victims found for incoming pod.` };
}
