import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { LocalBackend } from '../../../backends/local/backend.ts';
import { listStates, readState } from '../../../backends/local/state.ts';
import { serverName } from '../../../backends/kubernetes/naming.ts';
import { reap } from '../../../backends/kubernetes/reaper.ts';
import { isAlive } from '../../../backends/process.ts';
import type { AllocationSpec } from '../../../backends/types.ts';
import type { BackendConfig } from '../../../configs/schema/suite.ts';
import { expectCode, expectServing, makeSpec, recordingContext, removeDir, until } from './helpers.ts';

const FAKE_VLLM = fileURLToPath(new URL('../../fakes/fake-vllm.ts', import.meta.url));
import { FAKE_NVIDIA_SMI } from '../../support/backend-fixtures.ts';

const GPU = { name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 };
const GPUS = [0, 1].map((i) => ({ index: String(i), ...GPU }));

describe('local backend with a fake vllm executable', () => {
  const backend = new LocalBackend({ localGpus: () => Promise.resolve(GPUS), env: { ...process.env, HF_TOKEN: 'hf_secret', OTHER_SECRET: 'x' } });
  const specs: AllocationSpec[] = [];
  const stateDir = (s: AllocationSpec): string => join(s.stateDir, 'local');
  const idOf = (s: AllocationSpec): string => serverName(s.workflowId, s.modelName);

  afterEach(async () => {
    const left: string[] = [];
    for (const s of specs.splice(0)) {
      // Nothing left: no pid file, no live process group. Clean up anyway so a failed test leaks no process.
      const dir = s.backend.kind === 'local' && s.backend.state_dir !== undefined ? s.backend.state_dir : stateDir(s);
      for (const st of await listStates(dir)) left.push(`${st.id}${isAlive(-st.pid) ? ' (running)' : ''}`);
      await backend.teardown(s, null, recordingContext()).catch(() => undefined);
      await removeDir(s.logDir);
    }
    expect(left).toEqual([]);
  });

  async function spec(behavior = 'healthy', extra: Partial<Extract<z.input<typeof BackendConfig>, { kind: 'local' }>> = {}, env: Record<string, string> = {}): Promise<AllocationSpec> {
    const s = await makeSpec(
      { kind: 'local', command: [process.execPath, FAKE_VLLM], poll_interval_s: 0.05, ready_timeout_s: 10, stop_grace_s: 2, env_passthrough: ['HF_TOKEN'], ...extra },
      { serving: { model: 'Qwen/Qwen2.5-0.5B-Instruct', served_model_name: 'qwen-0.5b', env: { FAKE_VLLM_BEHAVIOR: behavior, ...env } } },
    );
    specs.push(s);
    return s;
  }

  it("samples the GPUs vLLM takes: the first tensor × pipeline of CUDA_VISIBLE_DEVICES, else of all", async () => {
    const ctx = recordingContext();
    const gpusOf = async (s: AllocationSpec): Promise<string[]> => {
      const source = await backend.gpuTelemetry(s);
      if (!('sampler' in source)) throw new Error(source.unavailable);
      return (await source.sampler.sample(ctx.signal)).map((g) => g.gpu);
    };
    const telemetry = { gpu_telemetry: { nvidia_smi: FAKE_NVIDIA_SMI } };
    expect(await gpusOf(await spec('healthy', telemetry, { CUDA_VISIBLE_DEVICES: '5,GPU-fake-6' }))).toEqual(['GPU-fake-5']);
    expect(await gpusOf(await spec('healthy', telemetry))).toEqual(['GPU-fake-0']);
    expect(await backend.gpuTelemetry(await spec('healthy', { gpu_telemetry: { nvidia_smi: null } }))).toEqual({ unavailable: 'GPU sampling is off (backend.gpu_telemetry.nvidia_smi: null)' });
    // run_meta.json's GPUs are the same ones; the fake nvidia-smi is asked because the config names it.
    const asked: (string | string[])[] = [];
    const mixed = new LocalBackend({ localGpus: (cmd) => (asked.push(cmd), Promise.resolve([{ index: '0', ...GPU }, { index: '1', name: 'NVIDIA L4', memory_mb: 23034 }])) });
    expect((await mixed.allocate(await spec('healthy', telemetry, { CUDA_VISIBLE_DEVICES: '1' }))).gpus).toEqual([{ name: 'NVIDIA L4', memory_mb: 23034 }]);
    expect(asked).toEqual([FAKE_NVIDIA_SMI]);
  });

  it('spawns vllm serve, serves, saves logs, and stops the process group', async () => {
    const s = await spec();
    const ctx = recordingContext();
    const allocation = await backend.allocate(s);
    expect(allocation).toMatchObject({ kind: 'local', id: idOf(s), gpus: [GPU] });
    const endpoint = await backend.start(s, allocation, ctx);
    expect(endpoint.model).toBe('qwen-0.5b');
    expect((await expectServing(endpoint.baseUrl, endpoint.model)).health).toBe(200);
    const state = await readState(stateDir(s), idOf(s));
    expect(state?.port).toBe(Number(new URL(endpoint.baseUrl).port));
    const log = await readFile((await backend.saveLogs(s, allocation, ctx)) ?? '', 'utf8');
    expect(log).toContain('Application startup complete');
    expect(log).toMatch(/--served-model-name qwen-0\.5b .*--host 127\.0\.0\.1 --port \d+/);
    // Only the base variables, env_passthrough and serving.env reach the server.
    expect(log).toMatch(/environment: .*HF_TOKEN/);
    expect(log).not.toContain('OTHER_SECRET');
    expect(log).not.toContain('hf_secret');
    await backend.teardown(s, allocation, ctx);
    expect(isAlive(-(state?.pid ?? 0))).toBe(false);
  });

  describe('idempotency', () => {
    it('a restarted worker adopts the running server from its pid file', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const endpoint = await backend.start(s, await backend.allocate(s), ctx);
      const pid = (await readState(stateDir(s), idOf(s)))?.pid;
      const restarted = new LocalBackend({ localGpus: () => Promise.resolve([]) });
      expect(await restarted.start(s, await restarted.allocate(s), ctx)).toEqual(endpoint);
      expect((await readState(stateDir(s), idOf(s)))?.pid).toBe(pid);
      expect(ctx.logs.some((l) => l.startsWith('adopting server'))).toBe(true);
      await restarted.teardown(s, null, ctx);
    });

    it('refuses to adopt a live server started with other arguments', async () => {
      const s = await spec();
      const ctx = recordingContext();
      const allocation = await backend.allocate(s);
      await backend.start(s, allocation, ctx);
      const changed: AllocationSpec = { ...s, serving: { ...s.serving, max_model_len: 1024 } };
      await expectCode(backend.start(changed, allocation, ctx), 'backend_api');
      await backend.teardown(s, allocation, ctx);
    });

    it('teardown twice, and with nothing running, succeeds', async () => {
      const s = await spec();
      const ctx = recordingContext();
      await backend.teardown(s, null, ctx);
      const allocation = await backend.allocate(s);
      await backend.start(s, allocation, ctx);
      await backend.teardown(s, allocation, ctx);
      await backend.teardown(s, allocation, ctx);
      expect(ctx.logs.filter((l) => l.endsWith('nothing running'))).toHaveLength(2);
    });
  });

  describe('classified failures', () => {
    it('a server that exits early is crash_loop with its last log lines; teardown still reaps its workers', async () => {
      const s = await spec('crash', {}, { FAKE_VLLM_CHILD_PID_FILE: '' });
      const pidFile = join(s.logDir, 'worker.pid');
      s.serving.env.FAKE_VLLM_CHILD_PID_FILE = pidFile;
      const ctx = recordingContext();
      const allocation = await backend.allocate(s);
      const err = await expectCode(backend.start(s, allocation, ctx), 'crash_loop');
      expect(err.message).toContain('exited with code 1');
      expect(err.details.last_log_lines).toEqual(expect.arrayContaining([expect.stringContaining('ValueError')]));
      // The leader is gone but its tensor-parallel worker lives on in the group until teardown.
      const worker = Number(await readFile(pidFile, 'utf8'));
      expect(isAlive(worker)).toBe(true);
      await backend.teardown(s, allocation, ctx);
      await until(() => !isAlive(worker));
    });

    it('a server that never answers /health is server_unhealthy after ready_timeout_s', async () => {
      const s = await spec('never_ready', { ready_timeout_s: 2 });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s);
      const err = await expectCode(backend.start(s, allocation, ctx), 'server_unhealthy');
      expect(err.message).toContain('HTTP 503');
      await backend.teardown(s, allocation, ctx);
    });

    it('a server killed from outside while loading is server_crashed (retryable)', async () => {
      const s = await spec('never_ready');
      const ctx = recordingContext();
      const allocation = await backend.allocate(s);
      const starting = backend.start(s, allocation, ctx);
      await until(() => ctx.heartbeats.length > 0);
      const state = await readState(stateDir(s), idOf(s));
      process.kill(state?.pid ?? 0, 'SIGKILL');
      const err = await expectCode(starting, 'server_crashed');
      expect(err.details.signal).toBe('SIGKILL');
      await backend.teardown(s, allocation, ctx);
    });

    it('teardown escalates to SIGKILL when SIGTERM is ignored', async () => {
      const s = await spec('ignore_sigterm', { stop_grace_s: 0.3 });
      const ctx = recordingContext();
      const allocation = await backend.allocate(s);
      await backend.start(s, allocation, ctx);
      const pid = (await readState(stateDir(s), idOf(s)))?.pid ?? 0;
      const started = Date.now();
      await backend.teardown(s, allocation, ctx);
      await until(() => !isAlive(-pid));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    });

    it('a missing executable is config_invalid', async () => {
      const s = await spec('healthy', { command: '/nonexistent/vllm' });
      const ctx = recordingContext();
      const err = await expectCode(backend.start(s, await backend.allocate(s), ctx), 'config_invalid');
      expect(err.message).toContain('/nonexistent/vllm');
      await backend.teardown(s, null, ctx);
    });
  });

  describe('reaper', () => {
    it('finds servers of closed workflows in the state folder; dry run only lists; reap stops them', async () => {
      const open = await spec();
      const closed = await spec();
      const shared = join(open.stateDir, 'shared');
      // Both servers keep their pid files in one state folder, as on one worker machine.
      for (const s of [open, closed]) if (s.backend.kind === 'local') s.backend.state_dir = shared;
      const ctx = recordingContext();
      await backend.start(open, await backend.allocate(open), ctx);
      await backend.start(closed, await backend.allocate(closed), ctx);
      const closedPid = (await readState(shared, idOf(closed)))?.pid ?? 0;
      const isOpen = (id: string): Promise<boolean> => Promise.resolve(id === open.workflowId);
      const source = backend.leftovers(shared, 2);

      const dry = await reap(source, isOpen, { dryRun: true });
      expect(dry.leftovers.map((l) => [l.resource, l.name, l.workflowId])).toEqual([['process', idOf(closed), closed.workflowId]]);
      expect(isAlive(closedPid)).toBe(true);

      const real = await reap(source, isOpen, { dryRun: false });
      expect(real.removed).toEqual([idOf(closed)]);
      await until(() => !isAlive(-closedPid));
      expect((await listStates(shared)).map((st) => st.id)).toEqual([idOf(open)]);
      await backend.teardown(open, null, ctx);
      expect(await listStates(shared)).toEqual([]);
    });
  });
});
