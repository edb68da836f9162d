import { describe, expect, it } from 'vitest';
import type { ScoredLine } from '../../../benchmarks/metrics.ts';
import { computeMetrics, unscorableByReason } from '../../../benchmarks/metrics.ts';

const ctx = { benchmark: 'gsm8k' as const, dataset: 'openai/gsm8k:main/test', subset_size: 10, seed: 1, note: null };

function line(correct: boolean | null, extra: Partial<ScoredLine> = {}): ScoredLine {
  return { correct, ambiguity_reason: correct === null ? 'no_answer_in_response' : null, latency_ms: 100, prompt_tokens: 50, completion_tokens: 20, error: null, ...extra };
}

describe('computeMetrics', () => {
  it('accuracy over scorable examples only, with Wilson CI', () => {
    const lines = [line(true), line(true), line(false), line(null), line(null, { ambiguity_reason: 'request_error: connect', error: { kind: 'connect' }, latency_ms: null, completion_tokens: null })];
    const m = computeMetrics(lines, ctx);
    expect(m).toMatchObject({ accuracy_pct: 66.67, correct: 2, scorable_examples: 3, unscorable_examples: 2, total_examples: 5, ci95_low_pct: 20.77, ci95_high_pct: 93.85 });
    expect(m.prompt_tokens_total).toBe(250);
    expect(m.completion_tokens_total).toBe(80);
    expect(m.mean_completion_tokens).toBe(20);
  });

  it('latency percentiles follow numpy (linear) over answered requests only', () => {
    const lines = [10, 20, 30, 40, 1000].map((ms) => line(true, { latency_ms: ms }));
    lines.push(line(null, { latency_ms: 99_999, error: { kind: 'timeout' } }));
    const m = computeMetrics(lines, ctx);
    expect(m.latency_mean_ms).toBe(220);
    expect(m.latency_p50_ms).toBe(30);
    expect(m.latency_p95_ms).toBe(808); // 40 + 0.8·(1000 − 40)
  });

  it.each([
    ['nothing scorable', [line(null), line(null)], { accuracy_pct: null, correct: 0, ci95_low_pct: null, ci95_high_pct: null }],
    ['no lines', [], { accuracy_pct: null, total_examples: 0, latency_p50_ms: null, mean_completion_tokens: null }],
    ['all right', [line(true), line(true)], { accuracy_pct: 100, ci95_high_pct: 100 }],
  ])('%s', (_label, lines, expected) => {
    expect(computeMetrics(lines, ctx)).toMatchObject(expected);
  });

  it('a note turns accuracy off', () => {
    const m = computeMetrics([line(null, { ambiguity_reason: 'no_label' })], { ...ctx, benchmark: 'routerbench', note: 'no labels' });
    expect(m).toMatchObject({ accuracy_pct: null, correct: null, ci95_low_pct: null, note: 'no labels' });
  });

  it('secondary boolean readings become *_pct over the lines that have them', () => {
    const lines = [line(true, { strict_match: true, flexible_correct: true }), line(false, { strict_match: false, flexible_correct: true }), line(null, { strict_match: null, flexible_correct: false })];
    const m = computeMetrics(lines, ctx);
    expect(m.strict_match_pct).toBe(50);
    expect(m.flexible_correct_pct).toBe(66.67);
  });

  it('counts unscorable reasons', () => {
    expect(unscorableByReason([line(null), line(null), line(true), line(null, { ambiguity_reason: 'truncated_at_max_tokens' })])).toEqual({ no_answer_in_response: 2, truncated_at_max_tokens: 1 });
  });
});
