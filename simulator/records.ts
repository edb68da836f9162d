import type { Endpoint } from '../configs/schema/benchmark.ts';
import type { AnswerVerdict } from './answer-replies.ts';
import type { FaultKind } from './faults.ts';

/**
 * The server's view of one completions or chat request. Times are epoch milliseconds with
 * sub-millisecond precision (performance.timeOrigin + performance.now()), so a client in
 * another process can compare durations with its own.
 */
export interface ServerRequestRecord {
  /** x-request-id, or a generated id. */
  id: string;
  endpoint: Endpoint;
  /** Request headers parsed. */
  arrivalMs: number;
  /** Left the waiting queue and started prefill; null if it never did. */
  admittedMs: number | null;
  /** The first token's chunk was written (streaming) or produced (non-streaming). */
  firstTokenMs: number | null;
  /** The last byte of the response was written. */
  endMs: number | null;
  promptTokens: number;
  completionTokens: number;
  /** stop, length, abort (client went away), or null when no reply was generated. */
  finishReason: string | null;
  /** HTTP status sent; null when none was (hang, crash). */
  status: number | null;
  fault?: FaultKind;
  /** For a known benchmark question: the intended verdict (a max_tokens cut can still spoil a correct one). */
  answer?: AnswerVerdict | null;
  benchmark?: string | null;
}

/** Converts the engine's monotonic clock to comparable epoch milliseconds. */
export function epochMs(perfMs: number): number {
  return performance.timeOrigin + perfMs;
}

/** About 300 MB of records; /admin/reset-requests between steps keeps it far lower. */
export const DEFAULT_RECORD_CAP = 1_000_000;

/**
 * The records kept for /admin/requests. Bounded, so a simulator left running for hours at
 * 1,000 req/s does not grow without limit: past the cap the oldest tenth is dropped.
 */
export class RequestLog {
  private records: ServerRequestRecord[] = [];
  private droppedCount = 0;
  private readonly cap: number;

  constructor(cap = DEFAULT_RECORD_CAP) {
    this.cap = cap;
  }

  get length(): number {
    return this.records.length;
  }

  /** Records dropped to stay under the cap since the last clear. */
  get dropped(): number {
    return this.droppedCount;
  }

  push(record: ServerRequestRecord): void {
    this.records.push(record);
    if (this.records.length > this.cap) {
      const drop = Math.max(1, Math.floor(this.cap / 10));
      this.records.splice(0, drop);
      this.droppedCount += drop;
    }
  }

  list(): ServerRequestRecord[] {
    return this.records.slice();
  }

  /** Returns how many were cleared. */
  clear(): number {
    const cleared = this.records.length;
    this.records = [];
    this.droppedCount = 0;
    return cleared;
  }
}
