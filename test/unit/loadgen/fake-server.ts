import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a test server saw of one request. */
export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A tiny node:http server for sender and step tests; the handler decides how each request goes wrong. */
export async function startFakeServer(handler: Handler = vllmLike()): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      const s: SeenRequest = { path: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      void handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface StreamOptions {
  gapMs?: number;
  usage?: boolean;
  /** Write this raw text after the first token instead of carrying on. */
  inject?: string;
  /** Stop (and end the response) after this many tokens, without [DONE]. */
  cutAfter?: number;
}

/** Streams max_tokens one-word tokens like vLLM: choices chunks, a usage-only tail, [DONE]. */
export function vllmLike(options: StreamOptions = {}): Handler {
  return async (req, res) => {
    if (req.path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('# HELP vllm:num_requests_running x\nvllm:num_requests_running{model_name="m"} 3.0\nvllm:num_requests_waiting{model_name="m"} 1.0\nvllm:kv_cache_usage_perc{model_name="m"} 0.25\n');
      return;
    }
    const chat = req.path.endsWith('/chat/completions');
    const n = Number(req.body.max_tokens ?? 4);
    const prompt = typeof req.body.prompt === 'string' ? req.body.prompt : JSON.stringify(req.body.messages ?? '');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const write = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    for (let i = 0; i < n; i++) {
      if (options.cutAfter !== undefined && i >= options.cutAfter) {
        res.end();
        return;
      }
      const choice = chat ? { index: 0, delta: { content: ` t${i}` }, finish_reason: i === n - 1 ? 'length' : null } : { index: 0, text: ` t${i}`, finish_reason: i === n - 1 ? 'length' : null };
      write({ id: 'x', choices: [choice] });
      if (i === 0 && options.inject !== undefined) {
        res.end(options.inject);
        return;
      }
      if (options.gapMs) await sleep(options.gapMs);
      else await new Promise((r) => setImmediate(r));
    }
    if (options.usage !== false) write({ id: 'x', choices: [], usage: { prompt_tokens: prompt.split(/\s+/).filter(Boolean).length, completion_tokens: n, total_tokens: 0 } });
    res.end('data: [DONE]\n\n');
  };
}
