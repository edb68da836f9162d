import { describe, expect, it } from 'vitest';
import { EvalflowError } from '../../../common/errors.ts';
import { BenchmarkName } from '../../../configs/schema/eval.ts';
import { BENCHMARKS, getBenchmark } from '../../../benchmarks/registry.ts';
import { toExamples } from '../../../benchmarks/rows.ts';
import { math } from '../../../benchmarks/math.ts';
import { gsm8k } from '../../../benchmarks/gsm8k.ts';

describe('registry', () => {
  it.each(BenchmarkName.options)('has %s under its own name', (name) => {
    expect(getBenchmark(name).name).toBe(name);
    expect(BENCHMARKS[name]).toBe(getBenchmark(name));
  });
});

describe('rows to examples', () => {
  it('gsm8k: question and answer, ids from the row index', () => {
    const rows = [
      { question: 'A farmer has 2 hens...', answer: 'work <<1+1=2>>2\n#### 2' },
      { question: 'A baker bakes 10...', answer: '#### 10', extra_column: 1 },
    ];
    const ex = toExamples(gsm8k, rows);
    expect(ex.map((e) => e.id)).toEqual(['0', '1']);
    expect(gsm8k.gold(ex[0]!.reference).value).toBe('2');
  });

  it('math: the answer column wins over the solution box (MATH-500)', () => {
    const [withAnswer, withoutAnswer] = toExamples(math, [
      { problem: 'Find p.', solution: 'So $p = \\boxed{\\frac{1}{2}}$.', answer: '\\frac{1}{2}', unique_id: 'test/algebra/1.json', level: 2 },
      { problem: 'Find q.', solution: 'Thus $\\boxed{7}$.', level: 'Level 3', type: 'Algebra' },
    ]);
    expect(withAnswer).toMatchObject({ id: 'test/algebra/1.json', reference: '\\frac{1}{2}' });
    expect(math.gold(withAnswer!.reference).value).toBe('\\frac{1}{2}');
    expect(withoutAnswer).toMatchObject({ id: '1', meta: { subject: 'Algebra', level: 'Level 3' } });
    expect(math.gold(withoutAnswer!.reference).value).toBe('7');
    expect(math.exemplarAnswer(withAnswer!)).toContain('\\boxed');
  });

  it.each([
    ['a solution without a box has no gold', 'We are done, so the value follows.\nIt is seven.', null],
    ['an unbalanced box has no gold', 'so \\boxed{\\frac{1}{2}', null],
    ['a short bare answer is the gold', '\\left( 3, \\frac{\\pi}{2} \\right)', '\\left( 3, \\frac{\\pi}{2} \\right)'],
  ])('math gold: %s', (_label, reference, gold) => {
    expect(math.gold(reference).value).toBe(gold);
  });

  it('reports every bad row with its index', () => {
    const rows = [{ question: 'ok', answer: '#### 1' }, { question: 42, answer: '#### 2' }, { question: 'ok' }, { question: 'fine', answer: '#### 3' }];
    let caught: unknown;
    try {
      toExamples(gsm8k, rows);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EvalflowError);
    const err = caught as EvalflowError;
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toMatch(/2 bad row\(s\)/);
    expect(err.message).toMatch(/row 1:.*question/);
    expect(err.message).toMatch(/row 2:.*answer/);
    expect((err.details.bad as { index: number }[]).map((b) => b.index)).toEqual([1, 2]);
  });

  it('refuses duplicate ids', () => {
    expect(() => toExamples(math, [
      { problem: 'a', solution: '\\boxed{1}', id: 'x' },
      { problem: 'b', solution: '\\boxed{2}', id: 'x' },
    ])).toThrow(/row 1: duplicate id "x" \(first at row 0\)/);
  });
});
