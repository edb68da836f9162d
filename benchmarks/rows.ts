import { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';
import type { Benchmark, Example } from './types.ts';

/** Ids may be strings or numbers in the source; examples carry them as strings. */
export const RowId = z.union([z.string().min(1), z.int()]).transform(String);

/** Bad rows reported per index, at most this many in the message (the details keep them all). */
const MAX_REPORTED = 10;

/**
 * Turn the loader's rows into Examples, validating each. Every bad row is reported with its
 * index (one error for the lot), and duplicate ids are refused: resume and pairing key on them.
 */
export function toExamples(benchmark: Benchmark, rows: readonly Record<string, unknown>[], source = benchmark.name): Example[] {
  const examples: Example[] = [];
  const bad: { index: number; message: string }[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, index) => {
    try {
      const example = benchmark.toExample(row, index);
      const first = seen.get(example.id);
      if (first !== undefined) {
        bad.push({ index, message: `duplicate id ${JSON.stringify(example.id)} (first at row ${first})` });
        return;
      }
      seen.set(example.id, index);
      examples.push(example);
    } catch (err) {
      const message = err instanceof z.ZodError ? z.prettifyError(err).replaceAll('\n', '; ') : (err as Error).message;
      bad.push({ index, message });
    }
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, MAX_REPORTED).map((b) => `row ${b.index}: ${b.message}`);
    const more = bad.length > MAX_REPORTED ? ` (and ${bad.length - MAX_REPORTED} more)` : '';
    throw new EvalflowError('dataset_invalid', `${source}: ${bad.length} bad row(s): ${shown.join(' | ')}${more}`, { bad });
  }
  return examples;
}
