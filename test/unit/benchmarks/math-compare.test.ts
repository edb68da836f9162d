import { describe, expect, it } from 'vitest';
import { mathEqual, splitTopLevel } from '../../../benchmarks/scoring/math-compare.ts';
import { evaluateMath } from '../../../benchmarks/scoring/math-eval.ts';
import { normalizeMath } from '../../../benchmarks/scoring/math-normalize.ts';

describe('MATH normalisation', () => {
  it.each([
    ['\\text{}', '\\text{Tuesday}', 'Tuesday'],
    ['\\mathrm{}', '\\mathrm{A}', 'A'],
    ['\\textbf{}', '\\textbf{12}', '12'],
    ['dollar signs', '$\\$ 7.50$', '7.5'],
    ['whitespace', ' x + 1 ', 'x+1'],
    ['left/right', '\\left( 1, 2 \\right)', '(1,2)'],
    ['dfrac', '\\dfrac{3}{4}', '\\frac{3}{4}'],
    ['tfrac', '\\tfrac{1}{5}', '\\frac{1}{5}'],
    ['frac12', '\\frac12', '\\frac{1}{2}'],
    ['frac1b', '\\frac1b', '\\frac{1}{b}'],
    ['frac{1}2', '\\frac{1}2', '\\frac{1}{2}'],
    ['sqrt2', '\\sqrt2', '\\sqrt{2}'],
    ['sqrt 2 (hendrycks misses it)', '\\sqrt 2', '\\sqrt{2}'],
    ['3\\sqrt3', '3\\sqrt3', '3\\sqrt{3}'],
    ['cube root kept', '\\sqrt[3]{4}', '\\sqrt[3]{4}'],
    ['degrees ^\\circ', '45^\\circ', '45'],
    ['degrees ^{\\circ}', '30^{\\circ}', '30'],
    ['degree sign', '60°', '60'],
    ['percent \\%', '25\\%', '25'],
    ['percent %', '25%', '25'],
    ['\\text{ cm} units', '12\\text{ cm}', '12'],
    ['\\text{cm}^2 units', '12 \\text{cm}^2', '12'],
    ['\\mbox{ units}', '5\\mbox{ square units}', '5'],
    ['bare unit word', '8 inches', '8'],
    ['\\text{ Evelyn} alone stays', '\\text{ Evelyn}', 'Evelyn'],
    ['trailing zeros', '2.50', '2.5'],
    ['integral float', '3.0', '3'],
    ['zeros in a tuple', '(1.50, 2.0)', '(1.5,2)'],
    ['{,} thousands', '1{,}000{,}000', '1000000'],
    ['thousands commas', '12,345', '12345'],
    ['a list is not thousands', '1, 234', '1,234'],
    ['a/b', '3/4', '\\frac{3}{4}'],
    ['negative a/b', '-3/4', '-\\frac{3}{4}'],
    ['0.5', '0.5', '\\frac{1}{2}'],
    ['leading x =', 'x = 3', '3'],
    ['leading k=', 'k=-2', '-2'],
    ['long left side kept', 'xy+z = 4', 'xy+z=4'],
    ['two = kept', 'x=y=1', 'x=y=1'],
    ['leading dot', '.75', '0.75'],
    ['trailing sentence dot', '14.', '14'],
    ['\\text{ and } list', '1 \\text{ and } 2', '1,2'],
    ['spacing commands', '1\\,000', '1000'],
    ['\\! removed', '2\\!3', '23'],
    ['outer braces', '{5}', '5'],
    ['multiple choice', '\\text{(C)}', 'C'],
    ['nested boxed', '\\boxed{4}', '4'],
    ['unicode minus', '−7', '-7'],
    ['frac with spaced arguments', '\\frac a b', '\\frac{a}{b}'],
    ['command kept apart from a letter', '\\pi r^2', '\\pi r^2'],
    ['Celsius', '10^\\circ\\text{C}', '10'],
  ])('%s', (_label, raw, expected) => {
    expect(normalizeMath(raw)).toBe(expected);
  });
});

describe('MATH numeric evaluation', () => {
  it.each([
    ['\\frac{3}{4}', 0.75],
    ['-\\frac{1}{2}', -0.5],
    ['\\frac{-1}{2}', -0.5],
    ['\\sqrt{16}', 4],
    ['2\\sqrt{2}', 2 * Math.SQRT2],
    ['\\frac{\\sqrt{3}}{2}', Math.sqrt(3) / 2],
    ['\\sqrt[3]{27}', 3],
    ['2\\pi', 2 * Math.PI],
    ['\\frac{\\pi}{4}', Math.PI / 4],
    ['3/4', 0.75],
    ['2^{10}', 1024],
    ['2^3', 8],
    ['(1+2)\\cdot3', 9],
    ['6\\div4', 1.5],
    ['2\\frac{1}{2}', 2.5],
    ['-2\\frac{1}{2}', -2.5],
    ['\\infty', Infinity],
    ['1.25', 1.25],
  ])('%s = %d', (s, value) => {
    expect(evaluateMath(s)).toBeCloseTo(value, 10);
  });

  it.each([['x+1'], ['\\alpha'], ['\\sqrt{-4}'], [''], ['(1,2)'], ['2+']])('%s is not plain arithmetic', (s) => {
    expect(evaluateMath(s)).toBeNull();
  });
});

describe('MATH equivalence', () => {
  it.each([
    // identical and normalisation-equal
    ['same', '5', '5'],
    ['dfrac vs frac', '\\dfrac{2}{3}', '\\frac{2}{3}'],
    ['frac12 vs frac{1}{2}', '\\frac12', '\\frac{1}{2}'],
    ['a/b vs frac', '2/3', '\\frac{2}{3}'],
    ['0.5 vs frac', '0.5', '\\frac{1}{2}'],
    ['decimal vs frac (numeric)', '0.75', '\\frac{3}{4}'],
    ['frac vs decimal gold', '\\frac{3}{4}', '0.75'],
    ['sqrt 2', '\\sqrt 2', '\\sqrt{2}'],
    ['left/right parens', '\\left(3, 4\\right)', '(3,4)'],
    ['degrees', '90^\\circ', '90'],
    ['degrees both sides', '90^{\\circ}', '90^\\circ'],
    ['percent', '40\\%', '40'],
    ['units', '16 \\text{ cm}^2', '16'],
    ['unit word', '4 \\text{ inches}', '4'],
    ['dollars', '\\$18.90', '18.9'],
    ['trailing zeros', '2.50', '2.5'],
    ['integral float vs integer gold', '7.0', '7'],
    ['{,} thousands', '10{,}000', '10000'],
    ['thousands commas', '10,000', '10000'],
    ['x = 3', 'x = 3', '3'],
    ['k=2 both', 'k=2', '2'],
    ['pi', '2\\pi', '\\pi \\cdot 2'],
    ['pi fraction forms', '\\frac{\\pi}{2}', '\\pi/2'],
    ['negative fraction forms', '-\\frac{3}{5}', '\\frac{-3}{5}'],
    ['sqrt numeric', '\\frac{\\sqrt{2}}{2}', '\\frac{1}{\\sqrt{2}}'],
    ['tuple', '(1, -2)', '\\left(1,-2\\right)'],
    ['tuple with fractions', '(\\frac12, 0.25)', '(0.5, \\frac{1}{4})'],
    ['interval', '[2, \\infty)', '[2,\\infty)'],
    ['interval with -infty', '(-\\infty, 3]', '\\left(-\\infty,3\\right]'],
    ['set order free', '\\{3, 1, 2\\}', '\\{1,2,3\\}'],
    ['list order free', '5, -1', '-1, 5'],
    ['text and list', '2 \\text{ and } 3', '2, 3'],
    ['union', '(-\\infty,0)\\cup(1,\\infty)', '(-\\infty, 0) \\cup (1, \\infty)'],
    ['text answer', '\\text{Sunday}', 'Sunday'],
    ['multiple choice', '(B)', '\\text{(B)}'],
    ['exponent braces', 'x^{2}+1', 'x^2+1'],
    ['mixed number', '2\\frac{1}{4}', '\\frac{9}{4}'],
    ['awkward latex: displaystyle and spacing', '\\displaystyle \\frac{1}{3}\\,', '\\frac13'],
    ['awkward latex: nested text bold', '\\textbf{\\text{12}}', '12'],
    ['awkward latex: mathrm units', '3\\mathrm{m}', '3'],
    ['leading decimal', '.5', '\\frac{1}{2}'],
  ])('equal: %s', (_label, pred, gold) => {
    expect(mathEqual(pred, gold)).toBe(true);
  });

  it.each([
    ['different numbers', '4', '5'],
    ['integer gold needs an integer answer', '\\frac{10}{2}', '5'],
    ['integer gold vs sqrt', '\\sqrt{4}', '2'],
    ['unreduced fraction must match as written', '\\frac{2}{4}', '\\frac{1}{2}'],
    ['unreduced a/b vs reduced', '6/8', '\\frac{3}{4}'],
    ['tuple order matters', '(2, 1)', '(1, 2)'],
    ['interval ends differ', '(2, 5]', '(2, 5)'],
    ['tuple vs list', '1, 2', '(1, 2)'],
    ['set size differs', '\\{1, 2\\}', '\\{1,2,3\\}'],
    ['sign', '-3', '3'],
    ['close decimal is not sqrt', '1.414', '\\sqrt{2}'],
    ['variables differ', 'x+1', 'x+2'],
    ['text differs', '\\text{Monday}', '\\text{Tuesday}'],
    ['empty answer', '', '5'],
    ['pi vs 3.14', '3.14', '\\pi'],
  ])('not equal: %s', (_label, pred, gold) => {
    expect(mathEqual(pred, gold)).toBe(false);
  });

  it('splits at depth 0 only', () => {
    expect(splitTopLevel('(1,2),\\frac{1}{2},[3,4)', ',')).toEqual(['(1,2)', '\\frac{1}{2}', '[3,4)']);
  });
});
