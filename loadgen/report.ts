import type { Slo } from '../configs/schema/benchmark.ts';
import { describe } from '../stats/percentile.ts';
import type { Distribution } from '../stats/percentile.ts';
import type { RequestErrorKind, RequestRecord } from './record.ts';

/**
 * Serving metrics as pure functions over records, with the semantics of vLLM's
 * `calculate_metrics` (load-generation.md §2):
 * - only successful requests enter the statistics and throughputs, but every
 *   failure is counted (`failed`, `errors_by_kind`), never dropped;
 * - duration runs from the start of the run (default: the first send) until
 *   every request has settled, failures and the drain tail included;
 * - TPOT = (E2EL − TTFT)/(out − 1) for out > 1; ITL pools every chunk gap;
 * - a request is good only if it meets every SLO given (TPOT counts as 0 for
 *   out ≤ 1, as vLLM does).
 * Warmup records are left out before anything is computed.
 */

export interface ReportOptions {
  /** Percentiles for every distribution; vLLM's --metric-percentiles default is 99. */
  percentiles?: readonly number[];
  slo?: Slo;
  /** Start of the measured window (performance.now() ms); default: the earliest send among the records. */
  startMs?: number;
}

export interface RequestTimings {
  ttftMs: number;
  e2elMs: number;
  /** null when out ≤ 1 (no decode gap to average). */
  tpotMs: number | null;
  itlsMs: number[];
  ttfbMs: number | null;
  /** From the scheduled send time: includes client queueing (coordinated omission, guidellm #1048). */
  e2elFromScheduledMs: number;
}

export interface ServingMetrics {
  /** Records considered (warmup excluded). */
  total: number;
  completed: number;
  failed: number;
  errors_by_kind: Partial<Record<RequestErrorKind, number>>;
  duration_s: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  input_throughput: number;
  output_throughput: number;
  total_token_throughput: number;
  /** null when no SLO is set. */
  good_requests: number | null;
  request_goodput: number | null;
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
  ttft_ms: Distribution;
  tpot_ms: Distribution;
  itl_ms: Distribution;
  e2el_ms: Distribution;
  ttfb_ms: Distribution;
  e2el_from_scheduled_ms: Distribution;
}

export function isSuccess(r: RequestRecord): boolean {
  return r.error === null && r.firstTokenMs !== null && r.endMs !== null;
}

/** When a record settled: doneMs, or the latest time it carries for records made without one. */
export function settledMs(r: RequestRecord): number {
  return r.doneMs ?? r.endMs ?? r.headersMs ?? r.sentMs;
}

/** Per-request timings of a successful record (vLLM's definitions, load-generation.md §1). */
export function requestTimings(r: RequestRecord): RequestTimings | null {
  if (!isSuccess(r) || r.firstTokenMs === null || r.endMs === null) return null;
  const ttftMs = r.firstTokenMs - r.sentMs;
  const e2elMs = r.endMs - r.sentMs;
  const out = r.completionTokens ?? r.chunkMs.length;
  const itlsMs: number[] = [];
  for (let i = 1; i < r.chunkMs.length; i++) itlsMs.push(r.chunkMs[i]! - r.chunkMs[i - 1]!);
  return {
    ttftMs,
    e2elMs,
    tpotMs: out > 1 ? (e2elMs - ttftMs) / (out - 1) : null,
    itlsMs,
    ttfbMs: r.headersMs === null ? null : r.headersMs - r.sentMs,
    e2elFromScheduledMs: r.endMs - r.scheduledMs,
  };
}

/** Whether a request meets every SLO that is set. */
export function meetsSlo(t: RequestTimings, slo: Slo): boolean {
  if (slo.ttft_ms !== undefined && t.ttftMs > slo.ttft_ms) return false;
  if (slo.tpot_ms !== undefined && (t.tpotMs ?? 0) > slo.tpot_ms) return false;
  if (slo.e2el_ms !== undefined && t.e2elMs > slo.e2el_ms) return false;
  return true;
}

function hasSlo(slo: Slo | undefined): slo is Slo {
  return slo !== undefined && (slo.ttft_ms !== undefined || slo.tpot_ms !== undefined || slo.e2el_ms !== undefined);
}

/** Peak number of intervals open at once (sweep line); an interval ending when another starts does not overlap it. */
export function peakConcurrency(intervals: readonly (readonly [number, number])[]): number {
  const events: [number, number][] = [];
  for (const [start, end] of intervals) {
    events.push([start, 1], [end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, delta] of events) {
    open += delta;
    if (open > peak) peak = open;
  }
  return peak;
}

/** Most token-bearing chunks in one wall-clock second since startMs (vLLM counts chunk arrivals per second bucket). */
export function peakPerSecond(times: readonly number[], startMs: number): number {
  const buckets = new Map<number, number>();
  let peak = 0;
  for (const t of times) {
    const bucket = Math.floor((t - startMs) / 1000);
    const n = (buckets.get(bucket) ?? 0) + 1;
    buckets.set(bucket, n);
    if (n > peak) peak = n;
  }
  return peak;
}

export function computeMetrics(all: readonly RequestRecord[], options: ReportOptions = {}): ServingMetrics {
  const percentiles = options.percentiles ?? [99];
  const records = all.filter((r) => !r.warmup);
  const errors: Partial<Record<RequestErrorKind, number>> = {};
  const ttfts: number[] = [];
  const tpots: number[] = [];
  const itls: number[] = [];
  const e2els: number[] = [];
  const ttfbs: number[] = [];
  const fromScheduled: number[] = [];
  const chunkTimes: number[] = [];
  const intervals: [number, number][] = [];
  let completed = 0;
  let good = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let start = options.startMs ?? Infinity;
  let end = -Infinity;
  const slo = hasSlo(options.slo) ? options.slo : null;

  for (const r of records) {
    if (options.startMs === undefined && r.sentMs < start) start = r.sentMs;
    const settled = settledMs(r);
    if (settled > end) end = settled;
    const t = requestTimings(r);
    if (t === null) {
      const kind = r.error?.kind ?? 'bad_response';
      errors[kind] = (errors[kind] ?? 0) + 1;
      continue;
    }
    completed += 1;
    inputTokens += r.promptTokens ?? 0;
    outputTokens += r.completionTokens ?? r.chunkMs.length;
    ttfts.push(t.ttftMs);
    if (t.tpotMs !== null) tpots.push(t.tpotMs);
    for (const gap of t.itlsMs) itls.push(gap);
    e2els.push(t.e2elMs);
    if (t.ttfbMs !== null) ttfbs.push(t.ttfbMs);
    fromScheduled.push(t.e2elFromScheduledMs);
    for (const c of r.chunkMs) chunkTimes.push(c);
    intervals.push([r.sentMs, r.endMs!]);
    if (slo !== null && meetsSlo(t, slo)) good += 1;
  }

  const durationS = records.length === 0 || end <= start ? 0 : (end - start) / 1000;
  const per = (x: number): number => (durationS > 0 ? x / durationS : 0);
  return {
    total: records.length,
    completed,
    failed: records.length - completed,
    errors_by_kind: errors,
    duration_s: durationS,
    total_input_tokens: inputTokens,
    total_output_tokens: outputTokens,
    request_throughput: per(completed),
    input_throughput: per(inputTokens),
    output_throughput: per(outputTokens),
    total_token_throughput: per(inputTokens + outputTokens),
    good_requests: slo === null ? null : good,
    request_goodput: slo === null ? null : per(good),
    max_output_tokens_per_s: Number.isFinite(start) ? peakPerSecond(chunkTimes, start) : 0,
    max_concurrent_requests: peakConcurrency(intervals),
    ttft_ms: describe(ttfts, percentiles),
    tpot_ms: describe(tpots, percentiles),
    itl_ms: describe(itls, percentiles),
    e2el_ms: describe(e2els, percentiles),
    ttfb_ms: describe(ttfbs, percentiles),
    e2el_from_scheduled_ms: describe(fromScheduled, percentiles),
  };
}
