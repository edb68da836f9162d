import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { takeFault } from '../faults.ts';
import type { AddressInfo } from 'node:net';
import { KIND, NAMESPACED, type Change, type FakeStore, type ListQuery, type ResourceName, type ResourceTypes } from './store.ts';

/** An HTTP error the next matching request gets instead of its real answer. */
export interface InjectedFault {
  method?: string;
  /** Matched against the request path (no query). */
  path?: RegExp;
  status: number;
  /** How many requests it hits; default 1. */
  times?: number;
  message?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface LogQuery {
  container: string | null;
  tailLines: number | null;
  previous: boolean;
}

/** Hooks the kubelet gives the apiserver: pod logs and cluster IPs. */
export interface ApiServerHooks {
  podLog(namespace: string, name: string, query: LogQuery): string | null;
  allocateClusterIP(): string;
}

type Handler = (ctx: RequestCtx) => Promise<void> | void;
interface RequestCtx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  reply(status: number, body: unknown): void;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function statusBody(code: number, reason: string, message: string, details: Record<string, string> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

const REASON_BY_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function isResource(name: string | undefined): name is ResourceName {
  return name === 'pods' || name === 'services' || name === 'events' || name === 'nodes';
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? {} : JSON.parse(text);
}

/** A kube-apiserver for core/v1 pods, services, events and nodes over real HTTP, with watch and fault injection. */
export class FakeApiServer {
  readonly store: FakeStore;
  readonly requests: RecordedRequest[] = [];
  readonly #faults: InjectedFault[] = [];
  readonly #hooks: ApiServerHooks;
  readonly #server: Server;
  readonly #watches = new Set<ServerResponse>();
  /** Watches from a resourceVersion below this get 410 Gone, as after etcd compaction. */
  compactedBelow = 0;
  readonly #routes: { method: string; pattern: RegExp; handler: Handler }[];

  constructor(store: FakeStore, hooks: ApiServerHooks) {
    this.store = store;
    this.#hooks = hooks;
    this.#routes = [
      { method: 'GET', pattern: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, handler: (c) => this.#log(c) },
      { method: 'GET', pattern: /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)$/, handler: (c) => this.#list(c, c.params[1], c.params[0] ?? null) },
      { method: 'POST', pattern: /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)$/, handler: (c) => this.#create(c) },
      { method: 'GET', pattern: /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)\/([^/]+)$/, handler: (c) => this.#read(c, c.params[1], c.params[0], c.params[2]) },
      { method: 'DELETE', pattern: /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)\/([^/]+)$/, handler: (c) => this.#delete(c) },
      { method: 'GET', pattern: /^\/api\/v1\/([a-z]+)$/, handler: (c) => this.#list(c, c.params[0], null) },
      { method: 'GET', pattern: /^\/api\/v1\/(nodes)\/([^/]+)$/, handler: (c) => this.#read(c, c.params[0], undefined, c.params[1]) },
    ];
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(statusBody(500, 'InternalError', String(err))));
        }
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.#watches) res.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The next `times` requests matching method and path get `status` (a V1Status body). */
  inject(fault: InjectedFault): void {
    this.#faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  #takeFault(method: string, path: string): InjectedFault | null {
    return takeFault(this.#faults, method, path);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, status: 0 };
    this.requests.push(record);
    const reply = (status: number, body: unknown): void => {
      record.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(text);
    };
    const fault = this.#takeFault(method, url.pathname);
    if (fault !== null) {
      reply(fault.status, statusBody(fault.status, REASON_BY_STATUS[fault.status] ?? 'InternalError', fault.message ?? `injected HTTP ${fault.status}`));
      return;
    }
    for (const route of this.#routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (match) {
        await route.handler({ req, res, url, params: match.slice(1), reply });
        return;
      }
    }
    reply(404, statusBody(404, 'NotFound', `the server could not find the requested resource (${method} ${url.pathname})`));
  }

  #query(url: URL, namespace: string | null): ListQuery {
    return { namespace, labelSelector: url.searchParams.get('labelSelector'), fieldSelector: url.searchParams.get('fieldSelector') };
  }

  #list(c: RequestCtx, resource: string | undefined, namespace: string | null): void {
    if (!isResource(resource)) return c.reply(404, statusBody(404, 'NotFound', `unknown resource ${resource ?? ''}`));
    const query = this.#query(c.url, namespace);
    if (c.url.searchParams.get('watch') === 'true') return this.#watch(c, resource, query);
    const items = this.store.list(resource, query);
    c.reply(200, { kind: `${KIND[resource]}List`, apiVersion: 'v1', metadata: { resourceVersion: String(this.store.resourceVersion) }, items });
  }

  #watch(c: RequestCtx, resource: ResourceName, query: ListQuery): void {
    const { res, url } = c;
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // A watch may stay silent for long; the client waits for the headers before reading events.
    res.flushHeaders();
    this.#watches.add(res);
    const send = (type: string, object: unknown): boolean => res.write(`${JSON.stringify({ type, object })}\n`);
    if (from > 0 && from < this.compactedBelow) {
      send('ERROR', statusBody(410, 'Expired', `too old resource version: ${from} (${this.compactedBelow})`));
      res.end();
      this.#watches.delete(res);
      return;
    }
    // No resourceVersion: synthetic ADDED for the current state, then changes; with one: replay what came after it.
    if (from === 0) for (const object of this.store.list(resource, query)) send('ADDED', object);
    else for (const change of this.store.history) if (change.rv > from && change.resource === resource && this.store.matches(change.object, query)) send(change.type, change.object);
    const unsubscribe = this.store.subscribe((change: Change) => {
      if (change.resource === resource && this.store.matches(change.object, query)) send(change.type, change.object);
    });
    const timeoutS = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeoutS > 0 ? setTimeout(() => res.end(), timeoutS * 1000) : null;
    res.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.#watches.delete(res);
    });
  }

  async #create(c: RequestCtx): Promise<void> {
    const [namespace = '', resource] = c.params;
    if (!isResource(resource) || !NAMESPACED[resource]) return c.reply(404, statusBody(404, 'NotFound', `unknown resource ${resource ?? ''}`));
    const body = await readJson(c.req);
    if (body === null || typeof body !== 'object') return c.reply(400, statusBody(400, 'BadRequest', 'body is not an object'));
    const object = body as ResourceTypes[typeof resource];
    const meta = (object.metadata ??= {});
    const name = meta.name ?? '';
    if (resource !== 'events' && !DNS1123_LABEL.test(name)) {
      return c.reply(422, statusBody(422, 'Invalid', `${KIND[resource]} "${name}" is invalid: metadata.name: must be a lowercase RFC 1123 label`, { name, kind: resource }));
    }
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      return c.reply(400, statusBody(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request'));
    }
    meta.namespace = namespace;
    this.#initialise(resource, object);
    const created = this.store.create(resource, object);
    if (created === null) return c.reply(409, statusBody(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource }));
    c.reply(201, created);
  }

  /** What the apiserver fills in on create: a Pending pod status, a Service cluster IP. */
  #initialise(resource: ResourceName, object: ResourceTypes[ResourceName]): void {
    if (resource === 'pods') {
      const pod = object as ResourceTypes['pods'];
      pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
    }
    if (resource === 'services') {
      const svc = object as ResourceTypes['services'];
      svc.spec = { ...svc.spec, clusterIP: this.#hooks.allocateClusterIP() };
    }
  }

  #read(c: RequestCtx, resource: string | undefined, namespace: string | undefined, name: string | undefined): void {
    if (!isResource(resource)) return c.reply(404, statusBody(404, 'NotFound', `unknown resource ${resource ?? ''}`));
    const object = this.store.get(resource, namespace, name ?? '');
    if (object === undefined) return c.reply(404, statusBody(404, 'NotFound', `${resource} "${name ?? ''}" not found`, { name: name ?? '', kind: resource }));
    c.reply(200, object);
  }

  #delete(c: RequestCtx): void {
    const [namespace, resource, name = ''] = c.params;
    if (!isResource(resource)) return c.reply(404, statusBody(404, 'NotFound', `unknown resource ${resource ?? ''}`));
    const object = this.store.delete(resource, namespace, name);
    if (object === undefined) return c.reply(404, statusBody(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }));
    c.reply(200, object);
  }

  #log(c: RequestCtx): void {
    const [namespace = '', name = ''] = c.params;
    const tail = c.url.searchParams.get('tailLines');
    const text = this.#hooks.podLog(namespace, name, {
      container: c.url.searchParams.get('container'),
      tailLines: tail === null ? null : Number(tail),
      previous: c.url.searchParams.get('previous') === 'true',
    });
    if (text === null) return c.reply(404, statusBody(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    c.reply(200, text);
  }
}
