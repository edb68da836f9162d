import type { Endpoint as EndpointKind } from '../configs/schema/benchmark.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What to send: one OpenAI completions or chat request. */
export interface RequestSpec {
  /** Sent as x-request-id; the simulator records it, so tests can count repeats. */
  id: string;
  endpoint: EndpointKind;
  /** completions */
  prompt?: string;
  /** chat */
  messages?: ChatMessage[];
  maxTokens: number;
  ignoreEos?: boolean;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Prompt tokens the client intended (random prompts); the server's usage is authoritative. */
  expectedPromptTokens?: number;
}

export type RequestErrorKind =
  | 'http_status' // non-2xx status
  | 'connect' // refused, reset before headers, DNS
  | 'timeout' // headers or body idle timeout
  | 'stream_error' // an SSE error event in mid-stream
  | 'bad_response' // unparseable JSON or SSE
  | 'closed' // connection closed before [DONE]
  | 'aborted'; // cancelled by us

export interface RequestError {
  kind: RequestErrorKind;
  message: string;
  status?: number;
}

/**
 * One request's life, shared by every step. Times are milliseconds on the
 * process's monotonic clock (performance.now()), so differences are exact.
 */
export interface RequestRecord {
  id: string;
  /** e.g. "throughput", "rate_5", "gsm8k" */
  stage: string;
  /** Warmup requests are sent but left out of statistics. */
  warmup: boolean;
  /** When the schedule wanted it sent. */
  scheduledMs: number;
  /** Just before the request was written (vLLM's `st`). */
  sentMs: number;
  /** Response headers arrived (TTFB). */
  headersMs: number | null;
  /** First SSE message with a non-empty choices array (TTFT). */
  firstTokenMs: number | null;
  /** Arrival of every token-bearing message, first included (ITL = successive gaps). */
  chunkMs: number[];
  /** Last token-bearing message (E2EL end). */
  endMs: number | null;
  /**
   * When the request settled, success or failure (the response ended, or the error or abort happened).
   * Failures have no endMs, yet a run's duration runs until they are over too.
   * Optional so records built elsewhere (fakes, older files) stay valid.
   */
  doneMs?: number;
  promptTokens: number | null;
  completionTokens: number | null;
  finishReason: string | null;
  status: number | null;
  error: RequestError | null;
  /** Generated text, kept only when the caller asks for it (quality steps). */
  text?: string;
}

export interface Sender {
  send(spec: RequestSpec, scheduledMs: number, stage: string, opts?: { warmup?: boolean; keepText?: boolean; signal?: AbortSignal }): Promise<RequestRecord>;
  close(): Promise<void>;
}
