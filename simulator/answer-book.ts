/**
 * The questions the simulator knows, and which one a prompt asks. Few-shot prompts quote
 * earlier questions first, so the match that ends latest wins (the longest on a tie).
 */
import { z } from 'zod';
import { isSpace, normalizeWhitespace } from './tokens.ts';

/** A question the simulator recognises and its gold answer (backends/types.ts KnownAnswer, validated). */
export const AnswerEntry = z.strictObject({
  question: z.string().min(1),
  answer: z.string(),
  benchmark: z.string().min(1),
});
export type AnswerEntry = z.infer<typeof AnswerEntry>;

interface Known {
  /** Whitespace collapsed to single spaces, trimmed. */
  normalized: string;
  entry: AnswerEntry;
}

/** A 3-character filter says where a question might start; buckets keyed by up to 40 then keep few candidates even for shared openings like "Which of the following". */
const KEY_CHARS = 3;
const FILTER_SIZE = 1 << 16;
const PREFIX_CHARS = 40;

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}

/** Where a question may begin: text start, after whitespace, or at a word/non-word boundary. */
function isCandidateStart(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (isSpace(code)) return false;
  if (i === 0) return true;
  const prev = text.charCodeAt(i - 1);
  return isSpace(prev) || isWordChar(prev) !== isWordChar(code);
}

/** The first KEY_CHARS non-space characters from i as one number (exact, < 2^48), or -1 when too few. */
function keyAt(text: string, i: number): number {
  let key = 0;
  let taken = 0;
  for (let j = i; j < text.length && taken < KEY_CHARS; j++) {
    const code = text.charCodeAt(j);
    if (isSpace(code)) continue;
    key = key * 65536 + code;
    taken++;
  }
  return taken === KEY_CHARS ? key : -1;
}

function filterSlot(key: number): number {
  return key % 65521;
}

/** Up to `max` non-space characters from i. */
function nonSpacePrefix(text: string, i: number, max: number): string {
  let out = '';
  for (let j = i; j < text.length && out.length < max; j++) if (!isSpace(text.charCodeAt(j))) out += text[j];
  return out;
}

/** End index in text if the normalized question occurs at i, any whitespace run matching one space; else -1. */
function matchAt(text: string, i: number, normalized: string): number {
  let j = i;
  for (let p = 0; p < normalized.length; p++) {
    const q = normalized.charCodeAt(p);
    if (q === 32) {
      if (j >= text.length || !isSpace(text.charCodeAt(j))) return -1;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    } else {
      if (text.charCodeAt(j) !== q) return -1;
      j++;
    }
  }
  return j;
}

export class AnswerBook {
  private readonly byQuestion = new Map<string, Known>();
  private readonly byPrefix = new Map<string, Known[]>();
  /** Distinct bucket-key lengths, longest first (short questions have short keys). */
  private prefixLengths: number[] = [];
  /** A cheap "might a question start here" test, so unknown prompts cost one pass without lookups. */
  private readonly filter = new Uint8Array(FILTER_SIZE);
  private readonly answersByBenchmark = new Map<string, { seen: Set<string>; list: string[] }>();

  get size(): number {
    return this.byQuestion.size;
  }

  /** Adds entries; a question seen before gets the new answer. Questions under 3 non-space characters are ignored. */
  add(entries: readonly AnswerEntry[]): void {
    for (const entry of entries) {
      const normalized = normalizeWhitespace(entry.question);
      const key = keyAt(normalized, 0);
      if (key < 0) continue;
      this.rememberAnswer(entry);
      const existing = this.byQuestion.get(normalized);
      if (existing !== undefined) {
        existing.entry = entry;
        continue;
      }
      const known: Known = { normalized, entry };
      this.byQuestion.set(normalized, known);
      const prefix = nonSpacePrefix(normalized, 0, PREFIX_CHARS);
      const bucket = this.byPrefix.get(prefix);
      if (bucket === undefined) this.byPrefix.set(prefix, [known]);
      else bucket.push(known);
      if (!this.prefixLengths.includes(prefix.length)) this.prefixLengths = [...this.prefixLengths, prefix.length].sort((a, b) => b - a);
      this.filter[filterSlot(key)] = 1;
    }
  }

  /** The known question that ends latest in `text` (longest on a tie), or null. */
  find(text: string): AnswerEntry | null {
    if (this.byQuestion.size === 0) return null;
    let best: Known | null = null;
    let bestEnd = -1;
    for (let i = 0; i < text.length; i++) {
      if (!isCandidateStart(text, i)) continue;
      const key = keyAt(text, i);
      if (key < 0) break;
      if (this.filter[filterSlot(key)] === 0) continue;
      const longest = nonSpacePrefix(text, i, this.prefixLengths[0] ?? PREFIX_CHARS);
      for (const length of this.prefixLengths) {
        if (longest.length < length) continue;
        const bucket = this.byPrefix.get(length === longest.length ? longest : longest.slice(0, length));
        if (bucket === undefined) continue;
        for (const known of bucket) {
          const end = matchAt(text, i, known.normalized);
          if (end < 0) continue;
          if (end > bestEnd || (end === bestEnd && best !== null && known.normalized.length > best.normalized.length)) {
            best = known;
            bestEnd = end;
          }
        }
      }
    }
    return best?.entry ?? null;
  }

  /** Other gold answers of the same benchmark, for plausible wrong replies. */
  answersOf(benchmark: string): readonly string[] {
    return this.answersByBenchmark.get(benchmark)?.list ?? [];
  }

  private rememberAnswer(entry: AnswerEntry): void {
    let answers = this.answersByBenchmark.get(entry.benchmark);
    if (answers === undefined) {
      answers = { seen: new Set(), list: [] };
      this.answersByBenchmark.set(entry.benchmark, answers);
    }
    if (!answers.seen.has(entry.answer)) {
      answers.seen.add(entry.answer);
      answers.list.push(entry.answer);
    }
  }
}
