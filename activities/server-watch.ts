import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { EvalflowError } from '../common/errors.ts';

export interface ServerWatch {
  /** Aborts when the activity is cancelled or the server is lost. */
  signal: AbortSignal;
  /** The loss, once the server stopped answering /health. */
  lost(): EvalflowError | null;
  /** One more check after the step: null when the server still answers. */
  confirmAlive(): Promise<EvalflowError | null>;
  stop(): void;
}

/**
 * Polls /health while a step runs. A server that stops answering (a killed process, an evicted or
 * OOM-killed pod, a lost node) aborts the step at once with server_crashed, instead of letting every
 * remaining request fail and be recorded as a result.
 */
export function watchServerHealth(baseUrl: string, parent: AbortSignal, opts: { intervalMs?: number; failures?: number; apiKey?: string } = {}): ServerWatch {
  const controller = new AbortController();
  const intervalMs = opts.intervalMs ?? 250;
  const allowed = opts.failures ?? 3;
  let loss: EvalflowError | null = null;
  let stopped = false;
  const onParent = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onParent, { once: true });

  void (async () => {
    let consecutive = 0;
    let lastError: string;
    while (!stopped && !controller.signal.aborted) {
      try {
        const res = await request(`${baseUrl}/health`, { headersTimeout: 2000, bodyTimeout: 2000, signal: controller.signal, ...(opts.apiKey ? { headers: { authorization: `Bearer ${opts.apiKey}` } } : {}) });
        await res.body.dump();
        consecutive = res.statusCode === 200 ? 0 : consecutive + 1;
        lastError = `HTTP ${res.statusCode}`;
      } catch (err) {
        if (stopped || controller.signal.aborted) return;
        consecutive += 1;
        lastError = (err as Error).message;
      }
      if (consecutive >= allowed) {
        loss = new EvalflowError('server_crashed', `${baseUrl}/health failed ${consecutive} times in a row (${lastError}): the server is gone`, { url: baseUrl, lastError });
        controller.abort(loss);
        return;
      }
      await sleep(intervalMs).catch(() => undefined);
    }
  })();

  return {
    signal: controller.signal,
    lost: () => loss,
    confirmAlive: async () => {
      // The step may finish (fast failures) before the poller notices; ask once more before it is marked complete.
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await request(`${baseUrl}/health`, { headersTimeout: 2000, bodyTimeout: 2000, ...(opts.apiKey ? { headers: { authorization: `Bearer ${opts.apiKey}` } } : {}) });
          await res.body.dump();
          if (res.statusCode === 200) return null;
          if (attempt >= allowed) return new EvalflowError('server_crashed', `${baseUrl}/health answered HTTP ${res.statusCode} after the step`, { url: baseUrl });
        } catch (err) {
          if (attempt >= allowed) return new EvalflowError('server_crashed', `${baseUrl}/health failed after the step (${(err as Error).message})`, { url: baseUrl });
        }
        await sleep(intervalMs);
      }
    },
    stop: () => {
      stopped = true;
      parent.removeEventListener('abort', onParent);
    },
  };
}
