/**
 * A local stand-in for the Hugging Face hub with the same URL layout:
 *   GET /api/datasets/<owner>/<name>/tree/<revision>?recursive=true   paginated listing (Link: rel="next")
 *   GET /datasets/<owner>/<name>/resolve/<revision>/<path>            parquet: 302 to a second server (the CDN) with X-Linked-Etag; other files: 200
 * Repos are folders on disk; every request is recorded so tests can count them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface RecordedRequest {
  readonly server: 'hub' | 'cdn';
  readonly path: string;
  readonly authorization: string | undefined;
}

export interface FakeHubOptions {
  /** repo id → folder laid out like the repo */
  readonly repos: Record<string, string>;
  /** repos that answer 401 unless the bearer token equals `token` */
  readonly gated?: readonly string[];
  readonly token?: string;
  /** listing entries per page (default: all on one page) */
  readonly pageSize?: number;
  /** repos whose requests never get an answer (for abort tests) */
  readonly hang?: readonly string[];
}

export interface FakeHub {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** Serve these bytes from the CDN for the next n downloads while still announcing the true checksum. */
  damageNextDownloads(n: number): void;
  close(): Promise<void>;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shutdown(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An endpoint nothing listens on: connections are refused, as when offline. */
export async function deadEndpoint(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await shutdown(server);
  return url;
}

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  const blobs = new Map<string, Buffer>();
  let damaged = 0;
  const hanging: ServerResponse[] = [];

  const cdn = createServer((req, res) => {
    requests.push({ server: 'cdn', path: req.url ?? '', authorization: req.headers.authorization });
    const blob = blobs.get((req.url ?? '').replace(/^\/blobs\//, ''));
    if (blob === undefined) return void res.writeHead(404).end();
    const body = damaged > 0 ? Buffer.concat([blob, Buffer.from('garbage')]) : blob;
    if (damaged > 0) damaged--;
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  const cdnBase = await listen(cdn);

  function allowed(repo: string, req: IncomingMessage): boolean {
    return !(opts.gated ?? []).includes(repo) || req.headers.authorization === `Bearer ${opts.token ?? ''}`;
  }

  const hub = createServer((req, res) => {
    requests.push({ server: 'hub', path: req.url ?? '', authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://hub');
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = tree?.[1] ?? resolve?.[1];
    if (repo === undefined) return void res.writeHead(404).end();
    if ((opts.hang ?? []).includes(repo)) return void hanging.push(res);
    if (!allowed(repo, req)) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid credentials"}');
    const dir = opts.repos[repo];
    if (dir === undefined) return void res.writeHead(404).end('{"error":"Repository not found"}');

    if (tree) {
      // reverse order, so the loader must sort shards itself
      const files = listFiles(dir).sort().reverse();
      const entries = files.map((path) => {
        const bytes = readFileSync(join(dir, path));
        const lfs = path.endsWith('.parquet') ? { oid: sha256(bytes), size: bytes.length, pointerSize: 130 } : undefined;
        return { type: 'file', oid: 'f'.repeat(40), size: bytes.length, path, ...(lfs ? { lfs } : {}) };
      });
      const dirs = [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))].map((path) => ({ type: 'directory', oid: 'd'.repeat(40), size: 0, path }));
      const all = [...dirs, ...entries];
      const size = opts.pageSize ?? all.length;
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cursor + size < all.length) headers.link = `<${url.pathname}?recursive=true&cursor=${cursor + size}>; rel="next"`;
      return void res.writeHead(200, headers).end(JSON.stringify(all.slice(cursor, cursor + size)));
    }

    const path = decodeURIComponent(resolve![3]!);
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, ...path.split('/')));
    } catch {
      return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    }
    if (!path.endsWith('.parquet')) return void res.writeHead(200, { etag: `"${'a'.repeat(40)}"` }).end(bytes);
    const sha = sha256(bytes);
    blobs.set(sha, bytes);
    res.writeHead(302, { location: `${cdnBase}/blobs/${sha}`, 'x-linked-etag': `"${sha}"`, 'x-linked-size': String(bytes.length) }).end();
  });
  const endpoint = await listen(hub);

  return {
    endpoint,
    requests,
    damageNextDownloads(n) {
      damaged = n;
    },
    async close() {
      for (const res of hanging) res.destroy();
      await shutdown(hub);
      await shutdown(cdn);
    },
  };
}
