import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { KubernetesBackend } from '../../../backends/kubernetes/backend.ts';
import { serverName, ANNOTATION } from '../../../backends/kubernetes/naming.ts';
import { reap } from '../../../backends/kubernetes/reaper.ts';
import type { AllocationSpec } from '../../../backends/types.ts';
import type { BackendConfig } from '../../../configs/schema/suite.ts';
import type { ServingConfig } from '../../../configs/schema/serving.ts';
import { FakeCluster } from '../../fakes/kube/cluster.ts';
import type { FakeNodeSpec } from '../../fakes/kube/kubelet.ts';
import { freePort } from '../../fakes/net.ts';
import { expectCode, expectServing, makeSpec, recordingContext, removeDir, until } from './helpers.ts';

const NS = 'evalflow-test';
const BASE = { kind: 'kubernetes', namespace: NS, poll_interval_s: 0.05, ready_timeout_s: 10, unschedulable_timeout_s: 5 } as const;

describe('kubernetes backend against the fake cluster', () => {
  let cluster: FakeCluster;
  let backend: KubernetesBackend;
  const specs: AllocationSpec[] = [];

  async function startCluster(nodes: FakeNodeSpec[] = [{ name: 'gpu-a', gpus: 2 }], dcgmExporter = false): Promise<void> {
    cluster = await FakeCluster.start({ nodes, dcgmExporter });
    backend = new KubernetesBackend({ kubeConfigFor: () => cluster.kubeConfig() });
  }

  async function spec(backendOverrides: Partial<z.input<typeof BackendConfig>> = {}, serving: Partial<z.input<typeof ServingConfig>> = {}): Promise<AllocationSpec> {
    const s = await makeSpec({ ...BASE, ...backendOverrides } as z.input<typeof BackendConfig>, {
      serving: { model: 'Qwen/Qwen2.5-0.5B-Instruct', served_model_name: 'qwen-0.5b', port: await freePort(), ...serving },
    });
    specs.push(s);
    return s;
  }

  const podName = (s: AllocationSpec): string => serverName(s.workflowId, s.modelName);
  const pod = (s: AllocationSpec) => cluster.store.get('pods', NS, podName(s));

  beforeEach(async () => {
    await startCluster();
  });

  afterEach(async () => {
    // Every test tears down what it made: the fake cluster must be empty.
    expect(await cluster.settled()).toEqual({ pods: 0, services: 0, servers: 0 });
    await cluster.close();
    for (const s of specs.splice(0)) await removeDir(s.logDir);
  });

  it('allocates, starts, serves, saves logs and tears down', async () => {
    const s = await spec();
    const ctx = recordingContext();
    const allocation = await backend.allocate(s, ctx);
    expect(allocation).toMatchObject({ kind: 'kubernetes', id: podName(s), placement: { namespace: NS, pod: podName(s), node: 'gpu-a' } });
    expect(allocation.gpus).toEqual([{ name: 'NVIDIA-H100-80GB-HBM3', memory_mb: 81559 }]);
    const endpoint = await backend.start(s, allocation, ctx);
    expect(endpoint).toEqual({ baseUrl: `http://${pod(s)?.status?.podIP ?? '?'}:${s.serving.port}`, model: 'qwen-0.5b' });
    const served = await expectServing(endpoint.baseUrl, endpoint.model);
    expect(served.health).toBe(200);
    expect(served.text.length).toBeGreaterThan(0);
    const logPath = await backend.saveLogs(s, allocation, ctx);
    expect(logPath).toBe(`${s.logDir}/server.log`);
    expect(await readFile(logPath ?? '', 'utf8')).toContain('Starting vLLM API server');
    await backend.teardown(s, allocation, ctx);
  });

  it('requests tensor × pipeline GPUs and reports one GpuInfo per GPU', async () => {
    await cluster.close();
    await startCluster([{ name: 'gpu-big', gpus: 8, product: 'NVIDIA-A100-SXM4-40GB', memoryMb: 40960 }]);
    const s = await spec({}, { tensor_parallel_size: 2, pipeline_parallel_size: 2 });
    const ctx = recordingContext();
    const allocation = await backend.allocate(s, ctx);
    expect(pod(s)?.spec?.containers[0]?.resources).toEqual({ requests: { 'nvidia.com/gpu': '4' }, limits: { 'nvidia.com/gpu': '4' } });
    expect(allocation.gpus).toHaveLength(4);
    expect(allocation.gpus[0]).toEqual({ name: 'NVIDIA-A100-SXM4-40GB', memory_mb: 40960 });
    await backend.teardown(s, allocation, ctx);
  });

  it("samples each pod's own GPUs from the DCGM exporter on its node", async () => {
    await cluster.close();
    await startCluster([{ name: 'gpu-a', gpus: 4 }], true);
    const ctx = recordingContext();
    const one = await spec({}, { gpu_memory_utilization: 0.5 });
    const two = await spec({}, { tensor_parallel_size: 2 });
    const placed = [];
    for (const s of [one, two]) {
      const allocation = await backend.allocate(s, ctx);
      await backend.start(s, allocation, ctx);
      placed.push({ s, allocation });
    }
    const readings = [];
    for (const { s, allocation } of placed) {
      const source = await backend.gpuTelemetry(s, allocation);
      if (!('sampler' in source)) throw new Error(`no sampler: ${source.unavailable}`);
      expect(source.sampler.source).toBe(`dcgm-exporter http://${cluster.dcgmExporters[0]?.ip ?? '?'}:9400/metrics`);
      readings.push(await source.sampler.sample(ctx.signal));
    }
    // Pods are given GPUs in order: 0 to the first, 1–2 to the second; GPU 3 is idle and nobody's.
    expect(readings.map((r) => r.map((g) => g.gpu))).toEqual([['GPU-gpu-a-0'], ['GPU-gpu-a-1', 'GPU-gpu-a-2']]);
    expect(readings[0]?.[0]).toMatchObject({ memory_used_mb: Math.round(81559 * 0.5), memory_total_mb: 81559, name: 'NVIDIA H100 80GB HBM3' });
    expect(readings[1]?.[0]?.energy_mj).toBeGreaterThan(0);
    for (const { s, allocation } of placed) await backend.teardown(s, allocation, ctx);
  });

  it('says why there is no GPU telemetry: no exporter on the node, or sampling turned off', async () => {
    const ctx = recordingContext();
    const s = await spec();
    const allocation = await backend.allocate(s, ctx);
    expect(await backend.gpuTelemetry(s, allocation)).toEqual({ unavailable: 'no running DCGM exporter pod in namespace gpu-operator (app=nvidia-dcgm-exporter) on node gpu-a' });
    const off = await spec({ gpu_telemetry: { dcgm_exporter: null } });
    expect(await backend.gpuTelemetry(off, allocation)).toEqual({ unavailable: 'GPU sampling is off (backend.gpu_telemetry.dcgm_exporter: null)' });
    await backend.teardown(s, allocation, ctx);
  });

  it('exposes the server through a Service when asked, and deletes it on teardown', async () => {
    const s = await spec({ expose: 'service' });
    const ctx = recordingContext();
    const allocation = await backend.allocate(s, ctx);
    const endpoint = await backend.start(s, allocation, ctx);
    const svc = cluster.store.get('services', NS, podName(s));
    expect(endpoint.baseUrl).toBe(`http://${svc?.spec?.clusterIP ?? '?'}:${s.serving.port}`);
    expect(svc?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Pod', name: podName(s), uid: pod(s)?.metadata?.uid });
    expect((await expectServing(endpoint.baseUrl, endpoint.model)).health).toBe(200);
    // start again (a retried activity) adopts the Service.
    expect(await backend.start(s, allocation, ctx)).toEqual(endpoint);
    await backend.teardown(s, allocation, ctx);
  });

  describe('idempotency', () => {
    it('allocating twice adopts the same pod (409 → same spec hash)', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const first = await backend.allocate(s, ctx);
      const second = await backend.allocate(s, ctx);
      expect(second.id).toBe(first.id);
      expect(cluster.store.count('pods')).toBe(1);
      expect(cluster.api.requests.filter((r) => r.method === 'POST' && r.status === 409)).toHaveLength(1);
      expect(ctx.logs.some((l) => l.startsWith('adopted existing pod'))).toBe(true);
      await backend.teardown(s, first, ctx);
    });

    it('a restarted worker (new backend instance) adopts the running server', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const endpoint = await backend.start(s, allocation, ctx);
      const uid = pod(s)?.metadata?.uid;
      const restarted = new KubernetesBackend({ kubeConfigFor: () => cluster.kubeConfig() });
      expect(await restarted.start(s, await restarted.allocate(s, ctx), ctx)).toEqual(endpoint);
      expect(pod(s)?.metadata?.uid).toBe(uid);
      await restarted.teardown(s, null, ctx);
    });

    it('refuses to adopt a pod with the same name but another spec', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const changed: AllocationSpec = { ...s, serving: { ...s.serving, max_model_len: 4096 } };
      const err = await expectCode(backend.allocate(changed, ctx), 'backend_api');
      expect(err.message).toContain('different spec');
      await backend.teardown(s, allocation, ctx);
    });

    it('replaces a dead pod with the same spec instead of adopting it', async () => {
      const s = await spec();
      const ctx = recordingContext();
      await backend.allocate(s, ctx);
      await until(() => pod(s)?.status?.phase === 'Running');
      const oldUid = pod(s)?.metadata?.uid;
      await cluster.kubelet.evict(NS, podName(s));
      const allocation = await backend.allocate(s, ctx);
      expect(pod(s)?.metadata?.uid).not.toBe(oldUid);
      expect(ctx.logs.some((l) => l.startsWith('replacing dead pod'))).toBe(true);
      await backend.teardown(s, allocation, ctx);
    });

    it('teardown twice, and with no allocation, succeeds (404 on delete is success)', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await backend.teardown(s, allocation, ctx);
      await backend.teardown(s, allocation, ctx);
      await backend.teardown(s, null, ctx);
      expect(cluster.api.requests.filter((r) => r.method === 'DELETE' && r.status === 404).length).toBeGreaterThanOrEqual(4);
    });
  });

  describe('classified failures', () => {
    it('unschedulable fails at once with on_unschedulable: fail, naming the scheduler message', async () => {
      const s = await spec({ on_unschedulable: 'fail' }, { tensor_parallel_size: 4 });
      const ctx = recordingContext();
      const err = await expectCode(backend.allocate(s, ctx), 'unschedulable');
      expect(err.message).toContain('Insufficient nvidia.com/gpu');
      expect(err.details.events).toEqual(expect.arrayContaining([expect.stringContaining('FailedScheduling')]));
      expect(err.details.policy).toBe('fail');
      await backend.teardown(s, null, ctx);
    });

    it('unschedulable waits up to unschedulable_timeout_s with on_unschedulable: wait, heartbeating the events', async () => {
      const s = await spec({ on_unschedulable: 'wait', unschedulable_timeout_s: 0.4 }, { tensor_parallel_size: 4 });
      const ctx = recordingContext();
      const started = Date.now();
      await expectCode(backend.allocate(s, ctx), 'unschedulable');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(ctx.heartbeats.some((h) => Array.isArray(h.events) && h.events.some((e) => String(e).includes('FailedScheduling')))).toBe(true);
      await backend.teardown(s, null, ctx);
    });

    it('a waiting pod is scheduled once GPUs appear', async () => {
      const s = await spec({ on_unschedulable: 'wait' }, { tensor_parallel_size: 4 });
      const ctx = recordingContext();
      const allocating = backend.allocate(s, ctx);
      await until(() => pod(s)?.status?.conditions?.some((c) => c.reason === 'Unschedulable') === true);
      cluster.kubelet.addNode({ name: 'gpu-b', gpus: 8 });
      const allocation = await allocating;
      expect(allocation.placement.node).toBe('gpu-b');
      await backend.teardown(s, allocation, ctx);
    });

    it('only nodes matching node_selector are used', async () => {
      const s = await spec({ on_unschedulable: 'fail', node_selector: { 'nvidia.com/gpu.product': 'NVIDIA-B200' } });
      const ctx = recordingContext();
      const err = await expectCode(backend.allocate(s, ctx), 'unschedulable');
      expect(err.message).toContain("didn't match Pod's node affinity/selector");
      await backend.teardown(s, null, ctx);
    });

    it.each([
      ['image_pull', { kind: 'image_pull' }, 'ErrImagePull'],
      ['crash_loop', { kind: 'crash' }, 'EngineCore failed to start'],
      ['oom_killed', { kind: 'oom' }, 'OOMKilled'],
      ['config_invalid', { kind: 'missing_secret' }, 'secret "hf-token" not found'],
    ] as const)('%s surfaces from allocate or start, and teardown cleans up after it', async (code, behavior, text) => {
      const s = await spec();
      cluster.kubelet.script(podName(s), behavior);
      const ctx = recordingContext();
      // The failure may already show when allocate sees the pod scheduled; either step must report it.
      const run = async () => backend.start(s, await backend.allocate(s, ctx), ctx);
      const err = await expectCode(run(), code);
      expect(`${err.message}\n${JSON.stringify(err.details)}`).toContain(text);
      await backend.teardown(s, null, ctx);
    });

    it('a crash carries the last log lines, and saveLogs still works after it', async () => {
      const s = await spec();
      cluster.kubelet.script(podName(s), { kind: 'crash', afterMs: 400 });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const err = await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      expect(err.message).toContain('--- last server log lines ---');
      expect(err.details.last_log_lines).toEqual(expect.arrayContaining([expect.stringContaining('ValueError')]));
      const logPath = await backend.saveLogs(s, allocation, ctx);
      expect(await readFile(logPath ?? '', 'utf8')).toContain('Traceback');
      await backend.teardown(s, allocation, ctx);
    });

    it('a crash loop under restartPolicy Always is crash_loop too (CrashLoopBackOff)', async () => {
      const s = await spec();
      cluster.kubelet.script(podName(s), { kind: 'crash', afterMs: 400 });
      const ctx = recordingContext();
      // Simulate a pod someone else made with Always: patch the created pod before the kubelet starts it.
      const unsubscribe = cluster.store.subscribe((c) => {
        if (c.resource === 'pods' && c.type === 'ADDED') cluster.store.update('pods', NS, podName(s), (p) => p.spec && (p.spec.restartPolicy = 'Always'));
      });
      const allocation = await backend.allocate(s, ctx);
      unsubscribe();
      const err = await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      expect(err.details.reason).toBe('CrashLoopBackOff');
      await backend.teardown(s, allocation, ctx);
    });

    it.each([
      ['eviction', (c: FakeCluster, name: string) => c.kubelet.evict(NS, name), 'Evicted'],
      ['preemption', (c: FakeCluster, name: string) => c.kubelet.preempt(NS, name), 'disappeared'],
      ['node loss', (c: FakeCluster) => c.kubelet.loseNode('gpu-a'), 'NodeLost'],
    ] as const)('%s while starting is evicted (retryable)', async (_what, disrupt, text) => {
      const s = await spec();
      cluster.kubelet.script(podName(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.some((h) => h.goal === 'ready' && h.phase === 'Running'));
      await disrupt(cluster, podName(s));
      const err = await expectCode(starting, 'evicted');
      expect(err.message).toContain(text);
      await backend.teardown(s, allocation, ctx);
    });

    it('a retried start after eviction recreates the pod and serves; a retried start after a crash does not', async () => {
      const s = await spec();
      cluster.kubelet.script(podName(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.some((h) => h.goal === 'ready' && h.phase === 'Running'));
      await cluster.kubelet.evict(NS, podName(s));
      await expectCode(starting, 'evicted');
      cluster.kubelet.script(podName(s), { kind: 'crash', afterMs: 300 });
      // The activity retries start (evicted is retryable): a new pod, which then crashes.
      await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      expect(ctx.logs.filter((l) => l.includes('was lost; creating it again'))).toHaveLength(1);
      // crash_loop is not retryable, but a start called anyway reports it again rather than hiding it.
      await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      cluster.kubelet.script(podName(s), { kind: 'healthy' });
      await backend.teardown(s, allocation, ctx);
      // After teardown, start (a resubmitted workflow) creates the pod from scratch.
      const endpoint = await backend.start(s, allocation, ctx);
      expect((await expectServing(endpoint.baseUrl, endpoint.model)).health).toBe(200);
      await backend.teardown(s, allocation, ctx);
    });

    it('a pod that never gets Ready is server_unhealthy after ready_timeout_s', async () => {
      const s = await spec({ ready_timeout_s: 0.3 });
      cluster.kubelet.script(podName(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await expectCode(backend.start(s, allocation, ctx), 'server_unhealthy');
      await backend.teardown(s, allocation, ctx);
    });

    it('the active deadline ends a pod that outlives it', async () => {
      const s = await spec({ active_deadline_s: 1 });
      cluster.kubelet.script(podName(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const err = await expectCode(backend.start(s, allocation, ctx), 'server_unhealthy');
      expect(err.details.reason).toBe('DeadlineExceeded');
      await backend.teardown(s, allocation, ctx);
    });

    it('API 5xx on create is backend_api (retryable); 403 is config_invalid', async () => {
      const s = await spec();
      const ctx = recordingContext();
      cluster.api.inject({ method: 'POST', path: /\/pods$/, status: 500 });
      const err = await expectCode(backend.allocate(s, ctx), 'backend_api');
      expect(err.details).toMatchObject({ status: 500, reason: 'InternalError' });
      cluster.api.inject({ method: 'POST', path: /\/pods$/, status: 403, message: 'pods is forbidden: User "system:serviceaccount:evalflow:worker" cannot create resource "pods"' });
      const forbidden = await expectCode(backend.allocate(s, ctx), 'config_invalid');
      expect(forbidden.message).toContain('forbidden');
      await backend.teardown(s, null, ctx);
    });

    it('a couple of transient 5xx while waiting are ridden out', async () => {
      const s = await spec();
      // A slow model load keeps the pod Running but not Ready for a while.
      cluster.kubelet.script(podName(s), { kind: 'healthy', simulator: { startup_delay_s: 1 } });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.some((h) => h.goal === 'ready'));
      cluster.api.inject({ method: 'GET', path: new RegExp(`/pods/${podName(s)}$`), status: 503, times: 2 });
      const endpoint = await starting;
      expect(endpoint.baseUrl).toMatch(/^http:/);
      expect(ctx.logs.filter((l) => l.includes('HTTP 503'))).toHaveLength(2);
      await backend.teardown(s, allocation, ctx);
    });

    it('persistent 5xx while waiting is backend_api', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      cluster.api.inject({ method: 'GET', path: new RegExp(`/pods/${podName(s)}$`), status: 500, times: 10 });
      const err = await expectCode(backend.start(s, allocation, ctx), 'backend_api');
      expect(err.details).toMatchObject({ status: 500 });
      cluster.api.clearFaults();
      await backend.teardown(s, allocation, ctx);
    });

    it('an injected 409 on a pod that does not match is backend_api; a 500 on delete fails teardown so it is retried', async () => {
      const s = await spec();
      const ctx = recordingContext();
      // Someone else's pod under our name, with no spec hash.
      cluster.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName(s), namespace: NS, annotations: {} }, spec: { containers: [{ name: 'x', image: 'busybox' }] } });
      await expectCode(backend.allocate(s, ctx), 'backend_api');
      cluster.api.inject({ method: 'DELETE', path: /\/pods\//, status: 500 });
      await expectCode(backend.teardown(s, null, ctx), 'backend_api');
      await backend.teardown(s, null, ctx);
    });

    it('cancellation stops a wait promptly', async () => {
      const s = await spec({ on_unschedulable: 'wait' }, { tensor_parallel_size: 4 });
      const ctx = recordingContext();
      const allocating = backend.allocate(s, ctx);
      await until(() => pod(s) !== undefined);
      ctx.abort();
      await expect(allocating).rejects.toThrow(/abort/i);
      await backend.teardown(s, null, recordingContext());
    });
  });

  describe('reaper', () => {
    it('finds pods of closed workflows; dry run only lists; reap deletes them', async () => {
      const open = await spec();
      const closed = await spec();
      const ctx = recordingContext();
      await backend.allocate(open, ctx);
      await backend.allocate(closed, ctx);
      const isOpen = (id: string): Promise<boolean> => Promise.resolve(id === open.workflowId);
      const source = backend.leftovers(open.backend.kind === 'kubernetes' ? open.backend : (undefined as never));

      const dry = await reap(source, isOpen, { dryRun: true });
      expect(dry.leftovers.map((l) => [l.resource, l.name, l.workflowId])).toEqual([['pod', podName(closed), closed.workflowId]]);
      expect(dry.removed).toEqual([]);
      expect(cluster.store.count('pods')).toBe(2);

      const real = await reap(source, isOpen, { dryRun: false });
      expect(real.removed).toEqual([podName(closed)]);
      expect(cluster.store.get('pods', NS, podName(closed))).toBeUndefined();
      expect(pod(open)?.metadata?.annotations?.[ANNOTATION.workflowId]).toBe(open.workflowId);
      await backend.teardown(open, null, ctx);
    });
  });
});
