import type { BenchmarkEval, BenchmarkName, Sampling } from '../configs/schema/eval.ts';
import type { Endpoint } from '../configs/schema/benchmark.ts';
import type { RequestSpec } from '../loadgen/record.ts';

/** One dataset item, whatever the benchmark: the loader's row turned into plain typed data. */
export interface Example {
  /** Unique within the split; stable across runs (resume and pairing key on it). */
  id: string;
  question: string;
  /** The raw gold text (a worked solution, a bare answer, or a label); null when the row has none. */
  reference: string | null;
  meta: Record<string, unknown>;
}

/** Prompt settings after merging a benchmark's config over the eval defaults. */
export interface PromptConfig {
  systemPrompt: string | null;
  template: string;
  endpoint: Endpoint;
  sampling: Sampling;
}

/** What a benchmark asks the server: a RequestSpec without the per-attempt id. */
export type PromptRequest = Omit<RequestSpec, 'id'>;

/** Extra per-line fields a scorer records beside the Phase-1 verdict (e.g. flexible extraction). */
export type ScoreExtras = Record<string, string | number | boolean | null>;

export interface Extraction {
  /** The normalised answer the Phase-1 rule found; null when the rule found none. */
  value: string | null;
  /** Which rule fired, e.g. "####" or "boxed"; null when none did. */
  pattern: string | null;
  /** Secondary readings (fallback patterns and their verdicts are filled in by annotate()). */
  extras?: ScoreExtras;
}

export interface Gold {
  value: string | null;
}

/**
 * A quality benchmark plugs in by implementing these; the runner, prompts, metrics and
 * re-scoring are shared. Every function is pure.
 */
export interface Benchmark {
  name: BenchmarkName;
  /** A loader row to an Example; throws (a ZodError or Error) on a bad row. */
  toExample(row: Record<string, unknown>, index: number): Example;
  /** The worked answer an exemplar shows in few-shot prompts. */
  exemplarAnswer(example: Example): string;
  prompt(example: Example, cfg: PromptConfig, fewShot: readonly Example[]): PromptRequest;
  extract(response: string): Extraction;
  gold(reference: string | null): Gold;
  check(extracted: string, gold: string): boolean;
  /** Per-line extras computed from the response and gold (fallback patterns, strict match). */
  annotate?(response: string, gold: Gold): ScoreExtras;
  /** A note when this config scores no accuracy (routerbench without labels); null otherwise. */
  accuracyOff?(cfg: Pick<BenchmarkEval, 'has_labels'>): string | null;
  /** Whether `<name>_unscorable.jsonl` is written even when empty (the Phase-1 tree lists it for gsm8k and math). */
  unscorableFile: 'always' | 'when_any';
}
