import { describe, expect, it } from 'vitest';
import { AnswerBook, type AnswerEntry } from '../../../simulator/answer-book.ts';
import { accuracyFor, decideVerdict, formatFor, otherExactAnswer, perturbNumeric, renderAnswer, type QualityParams } from '../../../simulator/answer-replies.ts';

const q1: AnswerEntry = { question: 'Natalia sold clips to 48 of her friends in April, and then half as many in May. How many clips did she sell?', answer: '72', benchmark: 'gsm8k' };
const q2: AnswerEntry = { question: 'Weng earns $12 an hour for babysitting. Yesterday she did 50 minutes. How much did she earn?', answer: '10', benchmark: 'gsm8k' };
const short: AnswerEntry = { question: 'What is 2+2?', answer: '4', benchmark: 'math' };

describe('AnswerBook.find', () => {
  const book = new AnswerBook();
  book.add([q1, q2, short]);

  it('finds a question anywhere in the prompt, however it is wrapped', () => {
    expect(book.find(`Question: ${q1.question.replaceAll(' ', '\n  ')}\nAnswer:`)).toEqual(q1);
  });

  it('picks the question that comes last in a few-shot prompt', () => {
    const prompt = `Question: ${q1.question}\nAnswer: ... #### 72\n\nQuestion: ${q2.question}\nAnswer:`;
    expect(book.find(prompt)?.answer).toBe('10');
    const reversed = `Question: ${q2.question}\nAnswer: ... #### 10\n\nQuestion: ${q1.question}\nAnswer:`;
    expect(book.find(reversed)?.answer).toBe('72');
  });

  it('finds short questions, and questions glued to punctuation', () => {
    expect(book.find('Problem: What is 2+2?\nSolution:')).toEqual(short);
    expect(book.find(`Q:"${q2.question}"`)).toEqual(q2);
  });

  it('tells apart many questions with the same opening', () => {
    const b = new AnswerBook();
    const many = Array.from({ length: 500 }, (_, i): AnswerEntry => ({ question: `Which of the following statements about the economy is true in case ${i}?`, answer: String(i), benchmark: 'routerbench' }));
    b.add(many);
    expect(b.find(`Answer this. ${many[123]?.question} A) yes B) no`)?.answer).toBe('123');
    expect(b.find('Which of the following statements about the economy is true in case 9999?')).toBeNull();
  });

  it('prefers the longer of two questions ending at the same place', () => {
    const inner: AnswerEntry = { question: 'How many clips did she sell?', answer: '1', benchmark: 'gsm8k' };
    const b = new AnswerBook();
    b.add([inner, q1]);
    expect(b.find(q1.question)?.answer).toBe('72');
  });

  it('returns null for unknown prompts and when empty', () => {
    expect(book.find('w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12')).toBeNull();
    expect(new AnswerBook().find(q1.question)).toBeNull();
  });

  it('re-adding a question replaces its answer', () => {
    const b = new AnswerBook();
    b.add([q1]);
    b.add([{ ...q1, answer: '73' }]);
    expect(b.size).toBe(1);
    expect(b.find(q1.question)?.answer).toBe('73');
  });
});

describe('verdicts', () => {
  const params: QualityParams = { seed: 7, accuracy: { default: 0.8, gsm8k: 0.5 }, unparseable_rate: 0.25 };
  const entries = Array.from({ length: 4000 }, (_, i): AnswerEntry => ({ question: `question number ${i}?`, answer: String(i), benchmark: i % 2 === 0 ? 'gsm8k' : 'math' }));

  it('the correct rate matches accuracy per benchmark, default for the rest', () => {
    const rate = (benchmark: string) => {
      const subset = entries.filter((e) => e.benchmark === benchmark);
      return subset.filter((e) => decideVerdict(params, e, null).verdict === 'correct').length / subset.length;
    };
    expect(rate('gsm8k')).toBeGreaterThan(0.45);
    expect(rate('gsm8k')).toBeLessThan(0.55);
    expect(rate('math')).toBeGreaterThan(0.76);
    expect(rate('math')).toBeLessThan(0.84);
  });

  it('benchmarks without an entry fall back to default, then to the schema default', () => {
    expect(accuracyFor(params, 'routerbench')).toBe(0.8);
    expect(accuracyFor({ ...params, accuracy: { gsm8k: 0.1 } }, 'math')).toBe(0.8);
    expect(accuracyFor({ ...params, accuracy: { gsm8k: 0.1 } }, 'gsm8k')).toBe(0.1);
  });

  it('unparseable_rate is a fraction of the wrong answers', () => {
    const wrong = entries.map((e) => decideVerdict(params, e, null).verdict).filter((v) => v !== 'correct');
    const share = wrong.filter((v) => v === 'unparseable').length / wrong.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
  });

  it('is deterministic in (seed, question) and changes with the seed', () => {
    const a = entries.map((e) => decideVerdict(params, e, null).verdict);
    const b = entries.map((e) => decideVerdict(params, e, null).verdict);
    const c = entries.map((e) => decideVerdict({ ...params, seed: 8 }, e, null).verdict);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('a request seed varies sampled answers', () => {
    const a = entries.map((e) => decideVerdict(params, e, 1).verdict);
    const b = entries.map((e) => decideVerdict(params, e, 2).verdict);
    expect(a).not.toEqual(b);
  });
});

describe('reply formats', () => {
  it('gsm8k ends with #### and the answer; wrong changes the number', () => {
    expect(renderAnswer(q1, { verdict: 'correct', hash: 3 }, [])).toMatch(/#### 72$/);
    const wrong = renderAnswer(q1, { verdict: 'wrong', hash: 3 }, []);
    expect(wrong).toMatch(/#### -?\d+$/);
    expect(wrong).not.toMatch(/#### 72$/);
  });

  it('math boxes the answer; wrong boxes another value', () => {
    const m: AnswerEntry = { question: 'q', answer: '\\frac{1}{2}', benchmark: 'math' };
    expect(renderAnswer(m, { verdict: 'correct', hash: 0 }, [])).toMatch(/The final answer is \$\\boxed\{\\frac\{1\}\{2\}\}\$$/);
    const wrong = renderAnswer(m, { verdict: 'wrong', hash: 0 }, []);
    expect(wrong).toContain('\\boxed{');
    expect(wrong).not.toContain('\\boxed{\\frac{1}{2}}');
  });

  it('routerbench replies with exactly the answer, or another one', () => {
    const r: AnswerEntry = { question: 'q', answer: 'B', benchmark: 'routerbench' };
    expect(renderAnswer(r, { verdict: 'correct', hash: 9 }, [])).toBe('B');
    for (let h = 0; h < 10; h++) expect(['A', 'C', 'D']).toContain(renderAnswer(r, { verdict: 'wrong', hash: h }, []));
    expect(otherExactAnswer('Paris', 1, ['Paris', 'Rome'])).toBe('Rome');
    expect(otherExactAnswer('Paris', 1, ['Paris'])).toBe('not Paris');
  });

  it.each(['gsm8k', 'math', 'routerbench'])('unparseable %s replies carry no final-answer marker', (benchmark) => {
    const text = renderAnswer({ question: 'q', answer: '5', benchmark }, { verdict: 'unparseable', hash: 4 }, []);
    expect(text).not.toContain('####');
    expect(text).not.toContain('\\boxed');
    expect(text).not.toMatch(/\d/);
  });

  it('unknown benchmarks use the exact format', () => {
    expect(formatFor('mmlu')).toBe('exact');
  });

  it.each([
    ['72', 0, '73'],
    ['1,000', 1, '1002'],
    ['-3', 2, '0'],
    ['0.5', 0, '1.5'],
    ['\\frac{1}{2}', 0, '\\frac{1}{3}'],
    ['x', 0, 'x+1'],
  ])('perturbNumeric(%j, %i) = %j', (answer, hash, expected) => {
    expect(perturbNumeric(answer, hash)).toBe(expected);
  });
});
