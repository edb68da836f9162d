import { describe, expect, it } from 'vitest';
import { selectSubset } from '../../../benchmarks/subset.ts';

const items = Array.from({ length: 200 }, (_, i) => ({ id: `ex-${i}` }));

describe('selectSubset', () => {
  it.each([
    [10, 0],
    [50, 1],
    [199, 42],
  ])('size %d seed %d: deterministic, unique, dataset order, ids preserved', (size, seed) => {
    const a = selectSubset(items, size, seed);
    const b = selectSubset(items, size, seed);
    expect(a).toEqual(b);
    expect(a).toHaveLength(size);
    expect(new Set(a.map((x) => x.id)).size).toBe(size);
    const indices = a.map((x) => Number(x.id.slice(3)));
    expect(indices).toEqual([...indices].sort((x, y) => x - y));
    for (const x of a) expect(items).toContain(x);
  });

  it('another seed takes another subset', () => {
    expect(selectSubset(items, 20, 1)).not.toEqual(selectSubset(items, 20, 2));
  });

  it('smaller subsets nest inside larger ones for one seed', () => {
    const small = new Set(selectSubset(items, 20, 7).map((x) => x.id));
    const large = new Set(selectSubset(items, 80, 7).map((x) => x.id));
    for (const id of small) expect(large.has(id)).toBe(true);
  });

  it.each([
    ['null', null],
    ['equal to the size', 200],
    ['larger than the size', 500],
  ])('%s takes everything', (_label, size) => {
    expect(selectSubset(items, size, 3)).toEqual(items);
  });

  it('pins the choice (a change here changes every subset run)', () => {
    expect(selectSubset(items, 5, 0).map((x) => x.id)).toMatchInlineSnapshot(`
      [
        "ex-39",
        "ex-83",
        "ex-137",
        "ex-139",
        "ex-148",
      ]
    `);
  });
});
