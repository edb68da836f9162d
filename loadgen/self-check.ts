import { percentileSorted, sortedCopy } from '../stats/percentile.ts';

/**
 * Is the client itself keeping up? A load generator that falls behind its
 * schedule under-reports latency (coordinated omission) and over-reports
 * capacity, so every stage checks itself and says so in its results.
 *
 * Thresholds (not ok when crossed):
 * - schedule lag p99 > 10 ms: lag = actual send − when the request became
 *   sendable (its scheduled time, or the moment a concurrency slot freed).
 *   inference-perf's guidance is a median under 10 ms; we hold the p99 to it.
 *   Not checked for an unbounded burst (rate inf without a cap), where every
 *   request is due at t = 0 and the lag is just the time to write them all.
 * - achieved rate < 99% of the target (finite rate, no concurrency cap: with a
 *   cap the server, not the client, may hold the rate back).
 * - event-loop delay p99 > 20 ms: callbacks (and so timestamps) ran late.
 */
export const SELF_CHECK_LIMITS = {
  scheduleLagP99Ms: 10,
  achievedRateMinFraction: 0.99,
  eventLoopDelayP99Ms: 20,
} as const;

export interface SelfCheck {
  ok: boolean;
  reasons: string[];
  dispatched: number;
  schedule_lag_p50_ms: number | null;
  schedule_lag_p99_ms: number | null;
  schedule_lag_max_ms: number | null;
  event_loop_delay_p99_ms: number | null;
  event_loop_delay_max_ms: number | null;
  /** Sends per second from the stage start to the last send. */
  achieved_rate_rps: number | null;
  /** null for rate inf. */
  target_rate_rps: number | null;
}

export interface SelfCheckInput {
  /** Actual send − sendable time, ms, one per dispatched request. */
  lagsMs: ArrayLike<number>;
  /** Stage start and the last actual send, ms. */
  startMs: number;
  lastSentMs: number;
  targetRateRps: number;
  concurrencyCapped: boolean;
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
}

function round3(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

/** Pure: the verdict from measured lags, rates and event-loop delay. */
export function evaluateSelfCheck(input: SelfCheckInput): SelfCheck {
  const lags = sortedCopy(input.lagsMs);
  const dispatched = lags.length;
  const lagP99 = percentileSorted(lags, 99);
  const finiteTarget = Number.isFinite(input.targetRateRps);
  const spanS = (input.lastSentMs - input.startMs) / 1000;
  const achieved = dispatched > 0 && spanS > 0 ? dispatched / spanS : null;
  const reasons: string[] = [];
  if (lagP99 !== null && (finiteTarget || input.concurrencyCapped) && lagP99 > SELF_CHECK_LIMITS.scheduleLagP99Ms) {
    reasons.push(`schedule lag p99 ${lagP99.toFixed(2)} ms > ${SELF_CHECK_LIMITS.scheduleLagP99Ms} ms: the client could not send on time`);
  }
  if (finiteTarget && !input.concurrencyCapped && achieved !== null && dispatched > 1 && achieved < input.targetRateRps * SELF_CHECK_LIMITS.achievedRateMinFraction) {
    reasons.push(`achieved rate ${achieved.toFixed(2)} req/s < ${SELF_CHECK_LIMITS.achievedRateMinFraction * 100}% of target ${input.targetRateRps.toFixed(2)} req/s`);
  }
  if (input.eventLoopDelayP99Ms !== null && input.eventLoopDelayP99Ms > SELF_CHECK_LIMITS.eventLoopDelayP99Ms) {
    reasons.push(`event-loop delay p99 ${input.eventLoopDelayP99Ms.toFixed(2)} ms > ${SELF_CHECK_LIMITS.eventLoopDelayP99Ms} ms: timestamps may be late`);
  }
  return {
    ok: reasons.length === 0,
    reasons,
    dispatched,
    schedule_lag_p50_ms: round3(percentileSorted(lags, 50)),
    schedule_lag_p99_ms: round3(lagP99),
    schedule_lag_max_ms: round3(dispatched > 0 ? lags[dispatched - 1]! : null),
    event_loop_delay_p99_ms: round3(input.eventLoopDelayP99Ms),
    event_loop_delay_max_ms: round3(input.eventLoopDelayMaxMs),
    achieved_rate_rps: round3(achieved),
    target_rate_rps: finiteTarget ? round3(input.targetRateRps) : null,
  };
}
