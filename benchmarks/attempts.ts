import { performance } from 'node:perf_hooks';
import type { RequestRecord, RequestSpec, Sender } from '../loadgen/record.ts';
import type { BackoffOptions } from './retry.ts';
import { backoffMs, isRetryableRequestError, sleep } from './retry.ts';

export interface AttemptOptions {
  sender: Sender;
  /** Stage name in the records, and the request-id prefix. */
  stage: string;
  exampleId: string;
  request: Omit<RequestSpec, 'id'>;
  /** Retries after the first attempt. */
  retries: number;
  backoff: BackoffOptions;
  /** Stop starting attempts (the run is stopping). */
  stop: AbortSignal;
  /** Cancel the request in flight (the run's grace period ran out). */
  cancel: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/** The last attempt's record and how many were sent; null when the run stopped before an outcome worth recording. */
export interface AttemptOutcome {
  record: RequestRecord;
  attempts: number;
}

/** `<benchmark>[@seed_<n>]/<example id>/a<attempt>`: the simulator records it, so tests count sends per example. */
export function requestId(stage: string, exampleId: string, attempt: number): string {
  return `${stage}/${exampleId}/a${attempt}`;
}

/** A Sender reports failures in the record; one that throws is a bug, recorded rather than losing the run. */
async function sendOnce(opts: AttemptOptions, attempt: number): Promise<RequestRecord> {
  const id = requestId(opts.stage, opts.exampleId, attempt);
  const sentMs = performance.now();
  try {
    return await opts.sender.send({ ...opts.request, id }, sentMs, opts.stage, { keepText: true, signal: opts.cancel });
  } catch (err) {
    return {
      id, stage: opts.stage, warmup: false, scheduledMs: sentMs, sentMs, headersMs: null, firstTokenMs: null, chunkMs: [], endMs: null,
      promptTokens: null, completionTokens: null, finishReason: null, status: null,
      error: { kind: 'bad_response', message: `sender threw: ${err instanceof Error ? err.message : String(err)}` },
    };
  }
}

/** Send with exponential backoff on retryable failures, up to `retries` more times. */
export async function sendWithRetries(opts: AttemptOptions): Promise<AttemptOutcome | null> {
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    if (opts.stop.aborted && attempt > 1) return null;
    const record = await sendOnce(opts, attempt);
    // Cancelled by us: nothing to record, so a resumed run sends it again.
    if (record.error?.kind === 'aborted') return null;
    if (record.error === null || attempt > opts.retries || !isRetryableRequestError(record.error)) return { record, attempts: attempt };
    if (!(await wait(backoffMs(attempt, opts.backoff), opts.stop))) return null;
  }
}
