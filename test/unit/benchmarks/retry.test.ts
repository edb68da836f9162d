import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryableRequestError, sleep } from '../../../benchmarks/retry.ts';
import type { RequestError } from '../../../loadgen/record.ts';

describe('request retry policy', () => {
  it.each([
    [{ kind: 'connect', message: '' }, true],
    [{ kind: 'timeout', message: '' }, true],
    [{ kind: 'stream_error', message: '' }, true],
    [{ kind: 'closed', message: '' }, true],
    [{ kind: 'http_status', status: 500, message: '' }, true],
    [{ kind: 'http_status', status: 503, message: '' }, true],
    [{ kind: 'http_status', status: 429, message: '' }, true],
    [{ kind: 'http_status', status: 400, message: '' }, false],
    [{ kind: 'http_status', status: 404, message: '' }, false],
    [{ kind: 'bad_response', message: '' }, false],
    [{ kind: 'aborted', message: '' }, false],
  ] satisfies [RequestError, boolean][])('%j → %s', (error, retryable) => {
    expect(isRetryableRequestError(error)).toBe(retryable);
  });

  it.each([
    [1, 0, 250],
    [1, 1, 500],
    [2, 0, 500],
    [3, 1, 2000],
    [10, 1, 4000], // capped
    [10, 0, 2000],
  ])('retry %d with random %d waits %d ms (base 500, cap 4000)', (retry, r, ms) => {
    expect(backoffMs(retry, { baseMs: 500, maxMs: 4000 }, () => r)).toBe(ms);
  });

  it('sleep resolves false as soon as the signal aborts', async () => {
    const c = new AbortController();
    const p = sleep(60_000, c.signal);
    c.abort();
    expect(await p).toBe(false);
    expect(await sleep(1)).toBe(true);
  });
});
