import { afterEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSender } from '../../../loadgen/sender.ts';
import type { RequestSpec, Sender } from '../../../loadgen/record.ts';
import { startFakeServer, vllmLike } from './fake-server.ts';
import type { FakeServer, Handler } from './fake-server.ts';

const spec = (over: Partial<RequestSpec> = {}): RequestSpec => ({ id: 'req-1', endpoint: 'completions', prompt: 'one two three', maxTokens: 3, ...over });

let server: FakeServer | null = null;
let sender: Sender | null = null;
afterEach(async () => {
  await sender?.close();
  await server?.close();
  sender = null;
  server = null;
});

async function setup(handler?: Handler, timeoutMs = 5000): Promise<{ server: FakeServer; sender: Sender }> {
  server = await startFakeServer(handler);
  sender = createSender({ baseUrl: server.url, model: 'm', apiKey: 'k', maxConnections: 8, requestTimeoutMs: timeoutMs });
  return { server, sender };
}

describe('sender: successful streams', () => {
  it('sends vLLM bench serve\'s completions payload and times the stream', async () => {
    const { server, sender } = await setup(vllmLike({ gapMs: 5 }));
    const r = await sender.send(spec({ ignoreEos: true, temperature: 0, topP: 0.9, seed: 3, stop: ['\n'] }), 1, 'st', { keepText: true });
    expect(server.seen[0]!.path).toBe('/v1/completions');
    expect(server.seen[0]!.headers['x-request-id']).toBe('req-1');
    expect(server.seen[0]!.headers.authorization).toBe('Bearer k');
    expect(server.seen[0]!.body).toEqual({ model: 'm', prompt: 'one two three', max_tokens: 3, stream: true, stream_options: { include_usage: true }, ignore_eos: true, temperature: 0, top_p: 0.9, seed: 3, stop: ['\n'] });
    expect(r).toMatchObject({ id: 'req-1', stage: 'st', scheduledMs: 1, status: 200, error: null, promptTokens: 3, completionTokens: 3, finishReason: 'length', text: ' t0 t1 t2', warmup: false });
    expect(r.chunkMs).toHaveLength(3);
    expect(r.sentMs).toBeLessThanOrEqual(r.headersMs!);
    expect(r.headersMs!).toBeLessThanOrEqual(r.firstTokenMs!);
    expect(r.firstTokenMs).toBe(r.chunkMs[0]);
    expect(r.endMs).toBe(r.chunkMs[2]);
    expect(r.chunkMs[1]!).toBeGreaterThanOrEqual(r.chunkMs[0]!);
    expect(r.chunkMs[2]!).toBeGreaterThanOrEqual(r.chunkMs[1]!);
    expect(r.doneMs!).toBeGreaterThanOrEqual(r.endMs!);
  });

  it('sends chat with max_completion_tokens and max_tokens, and a base URL ending in /v1', async () => {
    server = await startFakeServer(vllmLike());
    sender = createSender({ baseUrl: `${server.url}/v1/`, model: 'm', maxConnections: 2, requestTimeoutMs: 5000 });
    const r = await sender.send(spec({ endpoint: 'chat', messages: [{ role: 'user', content: 'hi' }] }), 0, 's', { keepText: true, warmup: true });
    expect(server.seen[0]!.path).toBe('/v1/chat/completions');
    expect(server.seen[0]!.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 3, max_tokens: 3 });
    expect(server.seen[0]!.headers.authorization).toBeUndefined();
    expect(r).toMatchObject({ error: null, text: ' t0 t1 t2', warmup: true, completionTokens: 3 });
  });

  it('counts chunks when the server sends no usage', async () => {
    const { sender } = await setup(vllmLike({ usage: false }));
    const r = await sender.send(spec({ maxTokens: 5, expectedPromptTokens: 3 }), 0, 's');
    expect(r).toMatchObject({ error: null, completionTokens: 5, promptTokens: 3 });
  });

  it.each<{ name: string; after: (res: ServerResponse) => void }>([
    { name: 'never ends the response after [DONE]', after: () => undefined },
    { name: 'resets the socket after [DONE]', after: (res) => setTimeout(() => res.socket?.destroy(), 20) },
  ])('a stream that is complete at [DONE] succeeds even if the server $name', async ({ after }) => {
    const { sender } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n');
      after(res);
    });
    const r = await sender.send(spec(), 0, 's');
    expect(r).toMatchObject({ error: null, completionTokens: 1 });
  });

  it('reuses connections for many concurrent streams', async () => {
    const { server, sender } = await setup(vllmLike());
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => sender.send(spec({ id: `r${i}` }), 0, 's')));
    expect(rs.every((r) => r.error === null)).toBe(true);
    expect(new Set(server.seen.map((s) => s.headers['x-request-id'])).size).toBe(40);
  });
});

describe('sender: every failure is a record, never a throw', () => {
  it.each<{ name: string; handler: Handler; kind: string; status?: number; message?: string }>([
    {
      name: 'HTTP 500',
      handler: (_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"boom"}');
      },
      kind: 'http_status',
      status: 500,
      message: 'boom',
    },
    {
      name: 'garbage body',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('<html>oops</html>\n\n');
      },
      kind: 'bad_response',
    },
    { name: 'malformed JSON mid-stream', handler: vllmLike({ inject: 'data: {"choices": [{"te\n\n' }), kind: 'bad_response', message: 'malformed JSON' },
    { name: 'error event mid-stream', handler: vllmLike({ inject: 'data: {"error": {"message": "kv cache exhausted"}}\n\ndata: [DONE]\n\n' }), kind: 'stream_error', message: 'kv cache exhausted' },
    { name: 'closed before [DONE]', handler: vllmLike({ cutAfter: 2 }), kind: 'closed' },
    {
      name: 'reset before headers',
      handler: (req, res) => {
        res.socket?.destroy();
        void req;
      },
      kind: 'connect',
    },
    {
      name: 'reset mid-stream',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"text":"a"}]}\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      kind: 'closed',
    },
    { name: 'hang before headers', handler: () => undefined, kind: 'timeout' },
    {
      name: 'hang mid-stream',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"text":"a"}]}\n\n');
      },
      kind: 'timeout',
    },
  ])('$name → $kind', async ({ handler, kind, status, message }) => {
    const { sender } = await setup(handler, 400);
    const r = await sender.send(spec(), 0, 's');
    expect(r.error?.kind).toBe(kind);
    if (status !== undefined) expect(r.status).toBe(status);
    if (message !== undefined) expect(r.error?.message).toContain(message);
    expect(r.doneMs).toBeGreaterThanOrEqual(r.sentMs);
  });

  it('connection refused → connect', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    sender = createSender({ baseUrl: `http://127.0.0.1:${port}`, model: 'm', maxConnections: 1, requestTimeoutMs: 2000 });
    const r = await sender.send(spec(), 0, 's');
    expect(r).toMatchObject({ status: null, headersMs: null, error: { kind: 'connect' } });
    expect(r.error?.message).toContain('ECONNREFUSED');
  });

  it('an abort mid-stream is recorded as aborted; an early abort sends nothing', async () => {
    const { server, sender } = await setup(vllmLike({ gapMs: 50 }));
    const ac = new AbortController();
    const pending = sender.send(spec({ maxTokens: 100 }), 0, 's', { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('cancelled by test')), 80);
    const r = await pending;
    expect(r.error).toMatchObject({ kind: 'aborted' });
    expect(r.error?.message).toContain('cancelled by test');
    expect(r.chunkMs.length).toBeGreaterThan(0);

    const before = server.seen.length;
    const early = await sender.send(spec(), 0, 's', { signal: AbortSignal.abort() });
    expect(early.error?.kind).toBe('aborted');
    expect(server.seen.length).toBe(before);
  });

  it('keeps working for the next request after failures on the same pool', async () => {
    let n = 0;
    const ok = vllmLike();
    const { sender } = await setup((req, res) => {
      n += 1;
      if (n % 2 === 1) {
        res.writeHead(503);
        res.end('busy');
        return;
      }
      return ok(req, res);
    });
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => sender.send(spec({ id: `r${i}` }), 0, 's')));
    expect(rs.filter((r) => r.error?.kind === 'http_status')).toHaveLength(3);
    expect(rs.filter((r) => r.error === null)).toHaveLength(3);
  });
});
