import { z } from 'zod';
import { buildPrompt } from './prompt.ts';
import { RowId } from './rows.ts';
import { mathEqual } from './scoring/math-compare.ts';
import { lastBoxed, lastDollar, minervaAnswer } from './scoring/math-extract.ts';
import { normalizeMath } from './scoring/math-normalize.ts';
import type { Benchmark, Example, Extraction } from './types.ts';

/** MATH columns (EleutherAI/hendrycks_math); MATH-500 adds `answer` and `unique_id`. */
const MathRow = z.looseObject({
  problem: z.string().min(1),
  solution: z.string().min(1),
  answer: z.union([z.string(), z.number()]).transform(String).optional(),
  unique_id: RowId.optional(),
  id: RowId.optional(),
  level: z.union([z.string(), z.int()]).optional(),
  type: z.string().optional(),
  subject: z.string().optional(),
});

/** A reference without a box is taken as a bare answer when it is one short line (MATH-500's `answer`, re-scoring input). */
const BARE_ANSWER_MAX_CHARS = 100;

function goldFromReference(reference: string | null): string | null {
  if (reference === null) return null;
  const boxed = lastBoxed(reference);
  if (boxed.kind === 'found') return boxed.content;
  if (boxed.kind === 'unbalanced') return null;
  const bare = reference.trim();
  return bare !== '' && !bare.includes('\n') && bare.length <= BARE_ANSWER_MAX_CHARS ? bare : null;
}

function exemplarAnswer(example: Example): string {
  const solution = example.meta.solution;
  return typeof solution === 'string' ? solution : (example.reference ?? '');
}

/** The Phase-1 verdict uses the boxed answer only; the Minerva sentence and the last `$…$` are recorded as flexible. */
function flexibleAnswer(response: string): { value: string | null; pattern: string | null } {
  const boxed = lastBoxed(response);
  if (boxed.kind === 'found') return { value: boxed.content, pattern: 'boxed' };
  const minerva = minervaAnswer(response);
  if (minerva !== null) return { value: minerva, pattern: 'minerva' };
  const dollar = lastDollar(response);
  return dollar === null ? { value: null, pattern: null } : { value: dollar, pattern: 'last_dollar' };
}

export const math = {
  name: 'math',
  unscorableFile: 'always',
  toExample(row, index): Example {
    const r = MathRow.parse(row);
    const answer = r.answer?.trim();
    return {
      id: r.unique_id ?? r.id ?? String(index),
      question: r.problem,
      // The answer column is the gold when present; otherwise the solution's last box is.
      reference: answer !== undefined && answer !== '' ? answer : r.solution,
      meta: { solution: r.solution, level: r.level ?? null, subject: r.subject ?? r.type ?? null },
    };
  },
  exemplarAnswer,
  prompt: (example, cfg, fewShot) => buildPrompt(example, cfg, fewShot, exemplarAnswer),
  extract(response): Extraction {
    const boxed = lastBoxed(response);
    return boxed.kind === 'found' ? { value: boxed.content, pattern: 'boxed' } : { value: null, pattern: null };
  },
  gold: (reference) => ({ value: goldFromReference(reference) }),
  check: mathEqual,
  annotate(response, gold) {
    const flex = flexibleAnswer(response);
    return {
      extracted_normalized: flex.pattern === 'boxed' && flex.value !== null ? normalizeMath(flex.value) : null,
      gold_normalized: gold.value === null ? null : normalizeMath(gold.value),
      flexible_extracted: flex.value,
      flexible_pattern: flex.pattern,
      flexible_correct: flex.value === null || gold.value === null ? null : mathEqual(flex.value, gold.value),
    };
  },
} satisfies Benchmark;
