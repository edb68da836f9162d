import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { BenchmarkName } from '../configs/schema/eval.ts';
import { EvalflowError } from '../common/errors.ts';
import { writeTextAtomic } from '../store/files.ts';
import { toJsonl } from '../store/jsonl.ts';
import type { BenchmarkMetrics, ScoredLine } from './metrics.ts';
import { computeMetrics } from './metrics.ts';
import { getBenchmark } from './registry.ts';
import { scoreResponse } from './score.ts';

/** An input line: the model's response and the dataset's reference; anything else is carried through. */
const RescoreLine = z.looseObject({
  id: z.union([z.string().min(1), z.int()]).transform(String),
  response: z.string().nullable(),
  reference: z.union([z.string(), z.number()]).transform(String).nullable().optional(),
  finish_reason: z.string().nullable().optional(),
  error: z.looseObject({ kind: z.enum(['http_status', 'connect', 'timeout', 'stream_error', 'bad_response', 'closed', 'aborted']) }).nullable().optional(),
});

/** Latency and token fields are carried over when the input has them (a run's results file). */
function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface RescoreOptions {
  /** routerbench: score against the references (has_labels); default true for re-scoring, since the input carries them. */
  hasLabels?: boolean;
}

/**
 * Score a JSONL of `{id, response, reference}` lines again (after a scorer fix, or outputs
 * from elsewhere) and write each line back with `extracted`, `gold`, `correct` and
 * `ambiguity_reason`. A results file of a run qualifies as it is (its lines keep `reference`).
 * The input is never modified; a bad line is an error naming the file and line.
 */
export async function rescoreFile(benchmarkName: BenchmarkName, inputPath: string, outputPath: string, opts: RescoreOptions = {}): Promise<BenchmarkMetrics> {
  const benchmark = getBenchmark(benchmarkName);
  const accuracyOff = benchmark.accuracyOff?.({ has_labels: opts.hasLabels ?? true }) ?? null;
  let text: string;
  try {
    text = await readFile(inputPath, 'utf8');
  } catch (err) {
    throw new EvalflowError('input_invalid', `${inputPath}: cannot read (${(err as Error).message})`, {}, { cause: err });
  }
  const out: Record<string, unknown>[] = [];
  const scored: ScoredLine[] = [];
  const seen = new Set<string>();
  const rawLines = text.split('\n');
  for (let i = 0; i < rawLines.length; i++) {
    const raw = rawLines[i]!;
    if (raw.trim() === '') continue;
    const where = `${inputPath}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new EvalflowError('input_invalid', `${where}: not valid JSON (${(err as Error).message})`);
    }
    const parsed = RescoreLine.safeParse(value);
    if (!parsed.success) throw new EvalflowError('input_invalid', `${where}: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
    const line = parsed.data;
    if (seen.has(line.id)) throw new EvalflowError('input_invalid', `${where}: duplicate id ${line.id}`);
    seen.add(line.id);
    const verdict = scoreResponse(benchmark, {
      response: line.response,
      reference: line.reference ?? null,
      finishReason: line.finish_reason ?? null,
      error: line.error ?? null,
      accuracyOff: accuracyOff !== null,
    });
    const { extras, ...core } = verdict;
    out.push({ ...line, ...core, ...extras });
    scored.push({ ...extras, correct: core.correct, ambiguity_reason: core.ambiguity_reason, error: line.error ?? null, latency_ms: numberOrNull(line.latency_ms), prompt_tokens: numberOrNull(line.prompt_tokens), completion_tokens: numberOrNull(line.completion_tokens) });
  }
  await writeTextAtomic(outputPath, toJsonl(out));
  return computeMetrics(scored, { benchmark: benchmarkName, dataset: inputPath, subset_size: null, seed: null, note: accuracyOff });
}
