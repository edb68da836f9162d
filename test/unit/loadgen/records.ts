import type { RequestRecord } from '../../../loadgen/record.ts';

/** A successful record by default; override what a test is about. */
export function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'r',
    stage: 's',
    warmup: false,
    scheduledMs: overrides.sentMs ?? 0,
    sentMs: 0,
    headersMs: null,
    firstTokenMs: null,
    chunkMs: [],
    endMs: null,
    promptTokens: null,
    completionTokens: null,
    finishReason: null,
    status: 200,
    error: null,
    ...overrides,
  };
}
