import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { RequestRecord, RequestSpec, Sender } from './record.ts';
import { evaluateSelfCheck } from './self-check.ts';
import type { SelfCheck } from './self-check.ts';

/** Anything indexable: an array, or a lazy list that builds each request on demand (long duration-bounded stages). */
export interface RequestList {
  readonly length: number;
  at(index: number): RequestSpec | undefined;
}

export interface Progress {
  done: number;
  total: number;
  failed: number;
}

export interface RunLoadOptions {
  sender: Sender;
  requests: RequestList;
  /** Send time of each request, ms from the stage start, non-decreasing (loadgen/schedule.ts). */
  offsetsMs: ArrayLike<number>;
  /** Written into every record, e.g. "rate_5". */
  stage: string;
  /** For the self-check; default: derived from the offsets (Infinity when they are all 0). */
  targetRateRps?: number;
  /** At most this many in flight; null or absent: unbounded. */
  maxConcurrency?: number | null;
  /** Requests scheduled before this offset (ms) are flagged warmup and left out of statistics. */
  warmupUntilMs?: number;
  /** Duration bound: nothing is sent at or after this many ms from the start; unsent requests are not part of the stage. */
  stopAfterMs?: number;
  keepText?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /**
   * Spin (setImmediate, so I/O still runs) instead of sleeping when the next send is this close, ms.
   * Timers fire up to ~1 ms late; bench/loadgen.ts measured schedule lag p50 0.7 ms without the spin and
   * 0.06–0.12 ms with it at 500 req/s, for about 7% more client CPU. Default 1; 0 turns it off.
   */
  spinMs?: number;
}

export interface RunLoadResult {
  /** One per request sent, in schedule order. */
  records: RequestRecord[];
  selfCheck: SelfCheck;
  /** Stage start and the moment the last request settled (performance.now() ms). */
  startMs: number;
  endMs: number;
}

/**
 * Event-loop delay sampling period, ms. The histogram records the whole gap
 * between samples, so the period is subtracted to leave the delay.
 */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** Dispatches written back-to-back before yielding to I/O, so a burst does not starve responses already arriving. */
const MAX_BURST = 64;

function derivedTargetRate(offsets: ArrayLike<number>, n: number): number {
  if (n === 0) return Infinity;
  const last = offsets[n - 1]!;
  return last > 0 ? n / (last / 1000) : Infinity;
}

/**
 * Open-loop driver: request i is sent at start + offsetsMs[i] (absolute times,
 * so delays do not accumulate), by one timer loop that sends every request
 * that is due, rather than one setTimeout per request. With maxConcurrency it
 * is a semaphore: a due request waits for a slot, and a completion wakes the loop.
 * Failures come back as records (the sender never throws); an abort stops
 * sending and aborts what is in flight, which is recorded as aborted.
 */
export function runLoad(options: RunLoadOptions): Promise<RunLoadResult> {
  const { sender, requests, offsetsMs: offsets, stage, signal } = options;
  const n = Math.min(requests.length, offsets.length);
  const cap = options.maxConcurrency ?? Infinity;
  const warmupUntil = options.warmupUntilMs ?? 0;
  const stopAfter = options.stopAfterMs ?? Infinity;
  const spinMs = options.spinMs ?? 1;
  const keepText = options.keepText === true;
  const targetRate = options.targetRateRps ?? derivedTargetRate(offsets, n);

  const results: (RequestRecord | undefined)[] = new Array<RequestRecord | undefined>(n);
  const lags = new Float64Array(n);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  const start = performance.now();
  let next = 0;
  let inFlight = 0;
  let done = 0;
  let failed = 0;
  let stopped = false;
  let lastSent = start;
  /** When a completion last freed a slot while at the cap: a blocked request became sendable then. */
  let slotFreedMs = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;

  return new Promise<RunLoadResult>((resolve) => {
    const finishIfIdle = (): void => {
      if (inFlight > 0 || (next < n && !stopped)) return;
      signal?.removeEventListener('abort', onAbort);
      loopDelay.disable();
      const records: RequestRecord[] = [];
      for (let i = 0; i < next; i++) if (results[i] !== undefined) records.push(results[i]!);
      const ns = (x: number): number | null => (Number.isFinite(x) && loopDelay.count > 0 ? Math.max(0, x / 1e6 - LOOP_DELAY_RESOLUTION_MS) : null);
      const selfCheck = evaluateSelfCheck({
        lagsMs: lags.subarray(0, next),
        startMs: start,
        lastSentMs: lastSent,
        targetRateRps: targetRate,
        concurrencyCapped: Number.isFinite(cap),
        eventLoopDelayP99Ms: ns(loopDelay.percentile(99)),
        eventLoopDelayMaxMs: ns(loopDelay.max),
      });
      resolve({ records, selfCheck, startMs: start, endMs: performance.now() });
    };

    function onAbort(): void {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      if (immediate !== null) clearImmediate(immediate);
      finishIfIdle();
    }

    const dispatch = (i: number, spec: RequestSpec): void => {
      inFlight += 1;
      const offset = offsets[i]!;
      const scheduled = start + offset;
      const sendable = Math.max(scheduled, slotFreedMs);
      const settle = (record: RequestRecord): void => {
        results[i] = record;
        lags[i] = record.sentMs - sendable;
        if (record.sentMs > lastSent) lastSent = record.sentMs;
        const wasAtCap = inFlight >= cap;
        if (wasAtCap) slotFreedMs = performance.now();
        inFlight -= 1;
        done += 1;
        if (record.error !== null) failed += 1;
        options.onProgress?.({ done, total: n, failed });
        if (wasAtCap && !stopped) pump();
        else finishIfIdle();
      };
      sender.send(spec, scheduled, stage, { warmup: offset < warmupUntil, keepText, ...(signal ? { signal } : {}) }).then(settle, (err: unknown) => {
        // The Sender contract says send() never rejects; if one does, the request is still recorded, not lost.
        const now = performance.now();
        settle({
          id: spec.id, stage, warmup: offset < warmupUntil, scheduledMs: scheduled, sentMs: now, headersMs: null, firstTokenMs: null, chunkMs: [], endMs: null,
          promptTokens: null, completionTokens: null, finishReason: null, status: null, doneMs: now,
          error: { kind: 'bad_response', message: `sender failed: ${err instanceof Error ? err.message : String(err)}` },
        });
      });
    };

    function pump(): void {
      // One wake-up pending at a time: a completion may call pump() while a timer or immediate is armed.
      if (timer !== null) clearTimeout(timer);
      if (immediate !== null) clearImmediate(immediate);
      timer = null;
      immediate = null;
      if (stopped) return finishIfIdle();
      let burst = 0;
      while (next < n && inFlight < cap) {
        const now = performance.now();
        if (now - start >= stopAfter) {
          stopped = true;
          break;
        }
        if (offsets[next]! > now - start) break;
        const spec = requests.at(next);
        if (spec === undefined) {
          stopped = true; // a lazy list ran out early
          break;
        }
        dispatch(next, spec);
        next += 1;
        if (++burst >= MAX_BURST && next < n) {
          immediate = setImmediate(pump);
          return;
        }
      }
      if (stopped || next >= n) return finishIfIdle();
      if (inFlight >= cap) return; // a completion calls pump()
      const wait = start + offsets[next]! - performance.now();
      if (wait > spinMs) timer = setTimeout(pump, Math.max(1, wait - spinMs));
      else immediate = setImmediate(pump);
    }

    if (signal?.aborted === true) {
      stopped = true;
      finishIfIdle();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pump();
  });
}
