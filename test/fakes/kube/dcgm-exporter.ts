import { createServer, type Server } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import type { FakeStore } from './store.ts';
import type { FakeNodeSpec } from './kubelet.ts';
import { closeServer } from '../net.ts';

/** Pods the fakes create for the cluster's own add-ons: the kubelet does not run them and leftover counts skip them. */
export const STATIC_POD_ANNOTATION = 'fake.evalflow.dev/static';

export function isStaticPod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[STATIC_POD_ANNOTATION] === 'true';
}

export const DCGM_NAMESPACE = 'gpu-operator';
export const DCGM_LABELS = { app: 'nvidia-dcgm-exporter' };
export const DCGM_PORT = 9400;

const IDLE_W = 70;
const MAX_W = 700;
/** Running requests at which the fake GPU draws its maximum power. */
const FULL_LOAD_REQUESTS = 8;

interface GpuState {
  energyMj: number;
  lastMs: number;
}

export interface DcgmExporterDeps {
  store: FakeStore;
  node: FakeNodeSpec;
  ip: string;
  /** The simulator port of a running pod, or null; the exporter reads its load from the simulator's /metrics. */
  modelServerPort(namespace: string, name: string): number | null;
}

async function runningRequests(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    const line = text.split('\n').find((l) => l.startsWith('vllm:num_requests_running'));
    return line === undefined ? 0 : Number(line.split(/\s+/).at(-1)) || 0;
  } catch {
    return 0;
  }
}

function gpuRequest(pod: V1Pod, resource: string): number {
  const limits = pod.spec?.containers[0]?.resources?.limits ?? {};
  return Number(limits[resource] ?? 0);
}

function memoryUtilization(pod: V1Pod): number {
  const args = pod.spec?.containers[0]?.args ?? [];
  const i = args.indexOf('--gpu-memory-utilization');
  const value = Number(i >= 0 ? args[i + 1] : 0.9);
  return Number.isFinite(value) && value > 0 ? value : 0.9;
}

/**
 * The NVIDIA DCGM exporter of one fake GPU node: a Running pod in gpu-operator with its own IP, serving
 * Prometheus text on :9400/metrics with the default fields and the pod/namespace/container labels of the
 * pod holding each GPU. Power follows the pod's simulator load; the energy counter integrates it.
 */
export class FakeDcgmExporter {
  readonly #deps: DcgmExporterDeps;
  readonly #gpus: GpuState[];
  readonly #server: Server;
  readonly podName: string;
  readonly ip: string;

  private constructor(deps: DcgmExporterDeps, server: Server) {
    this.#deps = deps;
    this.#server = server;
    this.podName = `nvidia-dcgm-exporter-${deps.node.name}`;
    this.ip = deps.ip;
    this.#gpus = Array.from({ length: deps.node.gpus }, (_, i) => ({ energyMj: 1_000_000_000 + i, lastMs: Date.now() }));
  }

  static async start(deps: DcgmExporterDeps): Promise<FakeDcgmExporter> {
    let exporter: FakeDcgmExporter | null = null;
    const server = createServer((req, res) => {
      if (req.url !== '/metrics' || exporter === null) {
        res.writeHead(404).end();
        return;
      }
      exporter.render().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => server.listen(DCGM_PORT, deps.ip, resolve));
    exporter = new FakeDcgmExporter(deps, server);
    deps.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: exporter.podName, namespace: DCGM_NAMESPACE, labels: { ...DCGM_LABELS }, annotations: { [STATIC_POD_ANNOTATION]: 'true' } },
      spec: { nodeName: deps.node.name, containers: [{ name: 'nvidia-dcgm-exporter', image: 'nvcr.io/nvidia/k8s/dcgm-exporter', ports: [{ containerPort: DCGM_PORT, name: 'metrics' }] }] },
      status: { phase: 'Running', podIP: deps.ip, podIPs: [{ ip: deps.ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    return exporter;
  }

  /** GPU index → the running pod holding it, in the order pods were placed on the node. */
  #assignments(): Map<number, V1Pod> {
    const resource = this.#deps.node.gpuResource ?? 'nvidia.com/gpu';
    const pods = this.#deps.store
      .list('pods', { namespace: null, labelSelector: null, fieldSelector: `spec.nodeName=${this.#deps.node.name}` })
      .filter((p) => !isStaticPod(p) && p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined);
    const byGpu = new Map<number, V1Pod>();
    let next = 0;
    for (const pod of pods) for (let n = gpuRequest(pod, resource); n > 0 && next < this.#gpus.length; n--) byGpu.set(next++, pod);
    return byGpu;
  }

  async render(): Promise<string> {
    const { node } = this.#deps;
    const product = (node.product ?? 'NVIDIA-H100-80GB-HBM3').replaceAll('-', ' ');
    const totalMb = node.memoryMb ?? 81559;
    const assignments = this.#assignments();
    const loads = new Map<V1Pod, number>();
    for (const pod of new Set(assignments.values())) {
      const port = this.#deps.modelServerPort(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      loads.set(pod, port === null ? 0 : Math.min(1, (await runningRequests(port)) / FULL_LOAD_REQUESTS));
    }
    const now = Date.now();
    const lines = { power: [] as string[], used: [] as string[], free: [] as string[], energy: [] as string[] };
    this.#gpus.forEach((gpu, i) => {
      const pod = assignments.get(i);
      const power = IDLE_W + (MAX_W - IDLE_W) * (pod === undefined ? 0 : (loads.get(pod) ?? 0));
      gpu.energyMj += power * (now - gpu.lastMs);
      gpu.lastMs = now;
      const used = pod === undefined ? 0 : Math.round(totalMb * memoryUtilization(pod));
      const owner = pod === undefined ? '' : `,container="${pod.spec?.containers[0]?.name ?? ''}",namespace="${pod.metadata?.namespace ?? ''}",pod="${pod.metadata?.name ?? ''}"`;
      const labels = `{gpu="${i}",UUID="GPU-${node.name}-${i}",device="nvidia${i}",modelName="${product}",Hostname="${node.name}"${owner}}`;
      lines.power.push(`DCGM_FI_DEV_POWER_USAGE${labels} ${power.toFixed(3)}`);
      lines.used.push(`DCGM_FI_DEV_FB_USED${labels} ${used}`);
      lines.free.push(`DCGM_FI_DEV_FB_FREE${labels} ${totalMb - used}`);
      lines.energy.push(`DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION${labels} ${Math.round(gpu.energyMj)}`);
    });
    return [
      '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
      '# TYPE DCGM_FI_DEV_POWER_USAGE gauge',
      ...lines.power,
      '# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).',
      '# TYPE DCGM_FI_DEV_FB_USED gauge',
      ...lines.used,
      '# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).',
      '# TYPE DCGM_FI_DEV_FB_FREE gauge',
      ...lines.free,
      '# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).',
      '# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter',
      ...lines.energy,
      '',
    ].join('\n');
  }

  async close(): Promise<void> {
    this.#deps.store.delete('pods', DCGM_NAMESPACE, this.podName);
    await closeServer(this.#server);
  }
}
