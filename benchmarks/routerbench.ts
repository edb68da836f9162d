import { z } from 'zod';
import { buildPrompt } from './prompt.ts';
import { RowId } from './rows.ts';
import type { Benchmark, Example } from './types.ts';

/** The Phase-1 JSONL: `prompt` required; `label`, `expected_answer`, `metadata`, `id`/`sample_id` optional. */
const RouterbenchRow = z.looseObject({
  prompt: z.string().min(1),
  label: z.union([z.string(), z.number(), z.boolean()]).transform(String).nullable().optional(),
  expected_answer: z.union([z.string(), z.number(), z.boolean()]).transform(String).nullable().optional(),
  metadata: z.unknown().optional(),
  id: RowId.optional(),
  sample_id: RowId.optional(),
  eval_name: z.string().optional(),
});

export const NO_LABELS_NOTE = 'has_labels is false: outputs are stored and no accuracy is computed';

function exemplarAnswer(example: Example): string {
  if (example.reference === null) throw new RangeError(`routerbench few-shot exemplar ${example.id} has no label`);
  return example.reference;
}

export const routerbench = {
  name: 'routerbench',
  unscorableFile: 'when_any',
  toExample(row, index): Example {
    const r = RouterbenchRow.parse(row);
    return {
      id: r.id ?? r.sample_id ?? String(index),
      question: r.prompt,
      reference: r.label ?? r.expected_answer ?? null,
      meta: { metadata: r.metadata ?? null, eval_name: r.eval_name ?? null },
    };
  },
  exemplarAnswer,
  prompt: (example, cfg, fewShot) => buildPrompt(example, cfg, fewShot, exemplarAnswer),
  /** The whole stripped output is the answer. */
  extract(response) {
    const value = response.trim();
    return value === '' ? { value: null, pattern: null } : { value, pattern: 'full_output' };
  },
  gold(reference) {
    const value = reference?.trim() ?? '';
    return { value: value === '' ? null : value };
  },
  check: (extracted, gold) => extracted.trim() === gold.trim(),
  accuracyOff: (cfg) => (cfg.has_labels === true ? null : NO_LABELS_NOTE),
} satisfies Benchmark;
