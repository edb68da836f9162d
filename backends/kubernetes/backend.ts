import { join } from 'node:path';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { EvalflowError, isRetryable } from '../../common/errors.ts';
import { writeTextAtomic } from '../../store/files.ts';
import type { Allocation, AllocationSpec, Backend, BackendContext, ServerEndpoint, StartOptions } from '../types.ts';
import { gpuCount, gpusFromNodeLabels } from '../hardware.ts';
import { dcgmSampler } from '../gpu-telemetry/dcgm.ts';
import type { GpuTelemetrySource } from '../gpu-telemetry/sampler.ts';
import { servedModelName } from '../local/serve-args.ts';
import { kube, kubeAllowing, loadKubeConfig, makeClients, type KubeClients, type KubeConfigFactory, type KubernetesBackendConfig } from './client.ts';
import { viewPod } from './classify.ts';
import { ANNOTATION, serverName } from './naming.ts';
import { buildPod, buildService, CONTAINER_NAME } from './pod-spec.ts';
import { kubernetesLeftovers } from './leftovers.ts';
import type { LeftoverSource } from './reaper.ts';
import { waitForPod, waitForPodGone } from './wait.ts';

export interface KubernetesBackendDeps {
  /** Defaults to loadKubeConfig (kubeconfig path, in-cluster, default); tests point it at the fake apiserver. */
  kubeConfigFor?: KubeConfigFactory;
}

export function kubernetesConfigOf(spec: Pick<AllocationSpec, 'backend'>): KubernetesBackendConfig {
  if (spec.backend.kind !== 'kubernetes') {
    throw new EvalflowError('config_invalid', `the kubernetes backend got a ${spec.backend.kind} backend config`);
  }
  return spec.backend;
}

function urlHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * vLLM servers as bare Pods (restartPolicy Never): one pod per (workflow, model), found again by name after any crash.
 * GPU power and memory come from the DCGM exporter pod on the server pod's node (gpuTelemetry).
 */
export class KubernetesBackend implements Backend {
  readonly kind = 'kubernetes' as const;
  readonly #kubeConfigFor: KubeConfigFactory;
  readonly #clients = new Map<string, KubeClients>();

  constructor(deps: KubernetesBackendDeps = {}) {
    this.#kubeConfigFor = deps.kubeConfigFor ?? loadKubeConfig;
  }

  #core(cfg: KubernetesBackendConfig): CoreV1Api {
    const key = `${cfg.kubeconfig ?? ''}\u0000${cfg.context ?? ''}`;
    let clients = this.#clients.get(key);
    if (clients === undefined) {
      clients = makeClients(this.#kubeConfigFor(cfg));
      this.#clients.set(key, clients);
    }
    return clients.core;
  }

  async allocate(spec: AllocationSpec, ctx: BackendContext): Promise<Allocation> {
    const cfg = kubernetesConfigOf(spec);
    const core = this.#core(cfg);
    const desired = buildPod(spec, cfg);
    const name = desired.metadata?.name ?? serverName(spec.workflowId, spec.modelName);
    await this.#createOrAdopt(core, cfg, desired, ctx);
    const pod = await waitForPod({ core, cfg, name, goal: 'scheduled', ctx });
    const node = pod.spec?.nodeName ?? null;
    return {
      kind: 'kubernetes',
      id: name,
      placement: { namespace: cfg.namespace, pod: name, node },
      gpus: node === null ? [] : await this.#nodeGpus(core, node, gpuCount(spec.serving), ctx),
      allocatedAtMs: Date.now(),
    };
  }

  /** 409 means a previous attempt got here first: adopt a live pod with the same spec hash; replace a dead one. */
  async #createOrAdopt(core: CoreV1Api, cfg: KubernetesBackendConfig, desired: V1Pod, ctx: BackendContext, replaced = false): Promise<void> {
    const name = desired.metadata?.name ?? '';
    const created = await kubeAllowing(`create pod ${name}`, [409], () => core.createNamespacedPod({ namespace: cfg.namespace, body: desired }));
    if (created !== 409) {
      ctx.log(`created pod ${cfg.namespace}/${name}`);
      return;
    }
    const existing = await kube(`read pod ${name}`, () => core.readNamespacedPod({ name, namespace: cfg.namespace }));
    const want = desired.metadata?.annotations?.[ANNOTATION.specHash];
    const have = existing.metadata?.annotations?.[ANNOTATION.specHash];
    if (have !== want) {
      throw new EvalflowError('backend_api', `pod ${cfg.namespace}/${name} exists with a different spec (hash ${have ?? 'none'}, want ${want ?? '?'}); delete it or use another workflow id`, {
        namespace: cfg.namespace,
        pod: name,
        existing_hash: have ?? null,
        wanted_hash: want ?? null,
      });
    }
    const view = viewPod(existing);
    const dead = view.deleting || existing.status?.phase === 'Failed' || existing.status?.phase === 'Succeeded';
    if (!dead) {
      ctx.log(`adopted existing pod ${cfg.namespace}/${name} (${view.summary})`);
      return;
    }
    if (replaced) throw new EvalflowError('backend_api', `pod ${cfg.namespace}/${name} came back dead after being replaced`, { namespace: cfg.namespace, pod: name });
    // A retry after eviction must not adopt the evicted pod: delete it and start over under the same name.
    ctx.log(`replacing dead pod ${cfg.namespace}/${name} (${view.summary})`);
    await kubeAllowing(`delete pod ${name}`, [404], () => core.deleteNamespacedPod({ name, namespace: cfg.namespace }));
    await waitForPodGone(core, cfg, name, ctx);
    await this.#createOrAdopt(core, cfg, desired, ctx, true);
  }

  async #nodeGpus(core: CoreV1Api, node: string, count: number, ctx: BackendContext): Promise<Allocation['gpus']> {
    try {
      const n = await core.readNode({ name: node });
      return gpusFromNodeLabels(n.metadata?.labels, count);
    } catch (err) {
      // Reading nodes needs a ClusterRole that a cluster may not grant; GPU info is metadata, not a reason to fail.
      ctx.log(`cannot read node ${node} for GPU labels: ${err instanceof Error ? err.message : String(err)}`);
      return gpusFromNodeLabels(undefined, count);
    }
  }

  /** The DCGM exporter pod beside the server pod (same node), whose series carry the pod's name. */
  async gpuTelemetry(spec: AllocationSpec, allocation: Allocation): Promise<GpuTelemetrySource> {
    const cfg = kubernetesConfigOf(spec);
    const { dcgm_exporter: exporter, interval_s: intervalS } = cfg.gpu_telemetry;
    if (exporter === null) return { unavailable: 'GPU sampling is off (backend.gpu_telemetry.dcgm_exporter: null)' };
    const core = this.#core(cfg);
    // The pod's node now: a pod replaced after a server loss may have landed elsewhere than at allocation.
    const current = await kubeAllowing(`read pod ${allocation.id}`, [404], () => core.readNamespacedPod({ name: allocation.id, namespace: cfg.namespace }));
    const node = typeof current === 'number' ? null : (current.spec?.nodeName ?? null);
    if (node === null) return { unavailable: `pod ${cfg.namespace}/${allocation.id} is not on a node` };
    const where = `namespace ${exporter.namespace} (${exporter.label_selector}) on node ${node}`;
    let pods: V1Pod[];
    try {
      const list = await core.listNamespacedPod({ namespace: exporter.namespace, labelSelector: exporter.label_selector, fieldSelector: `spec.nodeName=${node}` });
      pods = list.items;
    } catch (err) {
      // Typically 403: k8s/rbac.yaml's Role in the exporter's namespace is not applied.
      return { unavailable: `cannot list DCGM exporter pods in ${where}: ${err instanceof Error ? err.message : String(err)}` };
    }
    const running = pods.find((p) => p.status?.phase === 'Running' && (p.status.podIP ?? '') !== '');
    if (running?.status?.podIP === undefined) return { unavailable: `no running DCGM exporter pod in ${where}` };
    const url = `http://${urlHost(running.status.podIP)}:${exporter.port}${exporter.path}`;
    return { sampler: dcgmSampler(url, { namespace: cfg.namespace, name: allocation.id }, intervalS) };
  }

  async start(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext, opts: StartOptions = {}): Promise<ServerEndpoint> {
    const cfg = kubernetesConfigOf(spec);
    const core = this.#core(cfg);
    const name = serverName(spec.workflowId, spec.modelName);
    await this.#recoverForRetry(core, cfg, spec, ctx, opts.afterServerLoss === true);
    const pod = await waitForPod({ core, cfg, name, goal: 'ready', ctx });
    const model = servedModelName(spec.serving);
    if (cfg.expose === 'service') {
      const clusterIP = await this.#ensureService(core, cfg, spec, pod);
      return { baseUrl: `http://${urlHost(clusterIP)}:${spec.serving.port}`, model };
    }
    const podIP = pod.status?.podIP;
    if (podIP === undefined || podIP === '') throw new EvalflowError('backend_api', `pod ${cfg.namespace}/${name} is Ready but has no IP`, { namespace: cfg.namespace, pod: name });
    return { baseUrl: `http://${urlHost(podIP)}:${spec.serving.port}`, model };
  }

  /**
   * A retried start after a retryable loss (evicted, preempted, node gone) must not wait on the dead
   * pod: recreate it. Non-retryable verdicts are left for the wait to report with their logs.
   */
  async #recoverForRetry(core: CoreV1Api, cfg: KubernetesBackendConfig, spec: AllocationSpec, ctx: BackendContext, afterServerLoss: boolean): Promise<void> {
    const desired = buildPod(spec, cfg);
    const name = desired.metadata?.name ?? '';
    const existing = await kubeAllowing(`read pod ${name}`, [404], () => core.readNamespacedPod({ name, namespace: cfg.namespace }));
    if (typeof existing !== 'number') {
      const { failure, deleting } = viewPod(existing);
      // After serving, one crash is replaced (the suite bounds the restarts); at startup it is a crash loop.
      const replaceCrash = afterServerLoss && failure?.code === 'crash_loop';
      if (!deleting && !replaceCrash && (failure === null || !isRetryable(failure.code))) return;
    }
    ctx.log(`pod ${cfg.namespace}/${name} ${existing === 404 ? 'is gone' : 'was lost'}; creating it again`);
    await this.#createOrAdopt(core, cfg, desired, ctx);
  }

  async #ensureService(core: CoreV1Api, cfg: KubernetesBackendConfig, spec: AllocationSpec, pod: V1Pod): Promise<string> {
    const body = buildService(spec, cfg, pod.metadata?.uid ?? '');
    const name = body.metadata?.name ?? '';
    const created = await kubeAllowing(`create service ${name}`, [409], () => core.createNamespacedService({ namespace: cfg.namespace, body }));
    // A Service has no spec worth comparing beyond its selector, which the name already fixes: adopt on 409.
    const svc = typeof created === 'number' ? await kube(`read service ${name}`, () => core.readNamespacedService({ name, namespace: cfg.namespace })) : created;
    const ip = svc.spec?.clusterIP;
    if (ip === undefined || ip === '' || ip === 'None') throw new EvalflowError('backend_api', `service ${cfg.namespace}/${name} has no cluster IP`, { namespace: cfg.namespace, service: name });
    return ip;
  }

  async saveLogs(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext): Promise<string | null> {
    const cfg = kubernetesConfigOf(spec);
    const core = this.#core(cfg);
    const name = serverName(spec.workflowId, spec.modelName);
    try {
      const text = await core.readNamespacedPodLog({ name, namespace: cfg.namespace, container: CONTAINER_NAME });
      const path = join(spec.logDir, 'server.log');
      await writeTextAtomic(path, text);
      return path;
    } catch (err) {
      ctx.log(`no server log saved for pod ${cfg.namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  /** Needs only the spec (names are deterministic), so a workflow can tear down after a failed allocate. */
  async teardown(spec: AllocationSpec, _allocation: Allocation | null, ctx: BackendContext): Promise<void> {
    const cfg = kubernetesConfigOf(spec);
    const core = this.#core(cfg);
    const name = serverName(spec.workflowId, spec.modelName);
    const svc = await kubeAllowing(`delete service ${name}`, [404], () => core.deleteNamespacedService({ name, namespace: cfg.namespace }));
    const pod = await kubeAllowing(`delete pod ${name}`, [404], () => core.deleteNamespacedPod({ name, namespace: cfg.namespace }));
    ctx.log(`teardown ${cfg.namespace}/${name}: pod ${pod === 404 ? 'already gone' : 'deleted'}${svc === 404 ? '' : ', service deleted'}`);
  }

  /** Everything evalflow created in the config's namespace, for the reaper. */
  leftovers(cfg: KubernetesBackendConfig): LeftoverSource {
    return kubernetesLeftovers(this.#core(cfg), cfg.namespace);
  }
}

export function createKubernetesBackend(deps: KubernetesBackendDeps = {}): KubernetesBackend {
  return new KubernetesBackend(deps);
}
