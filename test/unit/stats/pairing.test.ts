import { describe, expect, it } from 'vitest';
import type { ItemOutcome } from '../../../stats/pairing.ts';
import { pairItems } from '../../../stats/pairing.ts';

const item = (benchmark: string, id: string, prompt_hash: string | null, correct: boolean | null): ItemOutcome => ({ benchmark, id, prompt_hash, correct });

describe('pairItems', () => {
  it('pairs by (benchmark, id) only where prompt hashes match, and counts what it drops', () => {
    const a = [
      item('gsm8k', '2', 'h2', true),
      item('gsm8k', '1', 'h1', false),
      item('gsm8k', '3', 'h3', null), // unscorable in a
      item('gsm8k', '4', 'hX', true), // prompt changed
      item('gsm8k', '5', 'h5', true), // only in a
      item('math', '1', 'm1', true), // same id, other benchmark
    ];
    const b = [item('gsm8k', '1', 'h1', true), item('gsm8k', '2', 'h2', true), item('gsm8k', '3', 'h3', true), item('gsm8k', '4', 'h4', true), item('gsm8k', '6', 'h6', false), item('math', '1', 'm1', false)];
    const out = pairItems(a, b);
    const g = out.get('gsm8k')!;
    expect(g.ids).toEqual(['1', '2']); // sorted, whatever the file order
    expect([...g.a]).toEqual([0, 1]);
    expect([...g.b]).toEqual([1, 1]);
    expect(g.counts).toEqual({ paired: 2, unscorable_dropped: 1, prompt_mismatch: 1, only_a: 1, only_b: 1, duplicates: 0 });
    const m = out.get('math')!;
    expect([...m.a, ...m.b]).toEqual([1, 0]);
  });

  it('a repeated id keeps its last line; a missing prompt hash never pairs', () => {
    const out = pairItems([item('x', '1', 'h', false), item('x', '1', 'h', true), item('x', '2', null, true)], [item('x', '1', 'h', true), item('x', '2', null, true)]);
    const x = out.get('x')!;
    expect(x.counts).toMatchObject({ paired: 1, duplicates: 1, prompt_mismatch: 1 });
    expect([...x.a]).toEqual([1]);
  });

  it('a benchmark on one side only gets an entry with no pairs', () => {
    const out = pairItems([item('gsm8k', '1', 'h', true)], []);
    expect(out.get('gsm8k')?.counts).toMatchObject({ paired: 0, only_a: 1 });
  });
});
