import { spawn } from 'node:child_process';
import { open, readFile, rm, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Allocation, AllocationSpec, Backend, BackendContext, KnownAnswer, ServerEndpoint } from '../types.ts';
import type { GpuTelemetrySource } from '../gpu-telemetry/sampler.ts';
import { EvalflowError } from '../../common/errors.ts';
import { hashOf } from '../../common/hash.ts';
import { isAlive, stopProcessGroup } from '../process.ts';

const SIMULATOR_MAIN = fileURLToPath(new URL('../../simulator/main.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

interface ReadyFile {
  port: number;
  pid: number;
}

function allocationId(spec: AllocationSpec): string {
  return `sim-${spec.modelName}-${hashOf({ workflowId: spec.workflowId, model: spec.modelName }, 10)}`;
}

function stateDirOf(spec: AllocationSpec): string {
  return join(spec.stateDir, allocationId(spec));
}

async function readReady(dir: string): Promise<ReadyFile | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'ready.json'), 'utf8')) as ReadyFile;
  } catch {
    return null;
  }
}

function simConfig(spec: AllocationSpec): Extract<AllocationSpec['backend'], { kind: 'sim' }> {
  if (spec.backend.kind !== 'sim') throw new EvalflowError('input_invalid', `sim backend given a ${spec.backend.kind} config`);
  return spec.backend;
}

/**
 * The embedded default: one vLLM simulator process per allocation, on a free port.
 * It runs detached, like a pod, so a worker crash does not take the server down;
 * a pid file makes start and teardown idempotent across workers.
 */
export function createSimBackend(): Backend {
  return {
    kind: 'sim',

    allocate(spec: AllocationSpec): Promise<Allocation> {
      simConfig(spec);
      return Promise.resolve({
        kind: 'sim',
        id: allocationId(spec),
        placement: { host: 'localhost', allocation: allocationId(spec) },
        gpus: [],
        allocatedAtMs: Date.now(),
      });
    },

    async start(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext): Promise<ServerEndpoint> {
      const options = simConfig(spec).simulator;
      const dir = stateDirOf(spec);
      const model = spec.serving.served_model_name ?? spec.serving.model;
      const existing = await readReady(dir);
      if (existing && isAlive(existing.pid)) {
        ctx.log(`adopting simulator pid ${existing.pid} on port ${existing.port}`);
        return { baseUrl: `http://127.0.0.1:${existing.port}`, model };
      }
      await mkdir(dir, { recursive: true });
      await rm(join(dir, 'ready.json'), { force: true });
      const log = await open(join(dir, 'server.log'), 'a');
      try {
        const child = spawn(
          process.execPath,
          [SIMULATOR_MAIN, '--port', '0', '--host', '127.0.0.1', '--model', model, '--options', JSON.stringify(options), '--ready-file', join(dir, 'ready.json')],
          { detached: true, stdio: ['ignore', log.fd, log.fd] },
        );
        child.unref();
        const deadline = Date.now() + READY_TIMEOUT_MS;
        while (Date.now() < deadline) {
          ctx.signal.throwIfAborted();
          const ready = await readReady(dir);
          if (ready) return { baseUrl: `http://127.0.0.1:${ready.port}`, model };
          if (child.exitCode !== null) break;
          await sleep(50);
        }
        const tail = (await readFile(join(dir, 'server.log'), 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
        throw new EvalflowError('server_crashed', `simulator did not start (exit code ${child.exitCode ?? 'none'}):\n${tail}`);
      } finally {
        await log.close();
      }
    },

    gpuTelemetry(): Promise<GpuTelemetrySource> {
      return Promise.resolve({ unavailable: 'the simulator uses no GPU' });
    },

    async saveLogs(spec: AllocationSpec): Promise<string | null> {
      const source = join(stateDirOf(spec), 'server.log');
      const target = join(spec.logDir, 'server.log');
      try {
        await mkdir(spec.logDir, { recursive: true });
        await copyFile(source, target);
        return target;
      } catch {
        return null;
      }
    },

    async teardown(spec: AllocationSpec, _allocation: Allocation | null, ctx: BackendContext): Promise<void> {
      const dir = stateDirOf(spec);
      const ready = await readReady(dir);
      if (ready) {
        ctx.log(`stopping simulator pid ${ready.pid}`);
        await stopProcessGroup(ready.pid, 5000);
      }
      await rm(dir, { recursive: true, force: true });
    },

    async prepareBenchmark(endpoint: ServerEndpoint, answers: KnownAnswer[]): Promise<void> {
      const res = await request(`${endpoint.baseUrl}/admin/answers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answers }),
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new EvalflowError('server_crashed', `simulator refused the answer map: HTTP ${res.statusCode}`);
    },
  };
}
