import type { ChatMessage, RequestError, RequestErrorKind } from '../loadgen/record.ts';
import type { ScoreExtras } from './types.ts';

/** Why an example has no verdict; such examples are left out of the accuracy denominator. */
export type AmbiguityReason =
  | 'no_answer_in_response'
  | 'no_answer_in_reference'
  | 'truncated_at_max_tokens'
  | 'no_label'
  | `request_error: ${RequestErrorKind}`;

/** The scorer's verdict on one response. */
export interface Verdict {
  extracted: string | null;
  gold: string | null;
  /** null: unscorable (see ambiguity_reason). */
  correct: boolean | null;
  ambiguity_reason: AmbiguityReason | null;
  pattern: string | null;
  extras: ScoreExtras;
}

/** One line of `<name>_results.jsonl`: the request, the response and the verdict. */
export interface ExampleResult {
  id: string;
  prompt_hash: string;
  prompt?: string;
  messages?: ChatMessage[];
  /** The dataset's reference (solution, answer or label), kept so the file can be re-scored alone. */
  reference: string | null;
  response: string | null;
  extracted: string | null;
  gold: string | null;
  correct: boolean | null;
  ambiguity_reason: AmbiguityReason | null;
  pattern: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  finish_reason: string | null;
  error: RequestError | null;
  attempts: number;
  /** Benchmark-specific extras (flexible extraction, strict match) are spread in beside these. */
  [extra: string]: unknown;
}
