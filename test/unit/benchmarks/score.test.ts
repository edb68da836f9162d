import { describe, expect, it } from 'vitest';
import { gsm8k } from '../../../benchmarks/gsm8k.ts';
import { math } from '../../../benchmarks/math.ts';
import type { ScoreInput } from '../../../benchmarks/score.ts';
import { scoreResponse } from '../../../benchmarks/score.ts';

const ok: ScoreInput = { response: '#### 4', reference: '#### 4', finishReason: 'stop', error: null, accuracyOff: false };

describe('ambiguity reasons, in blame order', () => {
  it.each([
    ['request error beats everything', { response: null, reference: null, error: { kind: 'connect' as const }, accuracyOff: true }, 'request_error: connect'],
    ['no labels beats a missing reference', { reference: null, accuracyOff: true }, 'no_label'],
    ['a missing reference beats a missing answer', { reference: 'no marker', response: 'nothing' }, 'no_answer_in_reference'],
    ['truncated without an answer', { response: 'step 1, step 2', finishReason: 'length' }, 'truncated_at_max_tokens'],
    ['truncated but answered is scored', { response: '#### 4 and more', finishReason: 'length' }, null],
    ['stopped without an answer', { response: 'about four' }, 'no_answer_in_response'],
    ['null response is no answer', { response: null }, 'no_answer_in_response'],
    ['scorable', {}, null],
  ])('%s', (_label, patch, reason) => {
    const v = scoreResponse(gsm8k, { ...ok, ...patch });
    expect(v.ambiguity_reason).toBe(reason);
    expect(v.correct === null).toBe(reason !== null);
  });
});

describe('math scoring end to end', () => {
  const reference = 'Adding gives $\\boxed{\\dfrac{3}{4}}$.';
  it.each([
    ['boxed equal', 'so the answer is $\\boxed{0.75}$', true, 'boxed', null],
    ['boxed wrong', '$\\boxed{\\frac{2}{3}}$', false, 'boxed', null],
    ['no box: unscorable, flexible recorded', 'Final Answer: The final answer is $\\frac34$. I hope it is correct.', null, null, 'no_answer_in_response'],
    ['unbalanced box at max tokens', 'so \\boxed{\\frac{3}{4', null, null, 'truncated_at_max_tokens'],
  ])('%s', (_label, response, correct, pattern, reason) => {
    const finishReason = reason === 'truncated_at_max_tokens' ? 'length' : 'stop';
    const v = scoreResponse(math, { response, reference, finishReason, error: null, accuracyOff: false });
    expect(v).toMatchObject({ correct, pattern, ambiguity_reason: reason, gold: '\\dfrac{3}{4}' });
    expect(v.extras.gold_normalized).toBe('\\frac{3}{4}');
  });

  it('records the Minerva sentence as the flexible answer', () => {
    const v = scoreResponse(math, { response: 'Final Answer: The final answer is $\\frac34$. I hope it is correct.', reference, finishReason: 'stop', error: null, accuracyOff: false });
    expect(v.extras).toMatchObject({ flexible_pattern: 'minerva', flexible_correct: true });
  });
});
