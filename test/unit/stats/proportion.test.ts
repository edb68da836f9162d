import { describe, expect, it } from 'vitest';
import { wilsonInterval, Z_95 } from '../../../stats/proportion.ts';

describe('Wilson 95% interval', () => {
  // Hand-worked with z = 1.96: centre = (p + z²/2n)/(1 + z²/n), half = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²).
  it.each([
    [8, 10, 0.4902, 0.9433],
    [5, 10, 0.2366, 0.7634],
    [50, 100, 0.4038, 0.5962],
    [10, 20, 0.2993, 0.7007],
    [90, 100, 0.8256, 0.9448],
    [1, 1, 0.2065, 1],
    [0, 10, 0, 0.2775], // z²/(n+z²)
    [10, 10, 0.7225, 1], // n/(n+z²)
    [0, 1, 0, 0.7935],
  ])('%d of %d → [%d, %d]', (k, n, low, high) => {
    const ci = wilsonInterval(k, n)!;
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it('is symmetric: k of n mirrors n−k of n', () => {
    const a = wilsonInterval(3, 17)!;
    const b = wilsonInterval(14, 17)!;
    expect(a.low).toBeCloseTo(1 - b.high, 12);
    expect(a.high).toBeCloseTo(1 - b.low, 12);
  });

  it('has no interval for n = 0', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('narrows with a smaller z', () => {
    const wide = wilsonInterval(30, 60, Z_95)!;
    const narrow = wilsonInterval(30, 60, 1)!;
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it.each([
    [-1, 10],
    [11, 10],
    [1.5, 10],
    [1, -2],
  ])('rejects %d of %d', (k, n) => {
    expect(() => wilsonInterval(k, n)).toThrow(RangeError);
  });
});
