import { describe, expect, it } from 'vitest';
import { extractGsm8k, goldGsm8k, gsm8kEqual, normalizeGsm8kNumber } from '../../../benchmarks/scoring/gsm8k.ts';
import { gsm8k } from '../../../benchmarks/gsm8k.ts';
import { scoreResponse } from '../../../benchmarks/score.ts';

// Synthetic items only: no real GSM8K text.
describe('gsm8k extraction (#### rule)', () => {
  it.each([
    ['plain', 'Tom has 3 pears.\n#### 42', '42'],
    ['commas', 'so the total is\n#### 1,234,567', '1234567'],
    ['negative', '#### -17', '-17'],
    ['unicode minus', '#### −8', '-8'],
    ['decimal', '#### 3.75', '3.75'],
    ['dollar sign', '#### $250', '250'],
    ['dollar and commas', '#### $12,000.50', '12000.50'],
    ['negative dollars', '#### -$5', '-5'],
    ['trailing period', '#### 96.', '96'],
    ['no space', '####7', '7'],
    ['extra spaces', '####     19   ', '19'],
    ['text after the number', '#### 64 marbles in all', '64'],
    ['last #### wins', 'first try #### 10\nwait, recheck\n#### 12', '12'],
    ['last #### with a number wins over a bare ####', '#### 5\nthen ####', '5'],
    ['leading decimal point', '#### .5', '.5'],
  ])('%s', (_label, response, expected) => {
    expect(extractGsm8k(response).strict).toBe(expected);
  });

  it.each([
    ['no ####', 'The answer is 42.'],
    ['#### without a number', '#### forty-two'],
    ['empty', ''],
  ])('no strict answer: %s', (_label, response) => {
    expect(extractGsm8k(response).strict).toBeNull();
  });
});

describe('gsm8k flexible fallbacks (recorded, not the verdict)', () => {
  it.each([
    ['#### first', 'The answer is 9.\n#### 10', '10', '####'],
    ['answer is', 'So the answer is 18.', '18', 'answer_is'],
    ['final answer is', 'The final answer is $1,500.', '1500', 'answer_is'],
    ['answer is, case-insensitive', 'THE ANSWER IS -4', '-4', 'answer_is'],
    ['last number', 'First 3 apples, then 5 more: 8', '8', 'last_number'],
    ['nothing', 'I do not know.', null, null],
  ])('%s', (_label, response, value, pattern) => {
    const e = extractGsm8k(response);
    expect(e.flexible).toBe(value);
    expect(e.flexiblePattern).toBe(pattern);
  });
});

describe('gsm8k gold', () => {
  it.each([
    ['worked solution', 'She buys 4 boxes of 6 = <<4*6=24>>24 eggs.\n#### 24', '24'],
    ['gold with commas', 'Total <<1000+234=1234>>1234 ... \n#### 1,234', '1234'],
    ['negative gold', 'Down <<3-5=-2>>-2 degrees.\n#### -2', '-2'],
    ['last #### of the solution', 'draft #### 1\n#### 2', '2'],
    ['annotation after ####', 'steps\n#### 30 <<not real>>', '30'],
    ['bare number (answer column)', '  7,000 ', '7000'],
    ['bare decimal', '2.5', '2.5'],
  ])('%s', (_label, reference, expected) => {
    expect(goldGsm8k(reference)).toBe(expected);
  });

  it.each([
    ['null', null],
    ['solution without ####', 'She has 5 apples left.'],
    ['#### without a number', 'steps #### none'],
  ])('no gold: %s', (_label, reference) => {
    expect(goldGsm8k(reference)).toBeNull();
  });
});

describe('gsm8k numeric comparison (relative tolerance 1e-4)', () => {
  it.each([
    ['equal integers', '42', '42', true],
    ['decimal zeros', '3.50', '3.5', true],
    ['integer vs .0', '18.0', '18', true],
    ['inside tolerance', '10000.9', '10000', true],
    ['at the tolerance edge', '10001', '10000', true],
    ['just outside tolerance', '10001.1', '10000', false],
    ['small numbers outside', '1.001', '1', false],
    ['zero is exact', '0', '0', true],
    ['zero vs tiny', '0.00001', '0', false],
    ['negative vs positive', '-5', '5', false],
    ['negatives equal', '-5.0', '-5', true],
    ['different', '41', '42', false],
    ['non-numeric falls back to strings', 'abc', 'abc', true],
  ])('%s', (_label, a, b, expected) => {
    expect(gsm8kEqual(a, b)).toBe(expected);
  });

  it('normalises like the prediction', () => {
    expect(normalizeGsm8kNumber(' $1,000. ')).toBe('1000');
  });
});

describe('gsm8k scoring end to end', () => {
  const reference = 'Each box has <<2*3=6>>6.\n#### 1,200';
  it.each([
    ['correct with commas', 'lots of work\n#### 1200', true, null, true],
    ['correct with $ and .', '#### $1,200.', true, null, true],
    ['wrong', '#### 1300', false, null, false],
    ['no #### is unscorable', 'The answer is 1200.', null, 'no_answer_in_response', null],
  ])('%s', (_label, response, correct, reason, strict) => {
    const v = scoreResponse(gsm8k, { response, reference, finishReason: 'stop', error: null, accuracyOff: false });
    expect(v.correct).toBe(correct);
    expect(v.ambiguity_reason).toBe(reason);
    expect(v.extras.strict_match).toBe(strict);
    expect(v.gold).toBe('1200');
  });

  it('records the flexible reading when #### is missing', () => {
    const v = scoreResponse(gsm8k, { response: 'The answer is 1200.', reference, finishReason: 'stop', error: null, accuracyOff: false });
    expect(v.extras).toMatchObject({ flexible_extracted: '1200', flexible_pattern: 'answer_is', flexible_correct: true });
    expect(v.pattern).toBeNull();
  });

  it('strict string match differs from the numeric verdict on trailing zeros', () => {
    const v = scoreResponse(gsm8k, { response: '#### 1200.00', reference, finishReason: 'stop', error: null, accuracyOff: false });
    expect(v.correct).toBe(true);
    expect(v.extras.strict_match).toBe(false);
  });
});
