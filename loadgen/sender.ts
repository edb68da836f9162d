import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { RequestError, RequestRecord, RequestSpec, Sender } from './record.ts';
import { StreamCollector } from './stream.ts';

export interface SenderOptions {
  /** Server root, e.g. http://127.0.0.1:8000 (a trailing /v1 is tolerated). */
  baseUrl: string;
  /** The served model name sent in every payload. */
  model: string;
  apiKey?: string;
  /** The most requests in flight; the pool gets a little more than this many connections, or it would queue them itself (guidellm #487). */
  maxConnections: number;
  /** Overall deadline of one request, and also the headers and body idle limits. */
  requestTimeoutMs: number;
}

const ERROR_BODY_LIMIT = 2048;
/** After [DONE], how long the response may take to end before we stop waiting (the stream itself is complete). */
const END_GRACE_MS = 2000;

/**
 * Pool size for a given number of requests in flight. undici reuses a socket
 * only one event-loop turn after its response ended (pipelining 1), so with
 * exactly one connection per in-flight request the next request would queue
 * behind that turn; the headroom lets it take an idle socket at once.
 */
export function poolConnections(maxInFlight: number): number {
  return Math.ceil(maxInFlight * 1.25) + 8;
}

/** The JSON body for one request: vLLM bench serve's payload (load-generation.md §5). */
export function buildPayload(spec: RequestSpec, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model };
  if (spec.endpoint === 'chat') {
    body.messages = spec.messages ?? [{ role: 'user', content: spec.prompt ?? '' }];
    // Newer servers read max_completion_tokens, older ones max_tokens; send both.
    body.max_completion_tokens = spec.maxTokens;
    body.max_tokens = spec.maxTokens;
  } else {
    body.prompt = spec.prompt ?? (spec.messages ?? []).map((m) => m.content).join('\n');
    body.max_tokens = spec.maxTokens;
  }
  body.stream = true;
  body.stream_options = { include_usage: true };
  if (spec.ignoreEos !== undefined) body.ignore_eos = spec.ignoreEos;
  if (spec.temperature !== undefined) body.temperature = spec.temperature;
  if (spec.topP !== undefined) body.top_p = spec.topP;
  if (spec.seed !== undefined) body.seed = spec.seed;
  if (spec.stop !== undefined && spec.stop.length > 0) body.stop = spec.stop;
  return body;
}

/** Path prefix of baseUrl without a trailing "/" or "/v1", so both spellings of a base URL work. */
function pathPrefix(url: URL): string {
  let prefix = url.pathname.replace(/\/+$/, '');
  if (prefix.endsWith('/v1')) prefix = prefix.slice(0, -3);
  return prefix;
}

function errorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

/** Sort an undici/socket error into the record's error kinds. */
export function classifyError(err: Error, headersReceived: boolean): RequestError {
  const code = errorCode(err);
  const message = `${code}: ${err.message}`;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'TimeoutError':
      return { kind: 'timeout', message };
    case 'UND_ERR_ABORTED':
    case 'AbortError':
      return { kind: 'aborted', message };
    default:
      // After the headers, a dead socket is a stream cut short; before them, the connection failed.
      return { kind: headersReceived ? 'closed' : 'connect', message };
  }
}

/** An error used only to tear down an undici request we have already recorded. */
class RequestSettledError extends Error {
  override name = 'RequestSettledError';
}

export function createSender(options: SenderOptions): Sender {
  const url = new URL(options.baseUrl);
  const prefix = pathPrefix(url);
  const paths = { completions: `${prefix}/v1/completions`, chat: `${prefix}/v1/chat/completions` } as const satisfies Record<RequestSpec['endpoint'], string>;
  const pool = new Pool(url.origin, {
    connections: poolConnections(options.maxConnections),
    pipelining: 1, // one request per connection at a time: a streaming response would block the pipeline
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 60_000,
  });
  const baseHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (options.apiKey !== undefined && options.apiKey !== '') baseHeaders.authorization = `Bearer ${options.apiKey}`;

  function send(spec: RequestSpec, scheduledMs: number, stage: string, opts: { warmup?: boolean; keepText?: boolean; signal?: AbortSignal } = {}): Promise<RequestRecord> {
    const keepText = opts.keepText === true;
    const signal = opts.signal;
    const body = JSON.stringify(buildPayload(spec, options.model));
    const record: RequestRecord = {
      id: spec.id,
      stage,
      warmup: opts.warmup === true,
      scheduledMs,
      sentMs: performance.now(),
      headersMs: null,
      firstTokenMs: null,
      chunkMs: [],
      endMs: null,
      promptTokens: null,
      completionTokens: null,
      finishReason: null,
      status: null,
      error: null,
    };
    return new Promise<RequestRecord>((resolve) => {
      const collector = new StreamCollector(keepText);
      let controller: Dispatcher.DispatchController | null = null;
      let settled = false;
      let ok = false;
      let doneSeen = false;
      const errorBody: string[] = [];
      let errorBodyLength = 0;
      let timer: NodeJS.Timeout | undefined = undefined;

      const finish = (error: RequestError | null): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        record.doneMs = performance.now();
        record.firstTokenMs = collector.firstTokenMs;
        record.chunkMs = collector.chunkMs;
        record.endMs = collector.endMs;
        record.finishReason = collector.finishReason;
        record.promptTokens = collector.promptTokens ?? spec.expectedPromptTokens ?? null;
        // Servers that omit usage: one token per token-bearing chunk, the best guess without a tokenizer.
        record.completionTokens = collector.completionTokens ?? (collector.chunkMs.length > 0 ? collector.chunkMs.length : null);
        record.error = error;
        if (keepText) record.text = collector.text;
        resolve(record);
      };
      // Record first, then tear down: the record must not wait for undici's callbacks.
      const settleAndAbort = (error: RequestError): void => {
        finish(error);
        controller?.abort(new RequestSettledError(error.message));
      };
      function onAbort(): void {
        settleAndAbort({ kind: 'aborted', message: `aborted: ${String(signal?.reason ?? 'signal')}` });
      }

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (settled) c.abort(new RequestSettledError('already settled'));
        },
        onResponseStart(_c, statusCode) {
          record.headersMs = performance.now();
          record.status = statusCode;
          ok = statusCode >= 200 && statusCode < 300;
        },
        onResponseData(_c, chunk) {
          if (settled) return;
          if (!ok) {
            if (errorBodyLength < ERROR_BODY_LIMIT) {
              const text = chunk.toString('utf8', 0, Math.min(chunk.length, ERROR_BODY_LIMIT - errorBodyLength));
              errorBody.push(text);
              errorBodyLength += text.length;
            }
            return;
          }
          collector.push(chunk, performance.now());
          if (collector.error !== null) settleAndAbort(collector.error);
          else if (collector.done && !doneSeen) {
            // The record settles when the response ends (the connection is then free, as vLLM's semaphore
            // assumes); a server that never ends it after [DONE] costs a short grace, not the whole timeout.
            doneSeen = true;
            if (timer !== undefined) clearTimeout(timer);
            timer = setTimeout(() => {
              finish(null);
              controller?.abort(new RequestSettledError('response did not end after [DONE]'));
            }, END_GRACE_MS);
            timer.unref();
          }
        },
        onResponseEnd() {
          if (settled) return;
          if (!ok) {
            const status = record.status ?? 0;
            finish({ kind: 'http_status', status, message: `HTTP ${status}: ${errorBody.join('').trim()}` });
            return;
          }
          collector.end(performance.now());
          finish(collector.done ? null : collector.error);
        },
        onResponseError(_c, err) {
          if (settled) return;
          // A socket lost after [DONE] lost nothing: the stream was complete.
          finish(collector.done ? null : classifyError(err, record.headersMs !== null));
        },
      };

      if (signal?.aborted === true) {
        finish({ kind: 'aborted', message: `aborted before sending: ${String(signal.reason)}` });
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => settleAndAbort({ kind: 'timeout', message: `request exceeded ${options.requestTimeoutMs} ms` }), options.requestTimeoutMs);
      timer.unref();
      record.sentMs = performance.now();
      try {
        pool.dispatch(
          { path: paths[spec.endpoint], method: 'POST', headers: { ...baseHeaders, 'x-request-id': spec.id }, body, blocking: true },
          handler,
        );
      } catch (err) {
        finish(classifyError(err instanceof Error ? err : new Error(String(err)), false));
      }
    });
  }

  async function close(): Promise<void> {
    // Graceful first (idle keep-alive sockets), then force: a hung server must not hold the step open.
    const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref());
    const result = await Promise.race([pool.close().then(() => 'closed' as const), grace]);
    if (result === 'timeout') await pool.destroy();
  }

  return { send, close };
}
