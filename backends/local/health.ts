import { setTimeout as sleep } from 'node:timers/promises';
import type { EvalflowError } from '../../common/errors.ts';
import type { BackendContext } from '../types.ts';

export interface HealthWait {
  /** Server base URL; /health is appended. */
  baseUrl: string;
  timeoutS: number;
  pollS: number;
  ctx: BackendContext;
  /** Throws a classified error once the server process or container is gone, so a crash is not mistaken for a slow start. */
  checkAlive(): Promise<void>;
  /** The error for a server that is alive but never answered in time (server_unhealthy, with its log tail). */
  timeoutError(lastError: string): Promise<EvalflowError>;
  /** Heartbeat fields naming the server. */
  describe: Record<string, unknown>;
}

async function probe(url: string, signal: AbortSignal): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) });
    await res.arrayBuffer();
    return res.status === 200 ? null : `HTTP ${res.status}`;
  } catch (err) {
    if (signal.aborted) throw err;
    return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  }
}

/**
 * Polls /health until 200, checking between probes that the server still exists. vLLM answers
 * /health only after the model has loaded, so this is the docker and local equivalent of pod readiness.
 */
export async function waitUntilHealthy(wait: HealthWait): Promise<void> {
  const { ctx } = wait;
  const started = Date.now();
  const maxDelayMs = wait.pollS * 1000;
  let delayMs = Math.min(100, maxDelayMs);
  for (;;) {
    ctx.signal.throwIfAborted();
    await wait.checkAlive();
    const lastError = await probe(`${wait.baseUrl}/health`, ctx.signal);
    if (lastError === null) return;
    const elapsedS = (Date.now() - started) / 1000;
    if (elapsedS >= wait.timeoutS) {
      // One last look: a server that died during the final probe is a crash, not a slow start.
      await wait.checkAlive();
      throw await wait.timeoutError(lastError);
    }
    ctx.heartbeat({ ...wait.describe, status: 'waiting for /health', last_error: lastError, waited_s: Math.round(elapsedS) });
    await sleep(delayMs, undefined, { signal: ctx.signal });
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}
