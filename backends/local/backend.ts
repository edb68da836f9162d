import { spawn } from 'node:child_process';
import { copyFile, mkdir, open, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EvalflowError, type ErrorCode } from '../../common/errors.ts';
import type { Allocation, AllocationSpec, Backend, BackendContext, GpuInfo, ServerEndpoint } from '../types.ts';
import { gpuCount } from '../hardware.ts';
import { nvidiaSmiSampler, queryLocalGpus } from '../gpu-telemetry/nvidia-smi.ts';
import type { GpuTelemetrySource } from '../gpu-telemetry/sampler.ts';
import { serverName, specHash } from '../kubernetes/naming.ts';
import type { LeftoverSource } from '../kubernetes/reaper.ts';
import { isAlive, stopProcessGroup } from '../process.ts';
import { waitUntilHealthy } from './health.ts';
import { localLeftovers } from './leftovers.ts';
import { servedModelName, vllmEngineArgs } from './serve-args.ts';
import { freeLocalPort } from './ports.ts';
import { readState, removeState, runsServer, writeState, type ProcessState } from './state.ts';

export type LocalBackendConfig = Extract<AllocationSpec['backend'], { kind: 'local' }>;

export interface LocalBackendDeps {
  /** This machine's GPUs; defaults to the configured nvidia-smi. */
  localGpus?: (nvidiaSmi: string | string[]) => Promise<(GpuInfo & { index: string })[]>;
  /** The worker's environment; the server inherits only the base variables and env_passthrough. */
  env?: NodeJS.ProcessEnv;
}

/** Always passed through: what any program needs to find its tools and write temp files. */
const BASE_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR'];
const LOG_TAIL_LINES = 40;
const MESSAGE_LOG_LINES = 8;

/** How a process ended, as far as this worker knows (only its own children report codes). */
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An exit on its own (any code) repeats on retry; a kill from outside does not. */
function exitVerdict(exit: Exit | undefined): ErrorCode {
  if (exit === undefined || exit.signal !== null) return 'server_crashed';
  return 'crash_loop';
}

export function localConfigOf(spec: Pick<AllocationSpec, 'backend'>): LocalBackendConfig {
  if (spec.backend.kind !== 'local') throw new EvalflowError('config_invalid', `the local backend got a ${spec.backend.kind} backend config`);
  return spec.backend;
}

function stateDirOf(spec: AllocationSpec, cfg: LocalBackendConfig): string {
  return resolve(cfg.state_dir ?? join(spec.stateDir, 'local'));
}

/** What a 409-style adopt compares: the same command line and environment mean the same server. */
function processHash(spec: AllocationSpec, cfg: LocalBackendConfig): string {
  return specHash({ command: cfg.command, args: vllmEngineArgs(spec.serving), env: spec.serving.env, passthrough: cfg.env_passthrough });
}

async function logTail(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-LOG_TAIL_LINES);
}

function withLog(message: string, log: string[]): string {
  const tail = log.slice(-MESSAGE_LOG_LINES);
  return tail.length > 0 ? `${message}\n--- last server log lines ---\n${tail.join('\n')}` : message;
}

/**
 * `vllm serve` as a detached process group on this machine. A pid file per allocation lets a
 * restarted worker adopt the server or stop it; teardown signals the whole group (TP workers too).
 */
export class LocalBackend implements Backend {
  readonly kind = 'local' as const;
  readonly #localGpus: (nvidiaSmi: string | string[]) => Promise<(GpuInfo & { index: string })[]>;
  readonly #env: NodeJS.ProcessEnv;
  /** Exit status of the servers this worker spawned; adopted ones are only known alive or not. */
  readonly #exits = new Map<number, Exit>();

  constructor(deps: LocalBackendDeps = {}) {
    this.#localGpus = deps.localGpus ?? queryLocalGpus;
    this.#env = deps.env ?? process.env;
  }

  async allocate(spec: AllocationSpec): Promise<Allocation> {
    const cfg = localConfigOf(spec);
    const id = serverName(spec.workflowId, spec.modelName);
    const all = await this.#localGpus(cfg.gpu_telemetry.nvidia_smi ?? 'nvidia-smi');
    const devices = this.#serverDevices(spec, cfg);
    // Devices named by UUID do not match an index: then the first ones stand in (same model on one machine, as a rule).
    const chosen = typeof devices === 'number' ? all.slice(0, devices) : all.filter((g) => devices.includes(g.index));
    const gpus = (chosen.length > 0 ? chosen : all.slice(0, gpuCount(spec.serving))).map(({ name, memory_mb }) => ({ name, memory_mb }));
    return { kind: 'local', id, placement: { host: hostname(), allocation: id }, gpus, allocatedAtMs: Date.now() };
  }

  async start(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext): Promise<ServerEndpoint> {
    const cfg = localConfigOf(spec);
    const dir = stateDirOf(spec, cfg);
    const id = serverName(spec.workflowId, spec.modelName);
    const hash = processHash(spec, cfg);
    let state = await readState(dir, id);
    if (state !== null && isAlive(state.pid) && (await runsServer(state))) {
      if (state.spec_hash !== hash) {
        throw new EvalflowError('backend_api', `a different server (hash ${state.spec_hash}, want ${hash}) already runs as ${id}, pid ${state.pid}; tear it down first`, { allocation: id, pid: state.pid });
      }
      ctx.log(`adopting server ${id}, pid ${state.pid}, port ${state.port}`);
    } else {
      if (state !== null) ctx.log(`server ${id} (pid ${state.pid}) is gone; starting a new one`);
      state = await this.#spawn(spec, cfg, dir, id, hash, ctx);
    }
    const { pid, port, log_path } = state;
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilHealthy({
      baseUrl,
      timeoutS: cfg.ready_timeout_s,
      pollS: cfg.poll_interval_s,
      ctx,
      describe: { allocation: id, pid },
      checkAlive: async () => {
        const exit = this.#exits.get(pid);
        if (exit === undefined && isAlive(pid)) return;
        const log = await logTail(log_path);
        const how = exit === undefined ? 'is gone' : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
        throw new EvalflowError(exitVerdict(exit), withLog(`server ${id} (pid ${pid}) ${how} before becoming healthy`, log), { allocation: id, pid, exit_code: exit?.code ?? null, signal: exit?.signal ?? null, last_log_lines: log });
      },
      timeoutError: async (lastError) => {
        const log = await logTail(log_path);
        return new EvalflowError('server_unhealthy', withLog(`server ${id} (pid ${pid}) did not answer /health within ${cfg.ready_timeout_s} s (${lastError})`, log), { allocation: id, pid, last_log_lines: log });
      },
    });
    return { baseUrl, model: servedModelName(spec.serving) };
  }

  /** vLLM takes the first tensor×pipeline GPUs it sees: of CUDA_VISIBLE_DEVICES (indexes or UUIDs) when the server gets it, else of all. */
  #serverDevices(spec: AllocationSpec, cfg: LocalBackendConfig): number | string[] {
    const count = gpuCount(spec.serving);
    const visible = this.#childEnv(spec, cfg).CUDA_VISIBLE_DEVICES;
    return visible === undefined ? count : visible.split(',').map((d) => d.trim()).filter((d) => d.length > 0).slice(0, count);
  }

  /** The host's nvidia-smi, limited to the server's GPUs. */
  gpuTelemetry(spec: AllocationSpec): Promise<GpuTelemetrySource> {
    const cfg = localConfigOf(spec);
    const { nvidia_smi: command, interval_s: intervalS } = cfg.gpu_telemetry;
    if (command === null) return Promise.resolve({ unavailable: 'GPU sampling is off (backend.gpu_telemetry.nvidia_smi: null)' });
    return Promise.resolve({ sampler: nvidiaSmiSampler(command, this.#serverDevices(spec, cfg), intervalS) });
  }

  #childEnv(spec: AllocationSpec, cfg: LocalBackendConfig): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const name of [...BASE_ENV, ...cfg.env_passthrough]) if (this.#env[name] !== undefined) env[name] = this.#env[name];
    return { ...env, ...spec.serving.env };
  }

  async #spawn(spec: AllocationSpec, cfg: LocalBackendConfig, dir: string, id: string, hash: string, ctx: BackendContext): Promise<ProcessState> {
    const [command = 'vllm', ...prefix] = typeof cfg.command === 'string' ? [cfg.command] : cfg.command;
    const port = await freeLocalPort();
    const args = [...prefix, 'serve', ...vllmEngineArgs(spec.serving, { host: '127.0.0.1', port })];
    await mkdir(spec.logDir, { recursive: true });
    const logPath = resolve(spec.logDir, 'server.log');
    const log = await open(logPath, 'a');
    let pid: number;
    try {
      // detached: its own process group, so teardown reaches tensor-parallel workers and a worker crash leaves it running.
      const child = spawn(command, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: this.#childEnv(spec, cfg) });
      child.once('exit', (code, signal) => this.#exits.set(child.pid ?? 0, { code, signal }));
      pid = await new Promise<number>((resolvePid, reject) => {
        child.once('spawn', () => resolvePid(child.pid ?? 0));
        child.once('error', (err) => reject(new EvalflowError('config_invalid', `cannot run ${command}: ${err.message}`, { command }, { cause: err })));
      });
      child.unref();
    } finally {
      // The child holds its own copy of the descriptor.
      await log.close();
    }
    const state: ProcessState = { id, pid, port, spec_hash: hash, workflow_id: spec.workflowId, run_id: spec.runId, model: spec.modelName, log_path: logPath, started_at: new Date().toISOString() };
    await writeState(dir, state);
    ctx.log(`started ${command} serve as pid ${pid} on port ${port}`);
    return state;
  }

  async saveLogs(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext): Promise<string | null> {
    const cfg = localConfigOf(spec);
    const id = serverName(spec.workflowId, spec.modelName);
    const state = await readState(stateDirOf(spec, cfg), id);
    const target = resolve(spec.logDir, 'server.log');
    const source = state?.log_path ?? target;
    try {
      // The server already writes into a log dir; copy only when that was another step's.
      if (source !== target) {
        await mkdir(spec.logDir, { recursive: true });
        await copyFile(source, target);
      } else {
        await readFile(target);
      }
      return target;
    } catch (err) {
      ctx.log(`no server log for ${id}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  async teardown(spec: AllocationSpec, _allocation: Allocation | null, ctx: BackendContext): Promise<void> {
    const cfg = localConfigOf(spec);
    const dir = stateDirOf(spec, cfg);
    const id = serverName(spec.workflowId, spec.modelName);
    const state = await readState(dir, id);
    if (state === null) {
      ctx.log(`teardown ${id}: nothing running`);
      return;
    }
    // A live leader running something else means the pid was reused: that group is not ours to kill.
    const reused = isAlive(state.pid) && !(await runsServer(state));
    if (!reused) await stopProcessGroup(state.pid, cfg.stop_grace_s * 1000);
    await removeState(dir, id);
    ctx.log(`teardown ${id}: ${reused ? `pid ${state.pid} now runs something else; left alone` : `stopped process group ${state.pid}`}`);
  }

  leftovers(stateDir: string, graceS = 30): LeftoverSource {
    return localLeftovers(resolve(stateDir), graceS);
  }
}

export function createLocalBackend(deps: LocalBackendDeps = {}): LocalBackend {
  return new LocalBackend(deps);
}
