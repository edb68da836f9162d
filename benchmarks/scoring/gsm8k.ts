/**
 * GSM8K scoring (scoring-and-stats §1.3 and the Phase-1 spec): the verdict uses the last
 * `#### <number>`; fallbacks ("The answer is N", the last number) are only recorded.
 * Pure functions over strings.
 */

/** Relative tolerance of the Phase-1 numeric comparison. */
export const GSM8K_REL_TOL = 1e-4;

// A number as models write it: optional sign and `$`, digits with thousands commas, decimals.
const NUMBER = String.raw`[-−]?\$?[-−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)`;
const HASH_RE = new RegExp(String.raw`####\s*(${NUMBER})`, 'g');
const ANSWER_IS_RE = new RegExp(String.raw`the\s+(?:final\s+)?answer\s+is\s*:?\s*(${NUMBER})`, 'gi');
const ANY_NUMBER_RE = new RegExp(NUMBER, 'g');
const LEADING_NUMBER_RE = new RegExp(String.raw`^\s*(${NUMBER})`);
const BARE_NUMBER_RE = new RegExp(String.raw`^\s*(${NUMBER})\.?\s*$`);

/** Strip `$`, commas, whitespace and a trailing `.`; unicode minus to `-`. Not digits-only (OpenCompass's `-3`→`3` bug). */
export function normalizeGsm8kNumber(raw: string): string {
  return raw
    .replaceAll('−', '-')
    .replace(/[$,\s]/g, '')
    .replace(/\.$/, '');
}

function lastMatch(re: RegExp, text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(re)) last = m[1] ?? m[0];
  return last;
}

export type Gsm8kPattern = '####' | 'answer_is' | 'last_number';

export interface Gsm8kExtraction {
  /** The `####` answer (the Phase-1 rule). */
  strict: string | null;
  /** `####`, else "The (final) answer is N", else the last number in the text. */
  flexible: string | null;
  flexiblePattern: Gsm8kPattern | null;
}

export function extractGsm8k(response: string): Gsm8kExtraction {
  const hash = lastMatch(HASH_RE, response);
  const strict = hash === null ? null : normalizeGsm8kNumber(hash);
  if (strict !== null) return { strict, flexible: strict, flexiblePattern: '####' };
  const answerIs = lastMatch(ANSWER_IS_RE, response);
  if (answerIs !== null) return { strict, flexible: normalizeGsm8kNumber(answerIs), flexiblePattern: 'answer_is' };
  const last = lastMatch(ANY_NUMBER_RE, response);
  if (last !== null) return { strict, flexible: normalizeGsm8kNumber(last), flexiblePattern: 'last_number' };
  return { strict, flexible: null, flexiblePattern: null };
}

/**
 * Gold: the text after the last `####` of the reference solution (calculator annotations
 * `<<…>>` come before it, so they never matter). A reference that is only a number (an answer
 * column, or re-scoring input) is taken as it is.
 */
export function goldGsm8k(reference: string | null): string | null {
  if (reference === null) return null;
  const at = reference.lastIndexOf('####');
  const m = at === -1 ? BARE_NUMBER_RE.exec(reference) : LEADING_NUMBER_RE.exec(reference.slice(at + 4));
  return m?.[1] === undefined ? null : normalizeGsm8kNumber(m[1]);
}

/** Numeric equality with relative tolerance; exact for zero; string equality when either side is not a number. */
export function gsm8kEqual(extracted: string, gold: string): boolean {
  const a = Number(extracted);
  const b = Number(gold);
  if (extracted === '' || gold === '' || !Number.isFinite(a) || !Number.isFinite(b)) return extracted === gold;
  if (a === b) return true;
  if (a === 0 || b === 0) return false;
  return Math.abs(a - b) <= GSM8K_REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/** lm-eval's exact_match after removing `,`, `$` and a trailing `.`: string equality, no numeric tolerance. */
export function gsm8kStrictStringMatch(extracted: string, gold: string): boolean {
  return extracted.toLowerCase() === gold.toLowerCase();
}
