import type { BenchmarkName } from '../configs/schema/eval.ts';
import { gsm8k } from './gsm8k.ts';
import { math } from './math.ts';
import { routerbench } from './routerbench.ts';
import type { Benchmark } from './types.ts';

/** Every quality benchmark by name; adding one is one new file and one line here (the compiler insists). */
export const BENCHMARKS = { gsm8k, math, routerbench } as const satisfies Record<BenchmarkName, Benchmark>;

export function getBenchmark(name: BenchmarkName): Benchmark {
  return BENCHMARKS[name];
}
