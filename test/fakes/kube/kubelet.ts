import type { V1Container, V1Node, V1Pod, V1PodCondition, V1Taint } from '@kubernetes/client-node';
import { place } from './scheduler.ts';
import type { FakeStore, Change } from './store.ts';
import type { LogQuery } from './apiserver.ts';
import { LoopbackPool, startTcpForwarder, type Forwarder } from '../net.ts';
import type { ModelServer, ModelServerFactory, ModelServerOverrides } from '../model-server.ts';
import { parseServeArgs } from '../model-server.ts';
import { fakeVllmLog } from '../vllm-log.ts';
import { isStaticPod } from './dcgm-exporter.ts';

/** What a pod does once scheduled; scripted per pod by name or predicate. */
export type PodBehavior =
  | { kind: 'healthy'; simulator?: ModelServerOverrides }
  | { kind: 'image_pull' }
  | { kind: 'missing_secret' }
  | { kind: 'crash'; exitCode?: number; afterMs?: number }
  | { kind: 'oom'; afterMs?: number }
  | { kind: 'never_ready' };

export interface FakeNodeSpec {
  name: string;
  gpus: number;
  product?: string;
  memoryMb?: number;
  gpuResource?: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
}

type Stage = 'unscheduled' | 'scheduled' | 'starting' | 'running' | 'ready' | 'stuck' | 'terminated';

interface PodRuntime {
  namespace: string;
  name: string;
  stage: Stage;
  behavior: PodBehavior;
  log: string[];
  busy: boolean;
  ticks: number;
  runningSince: number | null;
  ip: string | null;
  server: ModelServer | null;
  forwarder: Forwarder | null;
}

const TERMINAL: readonly Stage[] = ['terminated'];

function condition(type: string, status: 'True' | 'False' | 'Unknown', reason?: string, message?: string): V1PodCondition {
  return { type, status, lastTransitionTime: new Date(), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function setCondition(pod: V1Pod, next: V1PodCondition): void {
  const status = (pod.status ??= {});
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== next.type), next];
}

/**
 * The fake cluster's kubelet, scheduler and kube-proxy in one: places pods on fake GPU nodes by
 * capacity, drives them through Pending → Running → Ready (or a scripted failure), runs a vLLM
 * simulator per running pod reachable at podIP:containerPort, and forwards Service cluster IPs.
 */
export class FakeKubelet {
  readonly #store: FakeStore;
  readonly #startModelServer: ModelServerFactory;
  readonly #pods = new Map<string, PodRuntime>();
  readonly #services = new Map<string, Forwarder>();
  readonly #scripts: { match: (pod: V1Pod) => boolean; behavior: PodBehavior }[] = [];
  readonly #ips = new LoopbackPool();
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(store: FakeStore, startModelServer: ModelServerFactory, tickMs = 20) {
    this.#store = store;
    this.#startModelServer = startModelServer;
    this.#unsubscribe = store.subscribe((change) => this.#onChange(change));
    this.#timer = setInterval(() => this.#tick(), tickMs);
  }

  addNode(spec: FakeNodeSpec): void {
    const gpuResource = spec.gpuResource ?? 'nvidia.com/gpu';
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: spec.name,
        labels: {
          'kubernetes.io/hostname': spec.name,
          'nvidia.com/gpu.product': spec.product ?? 'NVIDIA-H100-80GB-HBM3',
          'nvidia.com/gpu.memory': String(spec.memoryMb ?? 81559),
          'nvidia.com/gpu.count': String(spec.gpus),
          ...spec.labels,
        },
      },
      spec: { taints: spec.taints ?? [] },
      status: {
        capacity: { [gpuResource]: String(spec.gpus), cpu: '64', memory: '512Gi' },
        allocatable: { [gpuResource]: String(spec.gpus), cpu: '64', memory: '512Gi' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      },
    };
    this.#store.create('nodes', node);
  }

  /** Pods created from now on whose name contains `match` (or that satisfy it) behave so. Later scripts win. */
  script(match: string | ((pod: V1Pod) => boolean), behavior: PodBehavior): void {
    const fn = typeof match === 'string' ? (pod: V1Pod) => (pod.metadata?.name ?? '').includes(match) : match;
    this.#scripts.unshift({ match: fn, behavior });
  }

  clearScripts(): void {
    this.#scripts.length = 0;
  }

  /** Kubelet eviction under node pressure: Failed, reason Evicted, DisruptionTarget. */
  async evict(namespace: string, name: string): Promise<void> {
    await this.#stopServer(namespace, name);
    this.#terminate(namespace, name, (pod) => {
      pod.status = { ...pod.status, phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi.' };
      setCondition(pod, condition('DisruptionTarget', 'True', 'TerminationByKubelet', 'The node was low on resource: memory.'));
      setCondition(pod, condition('Ready', 'False', 'PodFailed'));
    });
    this.#event(namespace, name, 'Warning', 'Evicted', 'The node was low on resource: memory.');
  }

  /** Scheduler preemption: DisruptionTarget, then the pod object is deleted. */
  async preempt(namespace: string, name: string): Promise<void> {
    await this.#stopServer(namespace, name);
    this.#terminate(namespace, name, (pod) => setCondition(pod, condition('DisruptionTarget', 'True', 'PreemptionByScheduler', 'Preempted by a higher-priority pod')));
    this.#event(namespace, name, 'Normal', 'Preempted', 'Preempted by pod on node');
    this.#store.delete('pods', namespace, name);
  }

  /** The node stops reporting: NotReady, its pods marked for deletion by the taint manager (they stay Terminating). */
  async loseNode(nodeName: string): Promise<void> {
    this.#store.update('nodes', undefined, nodeName, (node) => {
      node.status = { ...node.status, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] };
      node.spec = { ...node.spec, taints: [...(node.spec?.taints ?? []), { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] };
    });
    for (const pod of this.#store.list('pods', { namespace: null, labelSelector: null, fieldSelector: `spec.nodeName=${nodeName}` })) {
      const namespace = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      await this.#stopServer(namespace, name);
      this.#terminate(namespace, name, (p) => {
        p.metadata = { ...p.metadata, deletionTimestamp: new Date(), deletionGracePeriodSeconds: 0 };
        p.status = { ...p.status, reason: 'NodeLost', message: `Node ${nodeName} which was running pod ${name} is unresponsive` };
        setCondition(p, condition('DisruptionTarget', 'True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint'));
        setCondition(p, condition('Ready', 'False', 'NodeLost'));
      });
      this.#event(namespace, name, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    }
  }

  podLog(namespace: string, name: string, query: LogQuery): string | null {
    const rt = this.#pods.get(`${namespace}/${name}`);
    if (rt === undefined) return null;
    const lines = query.tailLines === null ? rt.log : rt.log.slice(-query.tailLines);
    return lines.map((l) => `${l}\n`).join('');
  }

  /** The simulator port behind a running pod, for add-ons that observe it (the fake DCGM exporter). */
  modelServerPort(namespace: string, name: string): number | null {
    return this.#pods.get(`${namespace}/${name}`)?.server?.port ?? null;
  }

  allocateClusterIP(): string {
    return this.#ips.allocate();
  }

  /** Model servers and forwarders still open (0 once every pod and service is gone). */
  get openServers(): number {
    return [...this.#pods.values()].filter((rt) => rt.server !== null || rt.forwarder !== null).length + this.#services.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe();
    await Promise.allSettled([...this.#pending]);
    await Promise.all([...this.#pods.values()].map((rt) => this.#stopRuntime(rt)));
    await Promise.all([...this.#services.values()].map((f) => f.close()));
    this.#services.clear();
  }

  #track<T>(promise: Promise<T>): void {
    const p = promise.catch((err: unknown) => console.error('fake kubelet:', err)).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  #onChange(change: Change): void {
    const meta = change.object.metadata;
    const key = `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
    if (change.resource === 'pods' && change.type === 'ADDED' && !isStaticPod(change.object as V1Pod)) {
      const pod = change.object as V1Pod;
      const behavior = this.#scripts.find((s) => s.match(pod))?.behavior ?? { kind: 'healthy' };
      this.#pods.set(key, { namespace: meta?.namespace ?? '', name: meta?.name ?? '', stage: 'unscheduled', behavior, log: [], busy: false, ticks: 0, runningSince: null, ip: null, server: null, forwarder: null });
    }
    if (change.resource === 'pods' && change.type === 'DELETED') {
      const rt = this.#pods.get(key);
      this.#pods.delete(key);
      if (rt) {
        rt.stage = 'terminated';
        this.#track(this.#stopRuntime(rt));
      }
    }
    if (change.resource === 'services' && change.type === 'ADDED') this.#track(this.#exposeService(key));
    if (change.resource === 'services' && change.type === 'DELETED') {
      const fwd = this.#services.get(key);
      this.#services.delete(key);
      if (fwd) this.#track(fwd.close());
    }
  }

  async #exposeService(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const svc = this.#store.get('services', namespace, name);
    const ip = svc?.spec?.clusterIP;
    const port = svc?.spec?.ports?.[0]?.port;
    if (svc === undefined || ip === undefined || port === undefined) return;
    const selector = Object.entries(svc.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const target = (): number | null => {
      const pod = this.#store.list('pods', { namespace, labelSelector: selector, fieldSelector: null }).find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return pod === undefined ? null : (this.#pods.get(`${namespace}/${pod.metadata?.name ?? ''}`)?.server?.port ?? null);
    };
    this.#services.set(key, await startTcpForwarder(ip, port, target));
  }

  #tick(): void {
    for (const rt of this.#pods.values()) {
      if (rt.busy || TERMINAL.includes(rt.stage)) continue;
      rt.ticks += 1;
      rt.busy = true;
      this.#track(this.#step(rt).finally(() => (rt.busy = false)));
    }
  }

  #pod(rt: PodRuntime): V1Pod | undefined {
    return this.#store.get('pods', rt.namespace, rt.name);
  }

  #update(rt: PodRuntime, mutate: (pod: V1Pod) => void): void {
    this.#store.update('pods', rt.namespace, rt.name, mutate);
  }

  #event(namespace: string, name: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const pod = this.#store.get('pods', namespace, name);
    if (pod) this.#store.recordEvent({ ...pod, kind: 'Pod' }, type, reason, message);
  }

  #terminate(namespace: string, name: string, mutate: (pod: V1Pod) => void): void {
    const rt = this.#pods.get(`${namespace}/${name}`);
    if (rt) rt.stage = 'terminated';
    this.#store.update('pods', namespace, name, mutate);
  }

  async #step(rt: PodRuntime): Promise<void> {
    const pod = this.#pod(rt);
    if (pod === undefined) return;
    this.#enforceDeadline(rt, pod);
    const steps: Record<Stage, (rt: PodRuntime, pod: V1Pod) => Promise<void> | void> = {
      unscheduled: (r, p) => this.#schedule(r, p),
      scheduled: (r, p) => this.#createContainer(r, p),
      starting: (r, p) => this.#startContainer(r, p),
      running: (r, p) => this.#probe(r, p),
      ready: () => undefined,
      stuck: () => undefined,
      terminated: () => undefined,
    };
    await steps[rt.stage](rt, pod);
  }

  #enforceDeadline(rt: PodRuntime, pod: V1Pod): void {
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline === undefined || rt.runningSince === null || Date.now() - rt.runningSince < deadline * 1000) return;
    this.#track(this.#stopServer(rt.namespace, rt.name));
    this.#terminate(rt.namespace, rt.name, (p) => {
      p.status = { ...p.status, phase: 'Failed', reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
    });
    this.#event(rt.namespace, rt.name, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
  }

  #schedule(rt: PodRuntime, pod: V1Pod): void {
    // Scheduling attempts every few ticks, like the scheduler's backoff queue.
    if (rt.ticks % 3 !== 1) return;
    const nodes = this.#store.list('nodes', { namespace: null, labelSelector: null, fieldSelector: null });
    const placement = place(pod, nodes, (node) => this.#store.list('pods', { namespace: null, labelSelector: null, fieldSelector: `spec.nodeName=${node}` }));
    if ('unschedulable' in placement) {
      this.#update(rt, (p) => setCondition(p, condition('PodScheduled', 'False', 'Unschedulable', placement.unschedulable)));
      this.#event(rt.namespace, rt.name, 'Warning', 'FailedScheduling', placement.unschedulable);
      return;
    }
    const nodeName = placement.node;
    rt.stage = 'scheduled';
    this.#update(rt, (p) => {
      p.spec = { ...p.spec, containers: p.spec?.containers ?? [], nodeName };
      setCondition(p, condition('PodScheduled', 'True'));
    });
    this.#event(rt.namespace, rt.name, 'Normal', 'Scheduled', `Successfully assigned ${rt.namespace}/${rt.name} to ${nodeName}`);
  }

  #createContainer(rt: PodRuntime, pod: V1Pod): void {
    const container = pod.spec?.containers[0];
    const image = container?.image ?? '';
    rt.ip = this.#ips.allocate();
    const waiting = (reason: string, message?: string) => (p: V1Pod) => {
      p.status = {
        ...p.status,
        hostIP: '10.0.0.1',
        podIP: rt.ip ?? undefined,
        podIPs: [{ ip: rt.ip ?? '' }],
        startTime: p.status?.startTime ?? new Date(),
        containerStatuses: [{ name: container?.name ?? 'main', image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason, ...(message ? { message } : {}) } } }],
      };
      setCondition(p, condition('Initialized', 'True'));
      setCondition(p, condition('Ready', 'False', 'ContainersNotReady'));
    };
    rt.runningSince = Date.now();
    const failures: Partial<Record<PodBehavior['kind'], () => void>> = {
      image_pull: () => {
        const message = `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`;
        this.#update(rt, waiting('ErrImagePull', message));
        this.#event(rt.namespace, rt.name, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
        // The kubelet's next sync reports the backoff, as a real one does.
        setTimeout(() => this.#update(rt, waiting('ImagePullBackOff', `Back-off pulling image "${image}"`)), 50).unref();
      },
      missing_secret: () => {
        this.#update(rt, waiting('CreateContainerConfigError', 'secret "hf-token" not found'));
        this.#event(rt.namespace, rt.name, 'Warning', 'Failed', 'Error: secret "hf-token" not found');
      },
    };
    const fail = failures[rt.behavior.kind];
    if (fail !== undefined) {
      rt.stage = 'stuck';
      fail();
      return;
    }
    this.#update(rt, waiting('ContainerCreating'));
    this.#event(rt.namespace, rt.name, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    rt.stage = 'starting';
  }

  async #startContainer(rt: PodRuntime, pod: V1Pod): Promise<void> {
    const container: V1Container | undefined = pod.spec?.containers[0];
    const args = parseServeArgs(container?.args ?? []);
    const port = container?.ports?.[0]?.containerPort ?? args.port;
    rt.log.push(...fakeVllmLog.starting(args.model, port, container?.args ?? []));
    if (rt.behavior.kind === 'healthy') {
      rt.server = await this.#startModelServer({ model: args.servedModelName, overrides: rt.behavior.simulator ?? {} });
    }
    // never_ready: the port is open but nothing answers behind it.
    rt.forwarder = await startTcpForwarder(rt.ip ?? '127.0.0.1', port, () => rt.server?.port ?? null);
    if (this.#pod(rt) === undefined) {
      // Deleted while the server was starting: nothing else will close it.
      await this.#stopRuntime(rt);
      return;
    }
    rt.stage = 'running';
    this.#event(rt.namespace, rt.name, 'Normal', 'Created', `Created container ${container?.name ?? ''}`);
    this.#event(rt.namespace, rt.name, 'Normal', 'Started', `Started container ${container?.name ?? ''}`);
    this.#update(rt, (p) => {
      const cs = p.status?.containerStatuses?.[0];
      if (cs) Object.assign(cs, { started: true, containerID: `containerd://${rt.name}`, state: { running: { startedAt: new Date() } } });
      p.status = { ...p.status, phase: 'Running' };
    });
  }

  async #probe(rt: PodRuntime, pod: V1Pod): Promise<void> {
    const { behavior } = rt;
    if (behavior.kind === 'crash' || behavior.kind === 'oom') {
      const since = Date.now() - (rt.runningSince ?? Date.now());
      if (since < (behavior.afterMs ?? 100)) return;
      const oom = behavior.kind === 'oom';
      rt.log.push(...(oom ? fakeVllmLog.oom() : fakeVllmLog.crash()));
      await this.#stopServer(rt.namespace, rt.name);
      const exitCode = oom ? 137 : (behavior.kind === 'crash' ? (behavior.exitCode ?? 1) : 1);
      const terminated = { exitCode, reason: oom ? 'OOMKilled' : 'Error', startedAt: new Date(rt.runningSince ?? Date.now()), finishedAt: new Date() };
      const never = (pod.spec?.restartPolicy ?? 'Always') === 'Never';
      this.#terminate(rt.namespace, rt.name, (p) => {
        const cs = p.status?.containerStatuses?.[0];
        if (cs) Object.assign(cs, never ? { state: { terminated }, ready: false } : { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } }, lastState: { terminated }, restartCount: 1 });
        if (never) p.status = { ...p.status, phase: 'Failed' };
        setCondition(p, condition('Ready', 'False', 'ContainersNotReady'));
      });
      if (!never) this.#event(rt.namespace, rt.name, 'Warning', 'BackOff', 'Back-off restarting failed container');
      return;
    }
    if (rt.server === null) return;
    const healthy = await fetch(`http://127.0.0.1:${rt.server.port}/health`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (!healthy) return;
    rt.stage = 'ready';
    rt.log.push(...fakeVllmLog.ready());
    this.#update(rt, (p) => {
      const cs = p.status?.containerStatuses?.[0];
      if (cs) cs.ready = true;
      setCondition(p, condition('ContainersReady', 'True'));
      setCondition(p, condition('Ready', 'True'));
    });
  }

  async #stopServer(namespace: string, name: string): Promise<void> {
    const rt = this.#pods.get(`${namespace}/${name}`);
    if (rt !== undefined) await this.#stopRuntime(rt);
  }

  async #stopRuntime(rt: PodRuntime): Promise<void> {
    const { server, forwarder } = rt;
    rt.server = null;
    rt.forwarder = null;
    await Promise.all([server?.close(), forwarder?.close()]);
  }
}
