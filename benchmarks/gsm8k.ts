import { z } from 'zod';
import { buildPrompt } from './prompt.ts';
import { RowId } from './rows.ts';
import { extractGsm8k, goldGsm8k, gsm8kEqual, gsm8kStrictStringMatch } from './scoring/gsm8k.ts';
import type { Benchmark, Example } from './types.ts';

/** openai/gsm8k hub columns; other columns pass through untouched. */
const Gsm8kRow = z.looseObject({
  question: z.string().min(1),
  answer: z.string().min(1),
  id: RowId.optional(),
});

/** Calculator annotations like `<<48/2=24>>` are tool traces, not text an exemplar should teach. */
function stripCalculator(solution: string): string {
  return solution.replace(/<<[^>]*>>/g, '');
}

/** The reference solution ends in `#### N`, which teaches the answer format. */
function exemplarAnswer(example: Example): string {
  return stripCalculator(example.reference ?? '');
}

export const gsm8k = {
  name: 'gsm8k',
  unscorableFile: 'always',
  toExample(row, index): Example {
    const r = Gsm8kRow.parse(row);
    return { id: r.id ?? String(index), question: r.question, reference: r.answer, meta: {} };
  },
  exemplarAnswer,
  prompt: (example, cfg, fewShot) => buildPrompt(example, cfg, fewShot, exemplarAnswer),
  extract(response) {
    const e = extractGsm8k(response);
    return { value: e.strict, pattern: e.strict === null ? null : '####' };
  },
  gold: (reference) => ({ value: goldGsm8k(reference) }),
  check: gsm8kEqual,
  /** §1.3: the strict string match, and the flexible reading with its pattern and verdict. */
  annotate(response, gold) {
    const e = extractGsm8k(response);
    const g = gold.value;
    return {
      strict_match: e.strict === null || g === null ? null : gsm8kStrictStringMatch(e.strict, g),
      flexible_extracted: e.flexible,
      flexible_pattern: e.flexiblePattern,
      flexible_correct: e.flexible === null || g === null ? null : gsm8kEqual(e.flexible, g),
    };
  },
} satisfies Benchmark;
