import { describe, expect, it } from 'vitest';
import { gpusInUse, placeNext } from '../../../sweep/schedule.ts';
import type { Capacity, Runnable, Slot } from '../../../sweep/schedule.ts';

const item = (model: string, gpus: number, pool = 'p'): Runnable => ({ model, pool, gpus });
const slot = (model: string, gpus: number, node: number, pool = 'p'): Slot => ({ model, pool, gpus, node });
const cap = (maxGpus: number, gpus_per_node: number, nodes: number): Capacity => ({ maxGpus, pools: [{ name: 'p', gpus_per_node, nodes }] });

describe('placeNext: greedy, in queue order, best-fit nodes, within max_gpus', () => {
  it('starts 72B, 32B, 14B and 7B on 2 × 4 GPUs and holds the rest back at max_gpus 8', () => {
    const queue = [item('72b', 4), item('32b', 2), item('14b', 1), item('7b', 1), item('3b', 1), item('1.5b', 1)];
    expect(placeNext(queue, [], cap(8, 4, 2))).toEqual([slot('72b', 4, 0), slot('32b', 2, 1), slot('14b', 1, 1), slot('7b', 1, 1)]);
  });

  it('starts the next models where GPUs freed up', () => {
    const running = [slot('72b', 4, 0), slot('14b', 1, 1), slot('7b', 1, 1)]; // 32B finished on node 1
    expect(placeNext([item('3b', 1), item('1.5b', 1)], running, cap(8, 4, 2))).toEqual([slot('3b', 1, 1), slot('1.5b', 1, 1)]);
  });

  it('passes over a model that does not fit yet and starts a smaller one behind it', () => {
    expect(placeNext([item('big', 4), item('small', 1)], [slot('x', 1, 0)], cap(4, 4, 1))).toEqual([slot('small', 1, 0)]);
  });

  it('needs the GPUs on one node, not just in total', () => {
    expect(placeNext([item('tp2', 2)], [slot('a', 1, 0), slot('b', 1, 1)], cap(4, 2, 2))).toEqual([]);
  });

  it('caps at max_gpus even when nodes have room', () => {
    expect(placeNext([item('a', 1), item('b', 1), item('c', 1)], [], cap(2, 8, 1)).map((s) => s.model)).toEqual(['a', 'b']);
  });

  it('runs sequentially with one GPU', () => {
    expect(placeNext([item('a', 1), item('b', 1)], [], cap(1, 1, 1)).map((s) => s.model)).toEqual(['a']);
    expect(placeNext([item('b', 1)], [slot('a', 1, 0)], cap(1, 1, 1))).toEqual([]);
  });

  it('prefers the fullest node that still fits (keeps whole nodes free for big models)', () => {
    expect(placeNext([item('small', 1)], [slot('x', 3, 1)], cap(8, 4, 2))).toEqual([slot('small', 1, 1)]);
  });

  it('keeps pools apart', () => {
    const capacity: Capacity = { maxGpus: 8, pools: [{ name: 'a', gpus_per_node: 1, nodes: 1 }, { name: 'b', gpus_per_node: 4, nodes: 1 }] };
    expect(placeNext([item('x', 1, 'a'), item('y', 1, 'a'), item('z', 2, 'b'), item('w', 1, 'nowhere')], [], capacity)).toEqual([slot('x', 1, 0, 'a'), slot('z', 2, 0, 'b')]);
  });

  it('counts GPUs in use', () => {
    expect(gpusInUse([slot('a', 4, 0), slot('b', 2, 1)])).toBe(6);
  });
});
