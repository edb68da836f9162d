/** One GET against the hub, redirects followed by hand so each hop's headers are seen and the token never leaves the hub's origin. */
import { request } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

export type HttpResult =
  | { kind: 'response'; status: number; url: string; hops: readonly IncomingHttpHeaders[]; body: Buffer }
  | { kind: 'unreachable'; url: string; reason: string };

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Generous: CDN files are a few MB, but a stalled socket should become "unreachable", not hang a worker.
const TIMEOUTS = { headersTimeout: 30_000, bodyTimeout: 60_000 } as const;

/** Error codes that mean "no usable network path", i.e. offline, as opposed to a bug or an abort. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** The first offline-looking code in an error, its cause chain or an AggregateError (happy-eyeballs tries every address). */
export function unreachableCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const found = unreachableCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return unreachableCode((err as { cause?: unknown }).cause, depth + 1);
}

export function firstHeader(hops: readonly IncomingHttpHeaders[], name: string): string | undefined {
  for (const h of hops) {
    const v = h[name.toLowerCase()];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== '') return s;
  }
  return undefined;
}

export async function httpGet(url: string, opts: { token?: string | undefined; signal?: AbortSignal | undefined }): Promise<HttpResult> {
  const origin = new URL(url).origin;
  const hops: IncomingHttpHeaders[] = [];
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'evalflow' };
    // Like fetch: a redirect to the CDN (another origin) must not carry the hub token.
    if (opts.token !== undefined && current.origin === origin) headers.authorization = `Bearer ${opts.token}`;
    let res;
    try {
      res = await request(current, { method: 'GET', headers, signal: opts.signal ?? null, ...TIMEOUTS });
    } catch (err) {
      opts.signal?.throwIfAborted();
      const code = unreachableCode(err);
      if (code !== undefined) return { kind: 'unreachable', url: current.href, reason: code };
      throw err;
    }
    hops.push(res.headers);
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) return { kind: 'response', status: res.statusCode, url: current.href, hops, body: Buffer.alloc(0) };
      current = new URL(location, current);
      continue;
    }
    try {
      const body = Buffer.from(await res.body.arrayBuffer());
      return { kind: 'response', status: res.statusCode, url: current.href, hops, body };
    } catch (err) {
      opts.signal?.throwIfAborted();
      const code = unreachableCode(err);
      if (code !== undefined) return { kind: 'unreachable', url: current.href, reason: code };
      throw err;
    }
  }
}
