import { assertExhaustive } from '../common/errors.ts';
import type { RequestError } from '../loadgen/record.ts';

/** Whether a failed request is worth sending again: transient transport or server trouble only. */
export function isRetryableRequestError(error: RequestError): boolean {
  switch (error.kind) {
    case 'connect':
    case 'timeout':
    case 'stream_error':
    case 'closed':
      return true;
    case 'http_status':
      // 5xx is the server's trouble; 429 asks us to slow down. Other 4xx would fail the same way again.
      return error.status === undefined || error.status >= 500 || error.status === 429;
    case 'bad_response':
    case 'aborted':
      return false;
    default:
      return assertExhaustive(error.kind);
  }
}

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Cap on any one delay. */
  maxMs: number;
}

/** lm-eval's client retries between 1 and 10 s; starting at 0.5 s keeps short outages cheap. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000 };

/**
 * Exponential backoff with "equal jitter": retry k waits between half and all of
 * min(max, base·2^(k−1)), so many workers hit by one outage do not retry in lockstep.
 */
export function backoffMs(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (retry - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Resolves true after ms, or false as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
