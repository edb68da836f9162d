/**
 * MATH answer equivalence (scoring-and-stats §2.5–2.6): normalised strings, then structure
 * (tuples and intervals in order, sets and bare lists in any order), then per element the
 * PRM800K rules (an integer gold needs an integer answer; two plain fractions must match
 * as written, so unreduced ones do not pass) and finally numeric value with a tolerance.
 */
import { evaluateMath } from './math-eval.ts';
import { normalizeMath } from './math-normalize.ts';

/** Relative tolerance for numeric equality (Math-Verify rounds to 6 places). */
export const MATH_REL_TOL = 1e-6;

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/** Split on a separator at nesting depth 0 (braces, brackets and parentheses all nest). */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && (s[i + 1] === '{' || s[i + 1] === '}')) {
      depth += s[i + 1] === '{' ? 1 : -1;
      i++;
      continue;
    }
    if (OPENERS.has(ch)) depth++;
    else if (CLOSERS.has(ch)) depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Whether the first character opens a group that closes exactly at the last one (mixed brackets allowed: intervals). */
function wrapsWhole(s: string): boolean {
  if (s.length < 2 || !'(['.includes(s[0]!) || !')]'.includes(s.at(-1)!)) return false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (OPENERS.has(ch)) depth++;
    else if (CLOSERS.has(ch)) depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

type Structure =
  | { kind: 'scalar'; value: string }
  | { kind: 'ordered'; open: string; close: string; items: string[] } // tuple, interval, point
  | { kind: 'unordered'; items: string[] } // set, or a bare "enter all solutions" list
  | { kind: 'union'; items: string[] };

export function parseStructure(s: string): Structure {
  const union = splitTopLevel(s, '\\cup');
  if (union.length > 1) return { kind: 'union', items: union };
  if (s.startsWith('\\{') && s.endsWith('\\}')) return { kind: 'unordered', items: splitTopLevel(s.slice(2, -2), ',') };
  if (wrapsWhole(s)) {
    const items = splitTopLevel(s.slice(1, -1), ',');
    if (items.length > 1) return { kind: 'ordered', open: s[0]!, close: s.at(-1)!, items };
  }
  const items = splitTopLevel(s, ',');
  return items.length > 1 ? { kind: 'unordered', items } : { kind: 'scalar', value: s };
}

/** `\frac{a}{b}` with integer a and b, sign outside or inside: canonical `-a/b` text, else null. */
function plainFraction(s: string): string | null {
  const m = /^(-?)\\frac\{(-?)(\d+)\}\{(\d+)\}$/.exec(s);
  if (m === null) return null;
  const negative = (m[1] === '-') !== (m[2] === '-');
  return `${negative ? '-' : ''}${m[3]}/${m[4]}`;
}

function isIntegerLiteral(s: string): boolean {
  return /^-?\d+$/.test(s);
}

/** x^{2} and x^2 are one answer; braces around a single exponent or subscript character do not matter. */
function canonicalBraces(s: string): string {
  return s.replace(/([\^_])\{([^{}])\}/g, '$1$2');
}

function closeEnough(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (a === 0 || b === 0) return Math.abs(a - b) <= 1e-12;
  return Math.abs(a - b) <= MATH_REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/** Two normalised scalar answers. */
export function scalarEqual(pred: string, gold: string): boolean {
  if (pred === gold || canonicalBraces(pred) === canonicalBraces(gold)) return true;
  const pf = plainFraction(pred);
  const gf = plainFraction(gold);
  if (pf !== null && gf !== null) return pf === gf;
  if (isIntegerLiteral(gold) !== isIntegerLiteral(pred)) return false;
  const a = evaluateMath(pred);
  const b = evaluateMath(gold);
  return a !== null && b !== null && closeEnough(a, b);
}

/** Each gold item matched by a distinct predicted item (greedy is enough: equality is near-transitive here). */
function unorderedEqual(pred: readonly string[], gold: readonly string[]): boolean {
  if (pred.length !== gold.length) return false;
  const used = new Array<boolean>(pred.length).fill(false);
  return gold.every((g) => {
    const k = pred.findIndex((p, i) => !used[i] && normalizedEqual(p, g));
    if (k === -1) return false;
    used[k] = true;
    return true;
  });
}

/** Two already-normalised answers. */
export function normalizedEqual(pred: string, gold: string): boolean {
  if (pred === gold) return true;
  const g = parseStructure(gold);
  const p = parseStructure(pred);
  switch (g.kind) {
    case 'scalar':
      return p.kind === 'scalar' && scalarEqual(p.value, g.value);
    case 'ordered':
      return (
        p.kind === 'ordered' &&
        p.open === g.open &&
        p.close === g.close &&
        p.items.length === g.items.length &&
        g.items.every((gi, i) => normalizedEqual(p.items[i]!, gi))
      );
    case 'unordered':
      return p.kind === 'unordered' && unorderedEqual(p.items, g.items);
    case 'union':
      return p.kind === 'union' && p.items.length === g.items.length && g.items.every((gi, i) => normalizedEqual(p.items[i]!, gi));
  }
}

/** Whether a predicted answer matches the gold, both raw (boxed contents). */
export function mathEqual(pred: string, gold: string): boolean {
  return normalizedEqual(normalizeMath(pred), normalizeMath(gold));
}
