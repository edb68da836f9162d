import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DockerBackend } from '../../../backends/docker/backend.ts';
import { ANNOTATION, LABEL, serverName } from '../../../backends/kubernetes/naming.ts';
import { reap } from '../../../backends/kubernetes/reaper.ts';
import type { AllocationSpec } from '../../../backends/types.ts';
import type { BackendConfig } from '../../../configs/schema/suite.ts';
import { FakeDockerEngine } from '../../fakes/docker/engine.ts';
import { expectCode, expectServing, makeSpec, recordingContext, removeDir, until } from './helpers.ts';
import { FAKE_NVIDIA_SMI } from '../../support/backend-fixtures.ts';

const IMAGE = 'vllm/vllm-openai:v0.11.0';
const GPUS = [
  { index: '0', name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 },
  { index: '1', name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 },
];

describe('docker backend against the fake Engine API', () => {
  let engine: FakeDockerEngine;
  let backend: DockerBackend;
  const specs: AllocationSpec[] = [];

  beforeEach(async () => {
    engine = await FakeDockerEngine.start();
    backend = new DockerBackend({ localGpus: () => Promise.resolve(GPUS), env: { HF_TOKEN_FOR_TESTS: 'hf_secret_value' } });
  });

  afterEach(async () => {
    // Every test removes what it made.
    expect({ containers: engine.containerCount, servers: engine.openServers }).toEqual({ containers: 0, servers: 0 });
    await engine.close();
    for (const s of specs.splice(0)) await removeDir(s.logDir);
  });

  async function spec(extra: Partial<Extract<z.input<typeof BackendConfig>, { kind: 'docker' }>> = {}): Promise<AllocationSpec> {
    const s = await makeSpec({ kind: 'docker', socket_path: engine.socketPath, poll_interval_s: 0.05, ready_timeout_s: 5, hf_token_env: 'HF_TOKEN_FOR_TESTS', ...extra });
    specs.push(s);
    return s;
  }
  const nameOf = (s: AllocationSpec): string => serverName(s.workflowId, s.modelName);

  it('pulls, creates, starts, serves, saves logs and removes', async () => {
    const s = await spec();
    const ctx = recordingContext();
    const allocation = await backend.allocate(s, ctx);
    expect(engine.pulls).toEqual([IMAGE]);
    expect(allocation).toMatchObject({ kind: 'docker', id: nameOf(s), placement: { container: nameOf(s), docker_host: engine.socketPath } });
    expect(allocation.gpus).toEqual(GPUS.map(({ name, memory_mb }) => ({ name, memory_mb })));
    const endpoint = await backend.start(s, allocation, ctx);
    expect(endpoint.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.model).toBe('qwen-0.5b');
    expect((await expectServing(endpoint.baseUrl, endpoint.model)).health).toBe(200);
    const logPath = await backend.saveLogs(s, allocation, ctx);
    const log = await readFile(logPath ?? '', 'utf8');
    expect(log).toContain('Starting vLLM API server');
    // stderr frames are demultiplexed into the same file.
    expect(log).toContain('Application startup complete');
    await backend.teardown(s, allocation, ctx);
  });

  it('creates the container with GPUs, shm, a loopback port, the HF cache and labels; the token only in Env', async () => {
    const s = await spec({ gpus: ['1'], shm_size: '8g', hf_cache_dir: '/data/hf' });
    const ctx = recordingContext();
    const allocation = await backend.allocate(s, ctx);
    const body = engine.createBodies[0];
    expect(body?.HostConfig?.DeviceRequests).toEqual([{ Driver: 'nvidia', Capabilities: [['gpu']], DeviceIDs: ['1'] }]);
    expect(body?.HostConfig?.ShmSize).toBe(8 * 1024 ** 3);
    expect(body?.HostConfig?.PortBindings).toEqual({ '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] });
    expect(body?.HostConfig?.Binds).toEqual(['/data/hf:/root/.cache/huggingface']);
    expect(body?.Cmd?.slice(0, 4)).toEqual(['--model', 'Qwen/Qwen2.5-0.5B-Instruct', '--served-model-name', 'qwen-0.5b']);
    expect(body?.Labels).toMatchObject({ [LABEL.managedBy]: 'evalflow', [LABEL.model]: 'qwen-0.5b', [ANNOTATION.workflowId]: s.workflowId });
    expect(body?.Env).toContain('HF_TOKEN=hf_secret_value');
    expect(JSON.stringify(body?.Labels)).not.toContain('hf_secret_value');
    expect(allocation.gpus).toEqual([{ name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 }]);
    await backend.teardown(s, allocation, ctx);
  });

  it.each([
    ['all', { gpus: 'all' as const, shm_size: 'host' }, { Count: -1 }, { IpcMode: 'host' }],
    ['a count', { gpus: 2, shm_size: '512m' }, { Count: 2 }, { ShmSize: 512 * 1024 ** 2 }],
  ])('gpus %s → DeviceRequests', async (_what, cfg, device, shm) => {
    const s = await spec(cfg);
    const ctx = recordingContext();
    await backend.allocate(s, ctx);
    expect(engine.createBodies[0]?.HostConfig?.DeviceRequests?.[0]).toMatchObject(device);
    expect(engine.createBodies[0]?.HostConfig).toMatchObject(shm);
    await backend.teardown(s, null, ctx);
  });

  it("samples the container's GPUs with the host's nvidia-smi, only when the engine is this machine", async () => {
    const ctx = recordingContext();
    const s = await spec({ gpus: ['1', '3'], gpu_telemetry: { nvidia_smi: FAKE_NVIDIA_SMI } });
    const source = await backend.gpuTelemetry(s);
    if (!('sampler' in source)) throw new Error(source.unavailable);
    expect((await source.sampler.sample(ctx.signal)).map((g) => g.gpu)).toEqual(['GPU-fake-1', 'GPU-fake-3']);
    const remote = await makeSpec({ kind: 'docker', host: 'http://gpu-box:2375' });
    specs.push(remote);
    expect(await backend.gpuTelemetry(remote)).toEqual({ unavailable: 'the Docker engine at http://gpu-box:2375 is another machine: its GPUs are not visible to this worker' });
  });

  it('talks to a TCP host too', async () => {
    const tcp = await FakeDockerEngine.start({ transport: 'tcp' });
    try {
      const s = await makeSpec({ kind: 'docker', host: tcp.url, poll_interval_s: 0.05, ready_timeout_s: 5 });
      specs.push(s);
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      expect(allocation.gpus).toEqual([]);
      expect((await expectServing((await backend.start(s, allocation, ctx)).baseUrl, 'qwen-0.5b')).health).toBe(200);
      await backend.teardown(s, allocation, ctx);
      expect(tcp.containerCount).toBe(0);
    } finally {
      await tcp.close();
    }
  });

  describe('images', () => {
    it('skips the pull when the image is present', async () => {
      engine.images.add(IMAGE);
      const s = await spec();
      const ctx = recordingContext();
      await backend.allocate(s, ctx);
      expect(engine.pulls).toEqual([]);
      await backend.teardown(s, null, ctx);
    });

    it.each(['http', 'stream'] as const)('a failed pull (%s) is image_pull', async (how) => {
      engine.pullFailure = how;
      const s = await makeSpec({ kind: 'docker', socket_path: engine.socketPath }, { serving: { model: 'Qwen/Qwen2.5-0.5B-Instruct', image: 'vllm/does-not-exist:v1' } });
      specs.push(s);
      const err = await expectCode(backend.allocate(s, recordingContext()), 'image_pull');
      expect(err.message).toContain('pull access denied');
    });

    it('pull: never with a missing image is image_pull', async () => {
      const s = await spec({ pull: 'never' });
      await expectCode(backend.allocate(s, recordingContext()), 'image_pull');
      expect(engine.pulls).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('allocating twice adopts the container (409 → same spec hash); starting twice adopts the running server', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const first = await backend.allocate(s, ctx);
      const second = await backend.allocate(s, ctx);
      expect(second.id).toBe(first.id);
      expect(engine.containerCount).toBe(1);
      expect(engine.requests.filter((r) => r.path === '/containers/create' && r.status === 409)).toHaveLength(1);
      const endpoint = await backend.start(s, first, ctx);
      expect(await backend.start(s, first, ctx)).toEqual(endpoint);
      await backend.teardown(s, first, ctx);
    });

    it('refuses to adopt a container with the same name but another spec', async () => {
      const s = await spec();
      const ctx = recordingContext();
      await backend.allocate(s, ctx);
      const changed: AllocationSpec = { ...s, serving: { ...s.serving, max_num_seqs: 8 } };
      const err = await expectCode(backend.allocate(changed, ctx), 'backend_api');
      expect(err.message).toContain('different spec');
      await backend.teardown(s, null, ctx);
    });

    it('replaces an exited container instead of adopting it', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await backend.start(s, allocation, ctx);
      await engine.kill(nameOf(s));
      await backend.allocate(s, ctx);
      expect(ctx.logs.some((l) => l.startsWith('replacing exited container'))).toBe(true);
      expect(engine.containerCount).toBe(1);
      await backend.start(s, allocation, ctx);
      await backend.teardown(s, allocation, ctx);
    });

    it('teardown twice, and with no allocation, succeeds (404 on remove is success)', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await backend.teardown(s, allocation, ctx);
      await backend.teardown(s, allocation, ctx);
      await backend.teardown(s, null, ctx);
      expect(engine.requests.filter((r) => r.method === 'DELETE' && r.status === 404)).toHaveLength(2);
    });
  });

  describe('classified failures', () => {
    it.each([
      ['crash_loop', { kind: 'crash' as const }, 'EngineCore failed to start'],
      ['oom_killed', { kind: 'oom' as const }, 'OOM-killed'],
    ])('%s carries the last log lines; saveLogs and teardown still work', async (code, behavior, text) => {
      const s = await spec();
      engine.script(nameOf(s), behavior);
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const err = await expectCode(backend.start(s, allocation, ctx), code === 'crash_loop' ? 'crash_loop' : 'oom_killed');
      expect(err.message).toContain(text);
      expect(err.message).toContain('--- last server log lines ---');
      expect(await backend.saveLogs(s, allocation, ctx)).toBe(`${s.logDir}/server.log`);
      await backend.teardown(s, allocation, ctx);
    });

    it('a container killed from outside while loading is server_crashed (retryable)', async () => {
      const s = await spec();
      engine.script(nameOf(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.some((h) => h.status === 'waiting for /health'));
      await engine.kill(nameOf(s));
      const err = await expectCode(starting, 'server_crashed');
      expect(err.details).toMatchObject({ exit_code: 137, oom_killed: false });
      await backend.teardown(s, allocation, ctx);
    });

    it('a retried start after an outside kill recreates the container and serves', async () => {
      const s = await spec();
      engine.script(nameOf(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.some((h) => h.status === 'waiting for /health'));
      await engine.kill(nameOf(s));
      await expectCode(starting, 'server_crashed');
      engine.script(nameOf(s), { kind: 'healthy' });
      const endpoint = await backend.start(s, allocation, ctx);
      expect(ctx.logs.some((l) => l.includes('was killed; creating it again'))).toBe(true);
      expect((await expectServing(endpoint.baseUrl, endpoint.model)).health).toBe(200);
      await backend.teardown(s, allocation, ctx);
    });

    it('a start after a crash reports the crash again instead of recreating', async () => {
      const s = await spec();
      engine.script(nameOf(s), { kind: 'crash', afterMs: 50 });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      expect(engine.createBodies).toHaveLength(1);
      await backend.teardown(s, allocation, ctx);
    });

    it('a server that never answers /health is server_unhealthy after ready_timeout_s', async () => {
      const s = await spec({ ready_timeout_s: 0.3 });
      engine.script(nameOf(s), { kind: 'never_ready' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      await expectCode(backend.start(s, allocation, ctx), 'server_unhealthy');
      expect(ctx.heartbeats.some((h) => h.container === nameOf(s))).toBe(true);
      await backend.teardown(s, allocation, ctx);
    });

    it('API 500s are backend_api; a 500 on remove fails teardown so it is retried', async () => {
      const s = await spec();
      const ctx = recordingContext();
      engine.inject({ method: 'POST', path: /^\/containers\/create$/, status: 500 });
      await expectCode(backend.allocate(s, ctx), 'backend_api');
      const allocation = await backend.allocate(s, ctx);
      engine.script(nameOf(s), { kind: 'no_gpu' });
      engine.inject({ method: 'DELETE', path: /^\/containers\//, status: 500 });
      await expectCode(backend.teardown(s, allocation, ctx), 'backend_api');
      await backend.teardown(s, allocation, ctx);
    });

    it('a start the daemon refuses (no GPU runtime) is backend_api with its message', async () => {
      const s = await spec();
      engine.script(nameOf(s), { kind: 'no_gpu' });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s, ctx);
      const err = await expectCode(backend.start(s, allocation, ctx), 'backend_api');
      expect(err.message).toContain('could not select device driver');
      await backend.teardown(s, allocation, ctx);
    });

    it('hf_token_env naming an unset variable is config_invalid (the token never comes from config)', async () => {
      const s = await spec({ hf_token_env: 'NOT_SET_ANYWHERE' });
      const err = await expectCode(backend.allocate(s, recordingContext()), 'config_invalid');
      expect(err.message).toContain('NOT_SET_ANYWHERE');
    });

    it('an unreachable daemon is backend_api', async () => {
      const s = await makeSpec({ kind: 'docker', socket_path: '/nonexistent/docker.sock' });
      specs.push(s);
      await expectCode(backend.allocate(s, recordingContext()), 'backend_api');
    });
  });

  describe('reaper', () => {
    it('finds containers of closed workflows; dry run only lists; reap removes them', async () => {
      const open = await spec();
      const closed = await spec();
      const ctx = recordingContext();
      await backend.allocate(open, ctx);
      await backend.start(closed, await backend.allocate(closed, ctx), ctx);
      const isOpen = (id: string): Promise<boolean> => Promise.resolve(id === open.workflowId);
      const source = backend.leftovers(open.backend.kind === 'docker' ? open.backend : (undefined as never));

      const dry = await reap(source, isOpen, { dryRun: true });
      expect(dry.leftovers.map((l) => [l.resource, l.name, l.workflowId, l.state])).toEqual([['container', nameOf(closed), closed.workflowId, 'running']]);
      expect(engine.containerCount).toBe(2);

      const real = await reap(source, isOpen, { dryRun: false });
      expect(real.removed).toEqual([nameOf(closed)]);
      expect(engine.names()).toEqual([nameOf(open)]);
      await backend.teardown(open, null, ctx);
    });
  });
});
