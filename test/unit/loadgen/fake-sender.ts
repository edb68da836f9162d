import { performance } from 'node:perf_hooks';
import type { RequestError, RequestRecord, RequestSpec, Sender } from '../../../loadgen/record.ts';

export interface FakeSenderOptions {
  /** How long each request takes, ms. */
  latencyMs?: number | ((spec: RequestSpec) => number);
  /** Fail these requests (by id) with this error. */
  fail?: (spec: RequestSpec) => RequestError | null;
  tokens?: number;
}

/** A Sender without a network: fixed latency, optional failures, and a log of what was sent and when. */
export function fakeSender(options: FakeSenderOptions = {}): Sender & { sent: { id: string; atMs: number }[]; maxInFlight: number } {
  let inFlight = 0;
  const state = { sent: [] as { id: string; atMs: number }[], maxInFlight: 0 };
  const send = (spec: RequestSpec, scheduledMs: number, stage: string, opts: { warmup?: boolean; signal?: AbortSignal } = {}): Promise<RequestRecord> => {
    const sentMs = performance.now();
    state.sent.push({ id: spec.id, atMs: sentMs });
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs(spec) : (options.latencyMs ?? 1);
    return new Promise((resolve) => {
      const finish = (error: RequestError | null) => {
        inFlight -= 1;
        const now = performance.now();
        const tokens = options.tokens ?? 2;
        const ok = error === null;
        resolve({
          id: spec.id, stage, warmup: opts.warmup === true, scheduledMs, sentMs, headersMs: ok ? sentMs : null,
          firstTokenMs: ok ? sentMs + latency / 2 : null, chunkMs: ok ? Array.from({ length: tokens }, (_, i) => sentMs + latency / 2 + (i * latency) / 2 / Math.max(1, tokens - 1)) : [],
          endMs: ok ? now : null, doneMs: now, promptTokens: spec.expectedPromptTokens ?? 1, completionTokens: ok ? tokens : null,
          finishReason: ok ? 'length' : null, status: ok ? 200 : null, error,
        });
      };
      const timer = setTimeout(() => finish(options.fail?.(spec) ?? null), latency);
      opts.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        finish({ kind: 'aborted', message: 'aborted' });
      }, { once: true });
    });
  };
  return Object.assign(state, { send, close: () => Promise.resolve() });
}
