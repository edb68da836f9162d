import { describe, expect, it } from 'vitest';
import { adjustPValues, benjaminiHochberg, holm } from '../../../stats/multiple.ts';

function close(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
}

describe('Holm and Benjamini–Hochberg (as R p.adjust)', () => {
  // Hand-worked. Holm, sorted 0.005 0.01 0.03 0.04: ×4 ×3 ×2 ×1 = 0.02 0.03 0.06 0.04 → running max 0.02 0.03 0.06 0.06.
  // BH: ×4/1 ×4/2 ×4/3 ×4/4 = 0.02 0.02 0.04 0.04 → running min from the top: the same.
  const p = [0.01, 0.04, 0.03, 0.005];

  it('Holm on a known vector, in input order', () => close(holm(p), [0.03, 0.06, 0.06, 0.02]));
  it('BH on a known vector, in input order', () => close(benjaminiHochberg(p), [0.02, 0.04, 0.04, 0.02]));

  it('R example: 0.01 … 0.05', () => {
    const q = [0.01, 0.02, 0.03, 0.04, 0.05];
    close(holm(q), [0.05, 0.08, 0.09, 0.09, 0.09]);
    close(benjaminiHochberg(q), [0.05, 0.05, 0.05, 0.05, 0.05]);
  });

  it('caps at 1, keeps one p as is, handles an empty family', () => {
    close(holm([0.6, 0.7]), [1, 1]);
    close(holm([0.03]), [0.03]);
    close(benjaminiHochberg([0.03]), [0.03]);
    expect(holm([])).toEqual([]);
  });

  it('none returns a copy; p outside [0, 1] is an error', () => {
    close(adjustPValues([0.2, 0.01], 'none'), [0.2, 0.01]);
    expect(() => holm([1.2])).toThrow(RangeError);
    expect(() => benjaminiHochberg([Number.NaN])).toThrow(RangeError);
  });
});
