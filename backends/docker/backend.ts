import { join } from 'node:path';
import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { EvalflowError, isRetryable } from '../../common/errors.ts';
import { writeTextAtomic } from '../../store/files.ts';
import type { Allocation, AllocationSpec, Backend, BackendContext, GpuInfo, ServerEndpoint, StartOptions } from '../types.ts';
import { selectGpus } from '../hardware.ts';
import { nvidiaSmiSampler, queryLocalGpus } from '../gpu-telemetry/nvidia-smi.ts';
import type { GpuTelemetrySource } from '../gpu-telemetry/sampler.ts';
import { ANNOTATION, serverName } from '../kubernetes/naming.ts';
import type { LeftoverSource } from '../kubernetes/reaper.ts';
import { waitUntilHealthy } from '../local/health.ts';
import { servedModelName } from '../local/serve-args.ts';
import { docker, dockerAllowing, dockerFor, DEFAULT_SOCKET, type DockerBackendConfig } from './client.ts';
import { exitCode, isDead } from './classify.ts';
import { buildContainer, portKey } from './container-spec.ts';
import { dockerLeftovers } from './leftovers.ts';
import { demuxDockerLog, lastLines } from './logs.ts';
import { ensureImage } from './image.ts';

export interface DockerBackendDeps {
  /** Defaults to dockerFor (socket_path or host from the config). */
  dockerFor?: (cfg: DockerBackendConfig) => Docker;
  /** GPUs of the Docker host when it is this machine; defaults to the configured nvidia-smi. */
  localGpus?: (nvidiaSmi: string | string[]) => Promise<(GpuInfo & { index: string })[]>;
  /** The worker's environment, where hf_token_env is looked up. */
  env?: NodeJS.ProcessEnv;
}

const LOG_TAIL_LINES = 40;
const MESSAGE_LOG_LINES = 8;

export function dockerConfigOf(spec: Pick<AllocationSpec, 'backend'>): DockerBackendConfig {
  if (spec.backend.kind !== 'docker') throw new EvalflowError('config_invalid', `the docker backend got a ${spec.backend.kind} backend config`);
  return spec.backend;
}

/** vLLM servers as containers on one Docker host, named per (workflow, model) so any retry finds them again. */
export class DockerBackend implements Backend {
  readonly kind = 'docker' as const;
  readonly #dockerFor: (cfg: DockerBackendConfig) => Docker;
  readonly #localGpus: (nvidiaSmi: string | string[]) => Promise<(GpuInfo & { index: string })[]>;
  readonly #env: NodeJS.ProcessEnv;
  readonly #clients = new Map<string, Docker>();

  constructor(deps: DockerBackendDeps = {}) {
    this.#dockerFor = deps.dockerFor ?? dockerFor;
    this.#localGpus = deps.localGpus ?? queryLocalGpus;
    this.#env = deps.env ?? process.env;
  }

  #docker(cfg: DockerBackendConfig): Docker {
    const key = cfg.host ?? cfg.socket_path ?? DEFAULT_SOCKET;
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = this.#dockerFor(cfg);
      this.#clients.set(key, client);
    }
    return client;
  }

  /** HF_TOKEN comes from the worker's environment at create time; only the variable's name is in config. */
  #secretEnv(cfg: DockerBackendConfig): string[] {
    if (cfg.hf_token_env === undefined) return [];
    const token = this.#env[cfg.hf_token_env];
    if (token === undefined || token === '') throw new EvalflowError('config_invalid', `backend.hf_token_env names ${cfg.hf_token_env}, which is not set in the worker's environment`);
    return [`HF_TOKEN=${token}`];
  }

  async allocate(spec: AllocationSpec, ctx: BackendContext): Promise<Allocation> {
    const cfg = dockerConfigOf(spec);
    const client = this.#docker(cfg);
    const desired = buildContainer(spec, cfg);
    await ensureImage(client, cfg, spec.serving.image, ctx);
    const id = await this.#createOrAdopt(client, desired, this.#secretEnv(cfg), ctx);
    // GPUs are only known when the daemon is this machine; a remote host reports none rather than ours.
    const gpus = cfg.host === undefined ? selectGpus(await this.#localGpus(cfg.gpu_telemetry.nvidia_smi ?? 'nvidia-smi'), cfg.gpus).map(({ name, memory_mb }) => ({ name, memory_mb })) : [];
    return {
      kind: 'docker',
      id: desired.name,
      placement: { container: desired.name, container_id: id.slice(0, 12), docker_host: cfg.host ?? cfg.socket_path ?? DEFAULT_SOCKET },
      gpus,
      allocatedAtMs: Date.now(),
    };
  }

  /** 409 means a previous attempt created it: adopt the same spec hash if it can still run, replace it if it exited. */
  async #createOrAdopt(client: Docker, desired: ReturnType<typeof buildContainer>, secretEnv: string[], ctx: BackendContext, replaced = false): Promise<string> {
    const { name } = desired;
    const body = { ...desired, Env: [...(desired.Env ?? []), ...secretEnv] };
    const created = await dockerAllowing(`create container ${name}`, [409], () => client.createContainer(body));
    if (typeof created !== 'number') {
      ctx.log(`created container ${name}`);
      return created.id;
    }
    const existing = await docker(`inspect container ${name}`, () => client.getContainer(name).inspect());
    const want = desired.Labels?.[ANNOTATION.specHash];
    const have = existing.Config.Labels[ANNOTATION.specHash];
    if (have !== want) {
      throw new EvalflowError('backend_api', `container ${name} exists with a different spec (hash ${have ?? 'none'}, want ${want ?? '?'}); remove it or use another workflow id`, {
        container: name,
        existing_hash: have ?? null,
        wanted_hash: want ?? null,
      });
    }
    if (!isDead(existing.State)) {
      ctx.log(`adopted existing container ${name} (${existing.State.Status})`);
      return existing.Id;
    }
    if (replaced) throw new EvalflowError('backend_api', `container ${name} came back dead after being replaced`, { container: name });
    ctx.log(`replacing exited container ${name}`);
    await dockerAllowing(`remove container ${name}`, [404], () => client.getContainer(name).remove({ force: true }));
    return this.#createOrAdopt(client, desired, secretEnv, ctx, true);
  }

  async start(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext, opts: StartOptions = {}): Promise<ServerEndpoint> {
    const cfg = dockerConfigOf(spec);
    const client = this.#docker(cfg);
    const name = serverName(spec.workflowId, spec.modelName);
    const container = client.getContainer(name);
    let info = await this.#recoverForRetry(client, cfg, spec, ctx, opts.afterServerLoss === true);
    if (isDead(info.State)) throw await this.#exitError(client, name, info);
    if (!info.State.Running) {
      // 304: already started by an earlier attempt.
      await dockerAllowing(`start container ${name}`, [304], () => container.start());
      info = await this.#inspect(client, name);
    }
    const baseUrl = this.#baseUrl(cfg, info, spec.serving.port);
    await waitUntilHealthy({
      baseUrl,
      timeoutS: cfg.ready_timeout_s,
      pollS: cfg.poll_interval_s,
      ctx,
      describe: { container: name },
      checkAlive: async () => {
        const now = await this.#inspect(client, name);
        if (!now.State.Running) throw await this.#exitError(client, name, now);
      },
      timeoutError: async (lastError) => {
        const log = await this.#logTail(client, name);
        return new EvalflowError('server_unhealthy', withLog(`container ${name} did not answer /health within ${cfg.ready_timeout_s} s (${lastError})`, log), { container: name, last_log_lines: log });
      },
    });
    return { baseUrl, model: servedModelName(spec.serving) };
  }

  /**
   * A retried start after a retryable loss (killed from outside, removed) recreates the container;
   * a non-retryable exit is left for start to report with its logs.
   */
  async #recoverForRetry(client: Docker, cfg: DockerBackendConfig, spec: AllocationSpec, ctx: BackendContext, afterServerLoss: boolean): Promise<ContainerInspectInfo> {
    const name = serverName(spec.workflowId, spec.modelName);
    const info = await dockerAllowing(`inspect container ${name}`, [404], () => client.getContainer(name).inspect());
    // After serving, one crash is replaced (the suite bounds the restarts); at startup it is a crash loop; OOM stays fatal.
    const replaceable = (code: ReturnType<typeof exitCode>): boolean => isRetryable(code) || (afterServerLoss && code === 'crash_loop');
    if (typeof info !== 'number' && !(isDead(info.State) && replaceable(exitCode(info.State)))) return info;
    ctx.log(`container ${name} ${typeof info === 'number' ? 'is gone' : 'was killed'}; creating it again`);
    await ensureImage(client, cfg, spec.serving.image, ctx);
    await this.#createOrAdopt(client, buildContainer(spec, cfg), this.#secretEnv(cfg), ctx);
    return this.#inspect(client, name);
  }

  async #inspect(client: Docker, name: string): Promise<ContainerInspectInfo> {
    const info = await dockerAllowing(`inspect container ${name}`, [404], () => client.getContainer(name).inspect());
    if (typeof info === 'number') throw new EvalflowError('server_crashed', `container ${name} disappeared (removed outside evalflow)`, { container: name });
    return info;
  }

  /** http://<published ip>:<random host port>, read back from inspect; 0.0.0.0 means the Docker host's own address. */
  #baseUrl(cfg: DockerBackendConfig, info: ContainerInspectInfo, port: number): string {
    const binding = info.NetworkSettings.Ports[portKey(port)]?.[0];
    if (binding === undefined || binding.HostPort === '' || binding.HostPort === '0') {
      throw new EvalflowError('backend_api', `container ${info.Name} has no published host port for ${portKey(port)}`, { container: info.Name });
    }
    const dockerHost = cfg.host === undefined ? '127.0.0.1' : new URL(cfg.host).hostname;
    const host = binding.HostIp === '' || binding.HostIp === '0.0.0.0' ? dockerHost : binding.HostIp;
    return `http://${host.includes(':') ? `[${host}]` : host}:${binding.HostPort}`;
  }

  async #exitError(client: Docker, name: string, info: ContainerInspectInfo): Promise<EvalflowError> {
    const log = await this.#logTail(client, name);
    const code = exitCode(info.State);
    const detail = info.State.OOMKilled ? 'OOM-killed' : `exit code ${info.State.ExitCode}`;
    return new EvalflowError(code, withLog(`container ${name} stopped (${info.State.Status}, ${detail})${info.State.Error ? `: ${info.State.Error}` : ''}`, log), {
      container: name,
      exit_code: info.State.ExitCode,
      oom_killed: info.State.OOMKilled,
      last_log_lines: log,
    });
  }

  async #readLog(client: Docker, name: string): Promise<string> {
    const buffer = await client.getContainer(name).logs({ stdout: true, stderr: true, follow: false });
    return demuxDockerLog(buffer);
  }

  async #logTail(client: Docker, name: string): Promise<string[]> {
    try {
      return lastLines(await this.#readLog(client, name), LOG_TAIL_LINES);
    } catch {
      return [];
    }
  }

  /** The host's nvidia-smi, limited to the GPUs the container was given; only when the engine is this machine. */
  gpuTelemetry(spec: AllocationSpec): Promise<GpuTelemetrySource> {
    const cfg = dockerConfigOf(spec);
    const { nvidia_smi: command, interval_s: intervalS } = cfg.gpu_telemetry;
    if (command === null) return Promise.resolve({ unavailable: 'GPU sampling is off (backend.gpu_telemetry.nvidia_smi: null)' });
    if (cfg.host !== undefined) return Promise.resolve({ unavailable: `the Docker engine at ${cfg.host} is another machine: its GPUs are not visible to this worker` });
    return Promise.resolve({ sampler: nvidiaSmiSampler(command, cfg.gpus, intervalS) });
  }

  async saveLogs(spec: AllocationSpec, _allocation: Allocation, ctx: BackendContext): Promise<string | null> {
    const cfg = dockerConfigOf(spec);
    const name = serverName(spec.workflowId, spec.modelName);
    try {
      const text = await this.#readLog(this.#docker(cfg), name);
      const path = join(spec.logDir, 'server.log');
      await writeTextAtomic(path, text);
      return path;
    } catch (err) {
      ctx.log(`no server log saved for container ${name}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  async teardown(spec: AllocationSpec, _allocation: Allocation | null, ctx: BackendContext): Promise<void> {
    const cfg = dockerConfigOf(spec);
    const name = serverName(spec.workflowId, spec.modelName);
    // 404: already gone; 409: removal already in progress. Both are the state teardown wants.
    const result = await dockerAllowing(`remove container ${name}`, [404, 409], async (): Promise<void> => {
      await this.#docker(cfg).getContainer(name).remove({ force: true });
    });
    ctx.log(`teardown container ${name}: ${result === 404 ? 'already gone' : 'removed'}`);
  }

  leftovers(cfg: DockerBackendConfig): LeftoverSource {
    return dockerLeftovers(this.#docker(cfg));
  }
}

function withLog(message: string, log: string[]): string {
  const tail = log.slice(-MESSAGE_LOG_LINES);
  return tail.length > 0 ? `${message}\n--- last server log lines ---\n${tail.join('\n')}` : message;
}

export function createDockerBackend(deps: DockerBackendDeps = {}): DockerBackend {
  return new DockerBackend(deps);
}
