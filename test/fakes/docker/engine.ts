import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { takeFault } from '../faults.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ContainerCreateOptions } from 'dockerode';
import { startSimulatedModel, parseServeArgs, type ModelServer, type ModelServerFactory, type ModelServerOverrides } from '../model-server.ts';
import { fakeVllmLog } from '../vllm-log.ts';
import { freePort } from '../net.ts';

/** What a container does when started; scripted by name. */
export type ContainerBehavior =
  | { kind: 'healthy'; simulator?: ModelServerOverrides }
  | { kind: 'crash'; exitCode?: number; afterMs?: number }
  | { kind: 'oom'; afterMs?: number }
  | { kind: 'never_ready' }
  | { kind: 'no_gpu' };

export interface InjectedDockerFault {
  method?: string;
  path?: RegExp;
  status: number;
  times?: number;
  message?: string;
}

interface ContainerState {
  Status: 'created' | 'running' | 'exited' | 'dead';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

interface FakeContainer {
  id: string;
  name: string;
  created: Date;
  body: ContainerCreateOptions;
  state: ContainerState;
  hostPort: string | null;
  log: { stream: 1 | 2; text: string }[];
  server: ModelServer | null;
  behavior: ContainerBehavior;
  waiters: ((code: number) => void)[];
  timer: NodeJS.Timeout | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function normaliseImage(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  return name.slice(lastSlash + 1).includes(':') ? name : `${name}:latest`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? {} : JSON.parse(text);
}

/** One frame of Docker's multiplexed stream: [stream, 0, 0, 0, size u32 BE] + payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function labelFilters(raw: string | null): string[] {
  if (raw === null) return [];
  const parsed = JSON.parse(raw) as { label?: string[] | Record<string, boolean> };
  const label = parsed.label ?? [];
  return Array.isArray(label) ? label : Object.keys(label);
}

/**
 * A Docker Engine API over real HTTP (unix socket or TCP): images, containers, logs, wait, list
 * with label filters, and fault injection. A started container runs a vLLM simulator on 127.0.0.1
 * and reports the simulator's port as its published host port, as Docker does for HostPort "0".
 */
export class FakeDockerEngine {
  readonly images = new Set<string>();
  /** Images a pull may fetch; others answer 404 like a registry without the repository. */
  pullable: (image: string) => boolean = (image) => !image.includes('does-not-exist');
  /** How a failing pull reports: an HTTP 404, or a 200 progress stream ending in an error (as registries often do). */
  pullFailure: 'http' | 'stream' = 'http';
  readonly pulls: string[] = [];
  readonly createBodies: ContainerCreateOptions[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  readonly #containers = new Map<string, FakeContainer>();
  readonly #faults: InjectedDockerFault[] = [];
  readonly #scripts: { match: (name: string) => boolean; behavior: ContainerBehavior }[] = [];
  readonly #startModelServer: ModelServerFactory;
  readonly #server: Server;
  #dir: string | null = null;
  socketPath = '';
  url = '';

  private constructor(startModelServer: ModelServerFactory) {
    this.#startModelServer = startModelServer;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.#json(res, 500, { message: String(err) });
      });
    });
  }

  /** transport "unix" (default) listens on a socket in a temp folder; "tcp" on 127.0.0.1. */
  static async start(options: { transport?: 'unix' | 'tcp'; startModelServer?: ModelServerFactory } = {}): Promise<FakeDockerEngine> {
    const engine = new FakeDockerEngine(options.startModelServer ?? startSimulatedModel);
    if (options.transport === 'tcp') {
      await new Promise<void>((resolve) => engine.#server.listen(0, '127.0.0.1', resolve));
      engine.url = `http://127.0.0.1:${(engine.#server.address() as AddressInfo).port}`;
    } else {
      engine.#dir = await mkdtemp(join(tmpdir(), 'fake-docker-'));
      engine.socketPath = join(engine.#dir, 'docker.sock');
      await new Promise<void>((resolve) => engine.#server.listen(engine.socketPath, resolve));
    }
    return engine;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#containers.values()].map((c) => this.#stop(c, 137, false)));
    this.#containers.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#dir !== null) await rm(this.#dir, { recursive: true, force: true });
  }

  inject(fault: InjectedDockerFault): void {
    this.#faults.push({ times: 1, ...fault });
  }

  /** Containers created from now on whose name contains `match` behave so. Later scripts win. */
  script(match: string, behavior: ContainerBehavior): void {
    this.#scripts.unshift({ match: (name) => name.includes(match), behavior });
  }

  /** Kills a container from outside (exit 137), as `docker kill` would. */
  async kill(nameOrId: string): Promise<void> {
    const c = this.#find(nameOrId);
    if (c) await this.#stop(c, 137, false);
  }

  get containerCount(): number {
    return this.#containers.size;
  }

  get openServers(): number {
    return [...this.#containers.values()].filter((c) => c.server !== null).length;
  }

  names(): string[] {
    return [...this.#containers.values()].map((c) => c.name);
  }

  #find(ref: string): FakeContainer | undefined {
    return [...this.#containers.values()].find((c) => c.id === ref || c.name === ref || (ref.length >= 12 && c.id.startsWith(ref)));
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #takeFault(method: string, path: string): InjectedDockerFault | null {
    return takeFault(this.#faults, method, path);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    // dockerode may prefix an API version (/v1.47/...).
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const method = req.method ?? 'GET';
    const record = { method, path, status: 0 };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const fault = this.#takeFault(method, path);
    if (fault !== null) return this.#json(res, fault.status, { message: fault.message ?? `injected HTTP ${fault.status}` });
    const routes: [string, RegExp, (m: string[]) => Promise<void> | void][] = [
      ['GET', /^\/_ping$/, () => void res.end('OK')],
      ['GET', /^\/images\/(.+)\/json$/, ([name = '']) => this.#inspectImage(res, name)],
      ['POST', /^\/images\/create$/, () => this.#pull(res, url)],
      ['POST', /^\/containers\/create$/, async () => this.#create(res, url, await readJson(req))],
      ['GET', /^\/containers\/json$/, () => this.#list(res, url)],
      ['GET', /^\/containers\/([^/]+)\/json$/, ([ref = '']) => this.#inspect(res, ref)],
      ['POST', /^\/containers\/([^/]+)\/start$/, ([ref = '']) => this.#start(res, ref)],
      ['POST', /^\/containers\/([^/]+)\/(?:stop|kill)$/, ([ref = '']) => this.#stopRoute(res, ref)],
      ['POST', /^\/containers\/([^/]+)\/wait$/, ([ref = '']) => this.#wait(res, ref)],
      ['GET', /^\/containers\/([^/]+)\/logs$/, ([ref = '']) => this.#logs(res, ref, url)],
      ['DELETE', /^\/containers\/([^/]+)$/, ([ref = '']) => this.#remove(res, ref, url)],
    ];
    for (const [m, pattern, handler] of routes) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) return handler(match.slice(1).map(decodeURIComponent));
    }
    this.#json(res, 404, { message: `page not found: ${method} ${path}` });
  }

  #inspectImage(res: ServerResponse, name: string): void {
    const image = normaliseImage(name);
    if (!this.images.has(image)) return this.#json(res, 404, { message: `No such image: ${image}` });
    this.#json(res, 200, { Id: `sha256:${randomBytes(32).toString('hex')}`, RepoTags: [image] });
  }

  #pull(res: ServerResponse, url: URL): void {
    const image = `${url.searchParams.get('fromImage') ?? ''}:${url.searchParams.get('tag') ?? 'latest'}`;
    this.pulls.push(image);
    if (!this.pullable(image)) {
      const message = `pull access denied for ${image.split(':')[0] ?? image}, repository does not exist or may require 'docker login'`;
      if (this.pullFailure === 'http') return this.#json(res, 404, { message });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ status: `Pulling from ${image}` })}\n`);
      res.end(`${JSON.stringify({ errorDetail: { message }, error: message })}\n`);
      return;
    }
    this.images.add(image);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`${JSON.stringify({ status: `Pulling from ${image}`, id: 'latest' })}\n`);
    res.end(`${JSON.stringify({ status: `Status: Downloaded newer image for ${image}` })}\n`);
  }

  #create(res: ServerResponse, url: URL, raw: unknown): void {
    const body = raw as ContainerCreateOptions;
    const name = url.searchParams.get('name') ?? randomBytes(6).toString('hex');
    const clash = this.#find(name);
    if (clash) return this.#json(res, 409, { message: `Conflict. The container name "/${name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.` });
    const image = normaliseImage(body.Image ?? '');
    if (!this.images.has(image)) return this.#json(res, 404, { message: `No such image: ${image}` });
    this.createBodies.push(body);
    const id = randomBytes(32).toString('hex');
    const behavior = this.#scripts.find((s) => s.match(name))?.behavior ?? { kind: 'healthy' };
    this.#containers.set(id, {
      id,
      name,
      created: new Date(),
      body,
      state: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
      hostPort: null,
      log: [],
      server: null,
      behavior,
      waiters: [],
      timer: null,
    });
    this.#json(res, 201, { Id: id, Warnings: [] });
  }

  #summary(c: FakeContainer): Record<string, unknown> {
    return {
      Id: c.id,
      Names: [`/${c.name}`],
      Image: c.body.Image,
      Command: (c.body.Cmd ?? []).join(' '),
      Created: Math.floor(c.created.getTime() / 1000),
      Labels: c.body.Labels ?? {},
      State: c.state.Status,
      Status: c.state.Running ? 'Up' : `Exited (${c.state.ExitCode})`,
    };
  }

  #list(res: ServerResponse, url: URL): void {
    const all = ['1', 'true'].includes(url.searchParams.get('all') ?? '');
    const filters = labelFilters(url.searchParams.get('filters'));
    const items = [...this.#containers.values()]
      .filter((c) => all || c.state.Running)
      .filter((c) =>
        filters.every((f) => {
          const [k = '', v] = f.split('=');
          const have = c.body.Labels?.[k];
          return v === undefined ? have !== undefined : have === v;
        }),
      );
    this.#json(res, 200, items.map((c) => this.#summary(c)));
  }

  #inspect(res: ServerResponse, ref: string): void {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    const bindings = c.body.HostConfig?.PortBindings as Record<string, { HostIp?: string }[]> | undefined;
    const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
    if (c.state.Running && c.hostPort !== null) {
      for (const [key, list] of Object.entries(bindings ?? {})) ports[key] = [{ HostIp: list[0]?.HostIp ?? '0.0.0.0', HostPort: c.hostPort }];
    }
    this.#json(res, 200, {
      Id: c.id,
      Created: c.created.toISOString(),
      Path: 'vllm',
      Args: ['serve', ...(c.body.Cmd ?? [])],
      State: c.state,
      Image: `sha256:${'0'.repeat(64)}`,
      Name: `/${c.name}`,
      RestartCount: 0,
      HostConfig: c.body.HostConfig ?? {},
      Config: { Image: c.body.Image, Cmd: c.body.Cmd, Env: c.body.Env ?? [], Labels: c.body.Labels ?? {}, ExposedPorts: c.body.ExposedPorts ?? {} },
      NetworkSettings: { Ports: ports },
    });
  }

  async #start(res: ServerResponse, ref: string): Promise<void> {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    if (c.state.Running) {
      res.writeHead(304);
      res.end();
      return;
    }
    const { behavior } = c;
    if (behavior.kind === 'no_gpu') {
      return this.#json(res, 500, { message: `failed to create task for container: could not select device driver "nvidia" with capabilities: [[gpu]]` });
    }
    const args = parseServeArgs(c.body.Cmd ?? []);
    c.log.push(...fakeVllmLog.starting(args.model, args.port, c.body.Cmd ?? []).map((text) => ({ stream: 1 as const, text })));
    if (behavior.kind === 'healthy') {
      c.server = await this.#startModelServer({ model: args.servedModelName, overrides: behavior.simulator ?? {} });
      c.hostPort = String(c.server.port);
      c.log.push(...fakeVllmLog.ready().map((text) => ({ stream: 2 as const, text })));
    } else {
      // Nothing listens behind the published port: connections are refused, as during a model load.
      c.hostPort = String(await freePort());
    }
    Object.assign(c.state, { Status: 'running', Running: true, Pid: 4242, StartedAt: new Date().toISOString() });
    if (behavior.kind === 'crash' || behavior.kind === 'oom') {
      const oom = behavior.kind === 'oom';
      c.timer = setTimeout(() => {
        c.log.push(...(oom ? fakeVllmLog.oom() : fakeVllmLog.crash()).map((text) => ({ stream: 2 as const, text })));
        void this.#stop(c, oom ? 137 : behavior.kind === 'crash' ? (behavior.exitCode ?? 1) : 1, oom);
      }, behavior.afterMs ?? 100);
    }
    res.writeHead(204);
    res.end();
  }

  async #stop(c: FakeContainer, code: number, oom: boolean): Promise<void> {
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
    const server = c.server;
    c.server = null;
    await server?.close();
    if (c.state.Running) Object.assign(c.state, { Status: 'exited', Running: false, Pid: 0, ExitCode: code, OOMKilled: oom, FinishedAt: new Date().toISOString() });
    for (const w of c.waiters.splice(0)) w(c.state.ExitCode);
  }

  async #stopRoute(res: ServerResponse, ref: string): Promise<void> {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    await this.#stop(c, 137, false);
    res.writeHead(204);
    res.end();
  }

  #wait(res: ServerResponse, ref: string): void {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    if (!c.state.Running && c.state.Status !== 'created') return this.#json(res, 200, { StatusCode: c.state.ExitCode, Error: null });
    c.waiters.push((code) => this.#json(res, 200, { StatusCode: code, Error: null }));
  }

  #logs(res: ServerResponse, ref: string, url: URL): void {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    const wantOut = ['1', 'true'].includes(url.searchParams.get('stdout') ?? '');
    const wantErr = ['1', 'true'].includes(url.searchParams.get('stderr') ?? '');
    const frames = c.log.filter((l) => (l.stream === 1 ? wantOut : wantErr)).map((l) => frame(l.stream, `${l.text}\n`));
    res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
    res.end(Buffer.concat(frames));
  }

  async #remove(res: ServerResponse, ref: string, url: URL): Promise<void> {
    const c = this.#find(ref);
    if (!c) return this.#json(res, 404, { message: `No such container: ${ref}` });
    const force = ['1', 'true'].includes(url.searchParams.get('force') ?? '');
    if (c.state.Running && !force) {
      return this.#json(res, 409, { message: `cannot remove container "/${c.name}": container is running: stop the container before removing or force remove` });
    }
    await this.#stop(c, 137, false);
    this.#containers.delete(c.id);
    res.writeHead(204);
    res.end();
  }
}
