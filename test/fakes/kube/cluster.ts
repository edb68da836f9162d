import { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer } from './apiserver.ts';
import { FakeKubelet, type FakeNodeSpec } from './kubelet.ts';
import { FakeStore } from './store.ts';
import { FakeDcgmExporter, isStaticPod } from './dcgm-exporter.ts';
import { startSimulatedModel, type ModelServerFactory } from '../model-server.ts';

export interface FakeClusterOptions {
  nodes?: FakeNodeSpec[];
  tickMs?: number;
  startModelServer?: ModelServerFactory;
  /** Run an NVIDIA DCGM exporter on every node (gpu-operator namespace), as the GPU Operator does. */
  dcgmExporter?: boolean;
}

export interface LeftoverCounts {
  pods: number;
  services: number;
  /** Simulators and forwarders still listening. */
  servers: number;
}

/** A kube-apiserver, scheduler, kubelet and kube-proxy on real HTTP and loopback IPs, for client-node to talk to. */
export class FakeCluster {
  readonly store: FakeStore;
  readonly api: FakeApiServer;
  readonly kubelet: FakeKubelet;
  readonly dcgmExporters: FakeDcgmExporter[] = [];
  url = '';

  private constructor(options: FakeClusterOptions) {
    this.store = new FakeStore();
    this.kubelet = new FakeKubelet(this.store, options.startModelServer ?? startSimulatedModel, options.tickMs ?? 20);
    this.api = new FakeApiServer(this.store, {
      podLog: (ns, name, query) => this.kubelet.podLog(ns, name, query),
      allocateClusterIP: () => this.kubelet.allocateClusterIP(),
    });
  }

  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const cluster = new FakeCluster(options);
    const nodes = options.nodes ?? [{ name: 'gpu-node-1', gpus: 8 }];
    for (const node of nodes) cluster.kubelet.addNode(node);
    if (options.dcgmExporter === true) {
      for (const node of nodes) {
        const modelServerPort = (namespace: string, name: string) => cluster.kubelet.modelServerPort(namespace, name);
        cluster.dcgmExporters.push(await FakeDcgmExporter.start({ store: cluster.store, node, ip: cluster.kubelet.allocateClusterIP(), modelServerPort }));
      }
    }
    cluster.url = await cluster.api.listen();
    return cluster;
  }

  /** A kubeconfig with no TLS material, so client-node uses its default dispatcher against plain HTTP. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ name: 'fake', server: this.url, skipTLSVerify: true }, { name: 'u' });
    return kc;
  }

  counts(): LeftoverCounts {
    const pods = this.store.list('pods', { namespace: null, labelSelector: null, fieldSelector: null }).filter((p) => !isStaticPod(p)).length;
    return { pods, services: this.store.count('services'), servers: this.kubelet.openServers };
  }

  /** Polls until nothing is left (deletes stop servers asynchronously). */
  async settled(timeoutMs = 2000): Promise<LeftoverCounts> {
    const deadline = Date.now() + timeoutMs;
    let counts = this.counts();
    while ((counts.pods > 0 || counts.services > 0 || counts.servers > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      counts = this.counts();
    }
    return counts;
  }

  async close(): Promise<void> {
    await Promise.all(this.dcgmExporters.map((e) => e.close()));
    await this.kubelet.close();
    await this.api.close();
  }
}
