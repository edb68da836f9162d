/**
 * What the simulated model says to a known question: right with probability accuracy,
 * otherwise wrong or unparseable, decided by hashes so reruns reply identically.
 */
import { SimulatorOptions } from '../configs/schema/simulator.ts';
import type { AnswerEntry } from './answer-book.ts';
import { hash2, hashNumbers, hashString, unitFromHash } from './hash.ts';
import { FILLER_MASK, FILLER_WORDS } from './words.ts';

export type AnswerVerdict = 'correct' | 'wrong' | 'unparseable';

export type QualityParams = Pick<SimulatorOptions, 'seed' | 'accuracy' | 'unparseable_rate'>;

export interface Decision {
  verdict: AnswerVerdict;
  /** Drives the wording, so it too is reproducible. */
  hash: number;
}

/** Salts keep the three draws of one question independent. */
const SALT_CORRECT = 1;
const SALT_UNPARSEABLE = 2;

/** When a config names some benchmarks but no `default`, the rest get the schema's default accuracy. */
const SCHEMA_DEFAULT_ACCURACY = SimulatorOptions.shape.accuracy.parse(undefined).default ?? 0;

export function accuracyFor(params: QualityParams, benchmark: string): number {
  return params.accuracy[benchmark] ?? params.accuracy.default ?? SCHEMA_DEFAULT_ACCURACY;
}

/**
 * Deterministic in (seed, question); a sampled request (temperature > 0) with its own seed
 * mixes that in too, like a real model whose answer changes with the sampling seed.
 */
export function decideVerdict(params: QualityParams, entry: AnswerEntry, requestSeed: number | null): Decision {
  const base = hashNumbers(params.seed, hashString(entry.question));
  const hash = requestSeed === null ? base : hash2(base, requestSeed);
  if (unitFromHash(hash2(hash, SALT_CORRECT)) < accuracyFor(params, entry.benchmark)) return { verdict: 'correct', hash };
  if (unitFromHash(hash2(hash, SALT_UNPARSEABLE)) < params.unparseable_rate) return { verdict: 'unparseable', hash };
  return { verdict: 'wrong', hash };
}

const NUMBER_DELTAS = [1, 2, 3, 10] as const;

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
}

/** A different value that still parses: a plain number moves by a small delta, otherwise its last digit run does. */
export function perturbNumeric(answer: string, hash: number): string {
  const delta = NUMBER_DELTAS[hash % NUMBER_DELTAS.length] ?? 1;
  const plain = answer.replace(/[,$\s]/g, '');
  if (/^-?\d+(\.\d+)?$/.test(plain)) return formatNumber(Number(plain) + delta);
  const lastDigits = /\d+(?=\D*$)/.exec(answer);
  if (lastDigits !== null) {
    const at = lastDigits.index;
    return `${answer.slice(0, at)}${Number(lastDigits[0]) + delta}${answer.slice(at + lastDigits[0].length)}`;
  }
  return `${answer}+${delta}`;
}

const CHOICE_LETTERS = 'ABCDEFGHIJ';

/** Another letter for multiple choice, else another gold answer of the benchmark, else a negation. */
export function otherExactAnswer(answer: string, hash: number, candidates: readonly string[]): string {
  const trimmed = answer.trim();
  if (/^[A-J]$/.test(trimmed)) {
    const letters = 'ABCD'.includes(trimmed) ? 'ABCD' : CHOICE_LETTERS;
    const pick = letters.replace(trimmed, '');
    return pick[hash % pick.length] ?? 'A';
  }
  const others = candidates.filter((c) => c.trim() !== trimmed && c.trim().length > 0);
  if (others.length > 0) return others[hash % others.length] ?? `not ${trimmed}`;
  return `not ${trimmed}`;
}

function reasoning(hash: number): string {
  const words = ["Let's", 'think', 'step', 'by', 'step.'];
  const extra = 3 + (hash % 5);
  for (let i = 0; i < extra; i++) words.push(FILLER_WORDS[hash2(hash, i + 100) & FILLER_MASK] ?? 'so');
  return `${words.join(' ')}.`;
}

interface ReplyFormat {
  correct(answer: string, hash: number): string;
  wrong(answer: string, hash: number, candidates: readonly string[]): string;
  /** Of the wrong replies: no final-answer marker at all. */
  unparseable(hash: number): string;
}

export type FormatName = 'gsm8k' | 'math' | 'exact';

const FORMATS = {
  gsm8k: {
    correct: (answer, hash) => `${reasoning(hash)} #### ${answer}`,
    wrong: (answer, hash) => `${reasoning(hash)} #### ${perturbNumeric(answer, hash)}`,
    unparseable: (hash) => `${reasoning(hash)} I am not sure how to finish this.`,
  },
  math: {
    correct: (answer, hash) => `${reasoning(hash)} The final answer is $\\boxed{${answer}}$`,
    wrong: (answer, hash) => `${reasoning(hash)} The final answer is $\\boxed{${perturbNumeric(answer, hash)}}$`,
    unparseable: (hash) => `${reasoning(hash)} I could not finish this problem.`,
  },
  exact: {
    correct: (answer) => answer,
    wrong: (answer, hash, candidates) => otherExactAnswer(answer, hash, candidates),
    unparseable: () => 'sorry, there is no way to tell.',
  },
} satisfies Record<FormatName, ReplyFormat>;

const BENCHMARK_FORMATS: Readonly<Record<string, FormatName>> = { gsm8k: 'gsm8k', math: 'math', routerbench: 'exact' };

/** Benchmarks without a format of their own get the exact answer text, like routerbench. */
export function formatFor(benchmark: string): FormatName {
  return BENCHMARK_FORMATS[benchmark] ?? 'exact';
}

export function renderAnswer(entry: AnswerEntry, decision: Decision, candidates: readonly string[]): string {
  const format: ReplyFormat = FORMATS[formatFor(entry.benchmark)];
  switch (decision.verdict) {
    case 'correct':
      return format.correct(entry.answer, decision.hash);
    case 'wrong':
      return format.wrong(entry.answer, decision.hash, candidates);
    case 'unparseable':
      return format.unparseable(decision.hash);
  }
}
