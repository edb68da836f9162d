// Pure and deterministic: the sweep workflow calls placeNext() each time a model finishes.

/** A pool as the scheduler sees it: identical nodes with a number of GPUs each. */
export interface PoolCapacity {
  name: string;
  gpus_per_node: number;
  nodes: number;
}

export interface Capacity {
  /** GPUs the sweep may hold at once, over every pool. */
  maxGpus: number;
  pools: readonly PoolCapacity[];
}

/** A model waiting for GPUs: it needs `gpus` GPUs on one node of `pool`. */
export interface Runnable {
  model: string;
  pool: string;
  gpus: number;
}

/** A model holding GPUs. */
export interface Slot extends Runnable {
  /** Node index inside the pool, 0-based. */
  node: number;
}

function freeByNode(pool: PoolCapacity, running: readonly Slot[]): number[] {
  const free = Array.from({ length: pool.nodes }, () => pool.gpus_per_node);
  for (const slot of running) {
    if (slot.pool === pool.name && slot.node < free.length) free[slot.node]! -= slot.gpus;
  }
  return free;
}

/**
 * Which queued models start now, greedily in queue order (largest first): each goes to the fullest node of its
 * pool that still has room (best fit keeps whole nodes free for big models), as long as every GPU in use
 * stays within maxGpus. A model that does not fit now is passed over and a smaller one behind it may start.
 */
export function placeNext(queue: readonly Runnable[], running: readonly Slot[], capacity: Capacity): Slot[] {
  const placed: Slot[] = [];
  let inUse = running.reduce((sum, s) => sum + s.gpus, 0);
  for (const item of queue) {
    if (inUse + item.gpus > capacity.maxGpus) continue;
    const pool = capacity.pools.find((p) => p.name === item.pool);
    if (!pool) continue;
    const free = freeByNode(pool, [...running, ...placed]);
    let best = -1;
    free.forEach((f, node) => {
      if (f >= item.gpus && (best === -1 || f < free[best]!)) best = node;
    });
    if (best === -1) continue;
    placed.push({ ...item, node: best });
    inUse += item.gpus;
  }
  return placed;
}

/** GPUs held by running models. */
export function gpusInUse(running: readonly Slot[]): number {
  return running.reduce((sum, s) => sum + s.gpus, 0);
}
