import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { SimulatorOptions } from '../configs/schema/simulator.ts';
import { startSimulator } from '../simulator/server.ts';
import type { SimulatorHandle } from '../simulator/server.ts';
import { LABEL } from '../backends/kubernetes/naming.ts';
import { FakeCluster } from '../test/fakes/kube/cluster.ts';
import type { FakeNodeSpec } from '../test/fakes/kube/kubelet.ts';
import type { ModelServerFactory } from '../test/fakes/model-server.ts';
import { parseServeArgs } from '../test/fakes/model-server.ts';
import { writeFakeKubeconfig } from '../test/support/backend-fixtures.ts';
import type { ChaosRequest } from './checks.ts';

/** Two 8-GPU nodes with the fake's default product label, which the chaos sweep's GPU pool names. */
export const CHAOS_NODES: FakeNodeSpec[] = [
  { name: 'gpu-node-1', gpus: 8 },
  { name: 'gpu-node-2', gpus: 8 },
];
export const CHAOS_GPU_PRODUCT = 'NVIDIA-H100-80GB-HBM3';

/**
 * The simulator every pod runs: fast enough that a sweep takes seconds, slow enough (4 sequences at once,
 * ~0.3 s a reply) that a quality step is still running when a fault lands.
 */
export const POD_SIMULATOR = SimulatorOptions.parse({
  startup_delay_s: 0.2,
  ttft_base_ms: 20,
  ttft_per_prompt_token_ms: 0.001,
  itl_ms: 2,
  itl_jitter: 0,
  load_factor: 1,
  max_num_seqs: 4,
  default_output_tokens: 96,
  accuracy: { default: 0.7 },
});

/** One simulator the fake kubelet started for a pod. Its request records outlive it (read after close). */
interface SimInstance {
  index: number;
  /** The served model name (vLLM --served-model-name), the same for every pod of one model. */
  model: string;
  handle: SimulatorHandle;
  killedAtMs: number | null;
}

/** A pod as the chaos runner sees it. */
export interface PodInfo {
  namespace: string;
  name: string;
  node: string | null;
  /** The short model name (models.yaml), from evalflow's label. */
  model: string | null;
  servedModel: string;
  ready: boolean;
  phase: string;
}

/**
 * The fake kube-apiserver and kubelet (test/fakes/kube) with a hook on every model server it starts: the
 * simulators run in this process, so their server-side request records can be read at any time, also after
 * the pod is gone. That is what counts repeated requests.
 */
export class ChaosCluster {
  readonly fake: FakeCluster;
  readonly kubeconfig: string;
  readonly #instances: SimInstance[];

  private constructor(fake: FakeCluster, kubeconfig: string, instances: SimInstance[]) {
    this.fake = fake;
    this.kubeconfig = kubeconfig;
    this.#instances = instances;
  }

  static async start(dir: string): Promise<ChaosCluster> {
    const instances: SimInstance[] = [];
    const startModelServer: ModelServerFactory = async ({ model, host = '127.0.0.1', port = 0 }) => {
      const handle = await startSimulator({ options: POD_SIMULATOR, model, host, port, onCrash: 'close' });
      instances.push({ index: instances.length, model, handle, killedAtMs: null });
      return { port: handle.port, close: () => handle.close() };
    };
    const fake = await FakeCluster.start({ nodes: CHAOS_NODES, startModelServer });
    const kubeconfig = await writeFakeKubeconfig(fake, join(dir, 'kubeconfig'));
    return new ChaosCluster(fake, kubeconfig, instances);
  }

  /** Every request any pod's simulator received, live or gone. */
  requests(): ChaosRequest[] {
    return this.#instances.flatMap((inst) =>
      inst.handle.requests().map((r) => ({ model: inst.model, instance: inst.index, id: r.id, arrivalMs: r.arrivalMs, status: r.status })),
    );
  }

  /** Requests a model's pods received so far (the fault trigger watches this). */
  requestCount(servedModel: string, prefix: string): number {
    let n = 0;
    for (const inst of this.#instances) if (inst.model === servedModel) for (const r of inst.handle.requests()) if (r.id.startsWith(prefix)) n += 1;
    return n;
  }

  pods(): PodInfo[] {
    return this.fake.store.list('pods', { namespace: null, labelSelector: null, fieldSelector: null }).map(podInfo);
  }

  /** Pods, services and listening simulators left once deletes settled. */
  async leftovers(timeoutMs = 5000): Promise<{ pods: number; services: number; servers: number }> {
    return this.fake.settled(timeoutMs);
  }

  /** Kubelet eviction under node pressure (pod Failed, reason Evicted); its server stops. */
  async evict(pod: PodInfo): Promise<void> {
    await this.fake.kubelet.evict(pod.namespace, pod.name);
  }

  /** The node stops reporting: NotReady + unreachable taint, its pods marked for deletion by the taint manager. */
  async loseNode(node: string): Promise<void> {
    await this.fake.kubelet.loseNode(node);
  }

  /**
   * The vLLM process in the pod dies (killed, or OOM-killed by the kernel): its simulator closes every socket, and
   * the pod's status says so as a kubelet reports it for restartPolicy Never (container terminated, pod Failed).
   * The fake kubelet only scripts crashes before Ready, so the status is written here, into its store.
   */
  async killServer(pod: PodInfo, reason: 'Error' | 'OOMKilled'): Promise<void> {
    const now = Date.now();
    await Promise.all(
      this.#instances
        .filter((i) => i.model === pod.servedModel && i.killedAtMs === null)
        .map(async (i) => {
          i.killedAtMs = now;
          await i.handle.close();
        }),
    );
    const exitCode = reason === 'OOMKilled' ? 137 : 1;
    this.fake.store.update('pods', pod.namespace, pod.name, (p) => {
      const cs = p.status?.containerStatuses?.[0];
      const startedAt = cs?.state?.running?.startedAt ?? new Date(now);
      if (cs) Object.assign(cs, { ready: false, started: false, state: { terminated: { exitCode, reason, startedAt, finishedAt: new Date(now) } } });
      p.status = {
        ...p.status,
        phase: 'Failed',
        conditions: [...(p.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady'), { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: new Date(now) }],
      };
    });
    this.fake.store.recordEvent({ ...this.fake.store.get('pods', pod.namespace, pod.name)!, kind: 'Pod' }, 'Warning', reason === 'OOMKilled' ? 'OOMKilling' : 'BackOff', `container vllm exited (${reason}, exit ${exitCode})`);
  }

  async close(): Promise<void> {
    await this.fake.close();
    await Promise.all(this.#instances.map((i) => i.handle.close()));
  }
}

function podInfo(pod: V1Pod): PodInfo {
  const args = pod.spec?.containers[0]?.args ?? [];
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName ?? null,
    model: pod.metadata?.labels?.[LABEL.model] ?? null,
    servedModel: parseServeArgs(args).servedModelName,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    phase: pod.status?.phase ?? 'Unknown',
  };
}
