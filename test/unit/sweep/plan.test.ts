import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../configs/schema/models.ts';
import type { GpuPool } from '../../../configs/schema/sweep.ts';
import { BYTES_PER_PARAM, gpusToFit, memoryNeededGb, planSweep, selectSizes, sizeMatches } from '../../../sweep/plan.ts';
import type { FitSettings, PlanInput } from '../../../sweep/plan.ts';

const model = (name: string, params_b: number, extra: Partial<ModelEntry> = {}): ModelEntry => ({ name, id: `Org/${name}`, params_b, dtype: 'bfloat16', gpus: 1, ...extra });
const QWEN = [
  model('qwen2.5-1.5b-instruct', 1.54),
  model('qwen2.5-3b-instruct', 3.09),
  model('qwen2.5-7b-instruct', 7.62),
  model('qwen2.5-14b-instruct', 14.7),
  model('qwen2.5-32b-instruct', 32.5, { gpus: 2 }),
  model('qwen2.5-72b-instruct', 72.7, { gpus: 2 }),
];
const pool = (name: string, gpu_memory_gb: number, gpus_per_node: number, nodes = 1): GpuPool => ({ name, gpu_name: name.toUpperCase(), gpu_memory_gb, gpus_per_node, nodes });
const FIT: FitSettings = { kvHeadroomFraction: 0.2, overheadGb: 2, gpuMemoryUtilization: 0.9 };
const plan = (over: Partial<PlanInput> = {}) => planSweep({ models: QWEN, pools: [pool('a100-80g', 80, 4, 2)], maxGpus: 8, order: 'largest_first', fit: FIT, ...over });

describe('memory needed: params × bytes/param × (1 + KV headroom) + overhead', () => {
  it.each([
    ['bfloat16', 2],
    ['float16', 2],
    ['float32', 4],
    ['fp8', 1],
    ['int8', 1],
    ['int4', 0.5],
  ] as const)('%s weighs %d bytes per parameter', (dtype, bytes) => {
    expect(BYTES_PER_PARAM[dtype]).toBe(bytes);
    expect(memoryNeededGb({ params_b: 10, dtype }, { kvHeadroomFraction: 0, overheadGb: 0 })).toBe(10 * bytes);
  });

  it('adds the KV headroom on the weights and the fixed overhead on top', () => {
    expect(memoryNeededGb({ params_b: 7, dtype: 'bfloat16' }, FIT)).toBeCloseTo(7 * 2 * 1.2 + 2);
    expect(memoryNeededGb({ params_b: 72.7, dtype: 'bfloat16' }, FIT)).toBeCloseTo(176.48);
    expect(memoryNeededGb({ params_b: 72.7, dtype: 'int4' }, FIT)).toBeCloseTo(72.7 * 0.5 * 1.2 + 2);
  });
});

describe('GPUs to fit: the smallest power of two on one node, at gpu_memory_utilization', () => {
  it.each([
    ['a small model on one GPU', 20, 80, 8, 1],
    ['exactly the usable memory of one GPU', 72, 80, 8, 1],
    ['just over one GPU', 72.1, 80, 8, 2],
    ['three GPUs would do, so four (tensor parallelism wants a power of two)', 150, 60, 8, 4],
    ['72B bf16 on 80 GB GPUs', 176.5, 80, 8, 4],
    ['72B bf16 on 40 GB GPUs', 176.5, 40, 8, 8],
    ['more than a node holds', 176.5, 40, 4, null],
    ['a 6-GPU node offers at most 4 (a power of two)', 300, 80, 6, null],
  ])('%s', (_name, need, gb, perNode, expected) => {
    expect(gpusToFit(need, { gpu_memory_gb: gb, gpus_per_node: perNode }, 0.9)).toBe(expected);
  });

  it('uses the configured gpu_memory_utilization', () => {
    expect(gpusToFit(70, { gpu_memory_gb: 80, gpus_per_node: 8 }, 0.9)).toBe(1);
    expect(gpusToFit(70, { gpu_memory_gb: 80, gpus_per_node: 8 }, 0.85)).toBe(2);
  });
});

describe('sizes filter (--sizes), by params_b within 10%', () => {
  it('selects the Qwen sizes the seed names', () => {
    expect(selectSizes(QWEN, [1.5, 3, 7]).models.map((m) => m.name)).toEqual(['qwen2.5-1.5b-instruct', 'qwen2.5-3b-instruct', 'qwen2.5-7b-instruct']);
    expect(selectSizes(QWEN, [14, 32, 72]).models.map((m) => m.params_b)).toEqual([14.7, 32.5, 72.7]);
  });

  it('reports sizes that match no model', () => {
    expect(selectSizes(QWEN, [7, 9, 100])).toMatchObject({ unmatched: [9, 100] });
  });

  it.each([
    [7.62, 7, true],
    [1.54, 1.5, true],
    [3.09, 1.5, false],
    [14.7, 13, false],
    [0.49, 0.5, true],
  ])('params_b %d vs size %d: %s', (params, size, expected) => {
    expect(sizeMatches(params, size)).toBe(expected);
  });
});

describe('planSweep', () => {
  it('sizes each Qwen model on 2 nodes × 4 × 80 GB, largest first, four at once under max_gpus 8', () => {
    const p = plan();
    expect(p.models.map((m) => [m.order, m.model, m.action, m.gpus, m.tensorParallelSize, m.pool, m.startsAtOnce])).toEqual([
      [1, 'qwen2.5-72b-instruct', 'run', 4, 4, 'a100-80g', true],
      [2, 'qwen2.5-32b-instruct', 'run', 2, 2, 'a100-80g', true],
      [3, 'qwen2.5-14b-instruct', 'run', 1, 1, 'a100-80g', true],
      [4, 'qwen2.5-7b-instruct', 'run', 1, 1, 'a100-80g', true],
      [5, 'qwen2.5-3b-instruct', 'run', 1, 1, 'a100-80g', false],
      [6, 'qwen2.5-1.5b-instruct', 'run', 1, 1, 'a100-80g', false],
    ]);
    // The registry says 2 GPUs for 72B; 145 GB of weights do not fit in 2 × 72 GB usable, so the plan overrides it.
    expect(p.models[0]).toMatchObject({ registryGpus: 2, needGb: 176.5 });
  });

  it('skips a model that fits nowhere, with the reason, after every run', () => {
    const p = plan({ pools: [pool('a100-40g', 40, 4)] });
    const skipped = p.models.filter((m) => m.action === 'skip');
    expect(skipped.map((m) => [m.model, m.skipReason])).toEqual([['qwen2.5-72b-instruct', 'needs 176.5 GB; largest node has 4 × 40 GB (144 GB usable at 0.9)']]);
    expect(p.models.at(-1)).toMatchObject({ model: 'qwen2.5-72b-instruct', order: 6, gpus: 0, tensorParallelSize: null, pool: null, startsAtOnce: false });
    expect(p.models.find((m) => m.model === 'qwen2.5-32b-instruct')).toMatchObject({ action: 'run', gpus: 4 });
  });

  it('names the largest node among several pools in the reason', () => {
    const p = plan({ models: [QWEN[5]!], pools: [pool('small', 24, 2), pool('big', 48, 2)] });
    expect(p.models[0]!.skipReason).toBe('needs 176.5 GB; largest node has 2 × 48 GB (86.4 GB usable at 0.9)');
  });

  it('skips a model that needs more GPUs than max_gpus, saying so', () => {
    const p = plan({ maxGpus: 2 });
    expect(p.models.find((m) => m.model === 'qwen2.5-72b-instruct')!.skipReason).toBe('needs 176.5 GB: 4 GPUs on pool a100-80g, but max_gpus is 2');
  });

  it('chooses the pool that reserves the least GPU memory, then the fewest GPUs', () => {
    const p = plan({ pools: [pool('a100-40g', 40, 8), pool('h100-80g', 80, 4)] });
    const where = Object.fromEntries(p.models.map((m) => [m.model, `${m.gpus}×${m.pool}`]));
    expect(where).toEqual({
      'qwen2.5-72b-instruct': '4×h100-80g', // 8 × 40 = 4 × 80 GB: a tie, fewer GPUs win
      'qwen2.5-32b-instruct': '2×h100-80g', // 4 × 40 = 2 × 80 GB
      'qwen2.5-14b-instruct': '1×h100-80g', // 37.3 GB: 2 × 40 = 1 × 80 GB, fewer GPUs win
      'qwen2.5-7b-instruct': '1×a100-40g',
      'qwen2.5-3b-instruct': '1×a100-40g',
      'qwen2.5-1.5b-instruct': '1×a100-40g',
    });
  });

  it('keeps the listed order with as_listed', () => {
    expect(plan({ order: 'as_listed' }).models.map((m) => m.params_b)).toEqual([1.54, 3.09, 7.62, 14.7, 32.5, 72.7]);
  });

  it('runs one model at a time with one GPU', () => {
    const p = plan({ models: QWEN.slice(0, 4), pools: [pool('one', 80, 1)], maxGpus: 1 });
    expect(p.models.map((m) => [m.model, m.startsAtOnce])).toEqual([
      ['qwen2.5-14b-instruct', true],
      ['qwen2.5-7b-instruct', false],
      ['qwen2.5-3b-instruct', false],
      ['qwen2.5-1.5b-instruct', false],
    ]);
  });
});
