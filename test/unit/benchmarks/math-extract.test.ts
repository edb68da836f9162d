import { describe, expect, it } from 'vitest';
import { lastBoxed, lastDollar, minervaAnswer } from '../../../benchmarks/scoring/math-extract.ts';

describe('last boxed answer', () => {
  it.each([
    ['simple', 'so we get $\\boxed{7}$.', '7'],
    ['nested braces', '\\boxed{\\frac{\\sqrt{3}}{2}}', '\\frac{\\sqrt{3}}{2}'],
    ['deeply nested', '\\boxed{\\left(\\frac{1}{2}, {x^{2}}\\right)}', '\\left(\\frac{1}{2}, {x^{2}}\\right)'],
    ['last box wins', 'first \\boxed{3} then \\boxed{4}', '4'],
    ['fbox', 'answer: \\fbox{12}', '12'],
    ['fbox after boxed: whichever is later', '\\boxed{1} and later \\fbox{2}', '2'],
    ['boxed space form', 'thus $\\boxed 5$', '5'],
    ['boxed space form to end of line', 'thus \\boxed 9\nnext line', '9'],
    ['space before brace', '\\boxed {8}', '8'],
    ['escaped braces inside', '\\boxed{\\{1, 2\\}}', '\\{1, 2\\}'],
    ['text inside', '\\boxed{\\text{Monday}}', '\\text{Monday}'],
    ['whitespace trimmed', '\\boxed{  6 }', '6'],
    ['not \\boxeda', '\\boxed{2} \\boxedalpha{3}', '2'],
  ])('%s', (_label, text, expected) => {
    expect(lastBoxed(text)).toEqual({ kind: 'found', content: expected });
  });

  it.each([
    ['unbalanced last box (truncated)', 'so \\boxed{\\frac{1}{2', 'unbalanced'],
    ['unbalanced last box hides an earlier one', '\\boxed{3} then \\boxed{4', 'unbalanced'],
    ['no box', 'The answer is 4.', 'none'],
    ['empty space form', 'end \\boxed $', 'none'],
  ])('%s', (_label, text, kind) => {
    expect(lastBoxed(text).kind).toBe(kind);
  });
});

describe('flexible MATH extraction', () => {
  it.each([
    ['minerva sentence', 'Final Answer: The final answer is $\\frac{1}{3}$. I hope it is correct.', '$\\frac{1}{3}$'],
    ['minerva without the closing phrase', 'The final answer is 12', '12'],
    ['no sentence', 'It is 12.', null],
  ])('%s', (_label, text, expected) => {
    expect(minervaAnswer(text)).toBe(expected);
  });

  it.each([
    ['last inline math', 'we have $x=2$ and finally $y = 5$.', 'y = 5'],
    ['display math', 'result $$3$$', '3'],
    ['none', 'no math here', null],
  ])('last $…$: %s', (_label, text, expected) => {
    expect(lastDollar(text)).toBe(expected);
  });
});
