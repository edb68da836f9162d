import type { RequestError } from '../loadgen/record.ts';
import type { Verdict } from './record.ts';
import type { Benchmark } from './types.ts';

export interface ScoreInput {
  response: string | null;
  reference: string | null;
  finishReason: string | null;
  error: Pick<RequestError, 'kind'> | null;
  /** Scoring is off for this run (routerbench without labels). */
  accuracyOff: boolean;
}

/**
 * The verdict on one example, shared by the runner and re-scoring. Reasons are checked in
 * blame order: the request, the run's labels, the dataset, then the model.
 */
export function scoreResponse(benchmark: Benchmark, input: ScoreInput): Verdict {
  const response = input.response ?? '';
  const gold = benchmark.gold(input.reference);
  const base = { gold: gold.value, extras: {} };
  if (input.error !== null) {
    return { ...base, extracted: null, correct: null, pattern: null, ambiguity_reason: `request_error: ${input.error.kind}` };
  }
  const extraction = benchmark.extract(response);
  const extras = { ...extraction.extras, ...benchmark.annotate?.(response, gold) };
  const common = { gold: gold.value, extracted: extraction.value, pattern: extraction.pattern, extras };
  if (input.accuracyOff) return { ...common, correct: null, ambiguity_reason: 'no_label' };
  if (gold.value === null) return { ...common, correct: null, ambiguity_reason: 'no_answer_in_reference' };
  if (extraction.value === null) {
    // A reply cut at max_tokens never reached its answer: a budget problem, not a wrong answer.
    const reason = input.finishReason === 'length' ? 'truncated_at_max_tokens' : 'no_answer_in_response';
    return { ...common, correct: null, ambiguity_reason: reason };
  }
  return { ...common, correct: benchmark.check(extraction.value, gold.value), ambiguity_reason: null };
}
