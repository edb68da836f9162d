/**
 * MATH answer normalisation (scoring-and-stats §2.3–2.6): the hendrycks `strip_string` steps,
 * Minerva's unit and `\text` handling, and fixes for their known weak spots (`\sqrt 2`, `{,}`,
 * `\text{ and }` lists, trailing zeros). Both the prediction and the gold go through it.
 */
import { balancedGroup } from './math-extract.ts';

/** Words that only name a unit or a counted thing after a number (Minerva's list plus common units). */
const UNIT_WORDS = new Set(
  [
    'unit', 'units', 'square', 'squares', 'way', 'ways', 'integer', 'integers', 'dollar', 'dollars', 'cent', 'cents',
    'mph', 'inch', 'inches', 'in', 'ft', 'foot', 'feet', 'yard', 'yards', 'yd', 'mile', 'miles', 'mi',
    'cm', 'mm', 'km', 'm', 'meter', 'meters', 'metre', 'metres', 'centimeter', 'centimeters', 'kilometer', 'kilometers',
    'g', 'gm', 'kg', 'gram', 'grams', 'kilogram', 'kilograms', 'lb', 'lbs', 'pound', 'pounds', 'ounce', 'ounces', 'oz',
    'l', 'ml', 'liter', 'liters', 'litre', 'litres', 'gallon', 'gallons',
    's', 'sec', 'second', 'seconds', 'min', 'minute', 'minutes', 'hr', 'hour', 'hours', 'day', 'days', 'week', 'weeks',
    'month', 'months', 'year', 'years',
    'degree', 'degrees', 'radian', 'radians', 'percent', 'point', 'points', 'digit', 'digits', 'edge', 'edges',
    'meal', 'meals', 'student', 'students', 'people', 'person', 'persons', 'multiple', 'multiples', 'time', 'times',
    'sq', 'cubic', 'c', 'f',
  ],
);

/** Unit words a bare (un-\text'd) suffix may be: two letters or more, so `2 m` stays algebra-safe-ish. */
function isUnitPhrase(phrase: string, allowSingleLetter: boolean): boolean {
  const words = phrase
    .toLowerCase()
    .replace(/\^\{?[23]\}?$/, '')
    .replace(/\.$/, '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0 || words.length > 3) return false;
  return words.every((w) => UNIT_WORDS.has(w) && (allowSingleLetter || w.length >= 2));
}

const TEXT_COMMANDS = ['text', 'textbf', 'textit', 'textnormal', 'textrm', 'mathrm', 'mathbf', 'mathit', 'mbox', 'boxed', 'fbox'];

/** Replace `\cmd{X}` by X for each listed command, innermost groups handled by repeating. */
export function unwrapCommands(s: string, names: readonly string[]): string {
  let out = s;
  for (let guard = 0; guard < 50; guard++) {
    let changed = false;
    for (const name of names) {
      const re = new RegExp(String.raw`\\${name}(?![A-Za-z])\s*\{`, 'g');
      const m = re.exec(out);
      if (m === null) continue;
      const group = balancedGroup(out, m.index + m[0].length - 1);
      if (group === null) continue;
      out = out.slice(0, m.index) + group.content + out.slice(group.end);
      changed = true;
    }
    if (!changed) break;
  }
  return out;
}

/**
 * Drop units after a value: a trailing `\text{…}` group whose content starts with a space
 * (hendrycks' right-units rule) or is a unit word, then a bare trailing unit word.
 * Never empties the answer (`\text{ Evelyn}` alone stays).
 */
export function stripUnits(s: string): string {
  let out = s.trim();
  for (let guard = 0; guard < 5; guard++) {
    const m = /\\(?:text|mbox|mathrm|textnormal|textrm)\s*\{([^{}]*)\}\s*(?:\^\s*\{?[23]\}?)?\.?$/.exec(out);
    if (m === null) break;
    const prefix = out.slice(0, m.index).trim();
    const content = m[1]!;
    if (prefix === '' || !(content.startsWith(' ') || content.startsWith('~') || isUnitPhrase(content, true))) break;
    out = prefix;
  }
  const bare = /^(.*?[\d})\]])\s+([A-Za-z][A-Za-z .]*?)(?:\^\s*\{?[23]\}?)?\.?$/.exec(out);
  if (bare !== null && isUnitPhrase(bare[2]!, false)) out = bare[1]!.trim();
  return out;
}

/** Read one TeX argument at i (spaces before it skipped, as TeX does): a braced group, a `\command`, or a single character. */
function readArg(s: string, start: number): { content: string; end: number } | null {
  let i = start;
  while (s[i] === ' ') i++;
  const ch = s[i];
  if (ch === undefined) return null;
  if (ch === '{') return balancedGroup(s, i);
  if (ch === '\\') {
    const m = /^\\[A-Za-z]+/.exec(s.slice(i));
    return m === null ? { content: s.slice(i, i + 2), end: i + 2 } : { content: m[0], end: i + m[0].length };
  }
  return { content: ch, end: i + 1 };
}

/** `\frac12` → `\frac{1}{2}`, `\frac1b` → `\frac{1}{b}`, `\sqrt2` and `\sqrt 2` → `\sqrt{2}`, recursively. */
export function braceArguments(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const cmd = /^\\(frac|sqrt)(?![A-Za-z])/.exec(s.slice(i));
    if (cmd === null) {
      out += s[i];
      i++;
      continue;
    }
    out += cmd[0];
    i += cmd[0].length;
    while (s[i] === ' ') i++;
    if (cmd[1] === 'sqrt' && s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close === -1) return out + s.slice(i);
      out += s.slice(i, close + 1);
      i = close + 1;
    }
    const arity = cmd[1] === 'frac' ? 2 : 1;
    for (let k = 0; k < arity; k++) {
      const arg = readArg(s, i);
      if (arg === null) return out + s.slice(i);
      out += `{${braceArguments(arg.content)}}`;
      i = arg.end;
    }
  }
  return out;
}

/** Remove whitespace, except one space that keeps a command apart from a following letter (`\pi r`, not `\pir`). */
function removeSpaces(s: string): string {
  return s
    .replace(/(\\[A-Za-z]+)\s+(?=[A-Za-z])/g, '$1\u0000')
    .replace(/\s+/g, '')
    .replaceAll('\u0000', ' ');
}

/** Keep the right side of `x = 3`, `k=5`: exactly one `=` and a left side of at most two characters. */
function dropShortLhs(s: string): string {
  const parts = s.split('=');
  if (parts.length !== 2) return s;
  const lhs = parts[0]!.trim();
  return lhs.length <= 2 ? parts[1]!.trim() : s;
}

/** `2.50` → `2.5`, `3.0` → `3`, `3.` at an element end → `3`. */
function trimDecimalZeros(s: string): string {
  return s
    .replace(/(\d)\.(\d+)(?!\d)/g, (_m, a: string, frac: string) => {
      const f = frac.replace(/0+$/, '');
      return f === '' ? a : `${a}.${f}`;
    })
    .replace(/(\d)\.(?=$|[,)\]}])/g, '$1');
}

/** Strip one pair of braces wrapping the whole string, as often as they do. */
function stripOuterBraces(s: string): string {
  let out = s;
  while (out.startsWith('{') && out.endsWith('}')) {
    const group = balancedGroup(out, 0);
    if (group === null || group.end !== out.length) break;
    out = group.content;
  }
  return out;
}

const THOUSANDS_RE = /^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

export function normalizeMath(raw: string): string {
  let s = raw.trim();
  s = s.replaceAll('−', '-').replace(/\n/g, ' ').replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replace(/\\[dtc]frac(?![A-Za-z])/g, '\\frac');
  s = s.replace(/\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![A-Za-z])/g, '');
  s = s.replace(/\\displaystyle(?![A-Za-z])/g, '');
  s = s.replace(/\\(?:,|;|:|quad|qquad)|\\ /g, ' ').replaceAll('~', ' ');
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![A-Za-z])|°|\\degree(?![A-Za-z])/g, '');
  s = s.replace(/\\?\$/g, '');
  // Lists written with words: `1 \text{ and } 2`.
  s = s.replace(/\\(?:text|mbox)\s*\{\s*(?:and|or)\s*\}/g, ',');
  s = s.replace(/\\%|%/g, '');
  s = stripUnits(s);
  s = unwrapCommands(s, TEXT_COMMANDS);
  s = stripUnits(s);
  s = s.replace(/\{,\}/g, '');
  s = s.trim().replace(/\.$/, '');
  s = s.replace(/(^|[^\d])\.(\d)/g, '$10.$2');
  s = dropShortLhs(s);
  // Before whitespace goes, so `1, 234` (a list) is not read as 1234.
  if (THOUSANDS_RE.test(s.trim())) s = s.replaceAll(',', '');
  s = braceArguments(s.replace(/\s+/g, ' '));
  s = removeSpaces(s);
  s = trimDecimalZeros(s);
  s = stripOuterBraces(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  s = s.replace(/^(-?)(\d+)\/(\d+)$/, '$1\\frac{$2}{$3}');
  s = s.replace(/^\(([A-Ea-e])\)$/, '$1');
  return s;
}
