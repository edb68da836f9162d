/**
 * MATH answer extraction (scoring-and-stats §2.2, §2.6). Pure string scanning, no regex
 * backtracking over nested braces.
 */

export type BoxedResult = { kind: 'found'; content: string } | { kind: 'none' } | { kind: 'unbalanced' };

const BOX_COMMANDS = ['\\boxed', '\\fbox'] as const;

/** Index of the last `\boxed` or `\fbox` that is a whole command (not `\boxeda`). */
function lastBoxCommand(text: string): { at: number; len: number } | null {
  let best: { at: number; len: number } | null = null;
  for (const cmd of BOX_COMMANDS) {
    let from = text.length;
    while (from >= 0) {
      const at = text.lastIndexOf(cmd, from);
      if (at === -1) break;
      const next = text[at + cmd.length];
      if (next === undefined || !/[A-Za-z]/.test(next)) {
        if (best === null || at > best.at) best = { at, len: cmd.length };
        break;
      }
      from = at - 1;
    }
  }
  return best;
}

/** Content of the group opening at `open` (a `{`), scanning to the brace that closes it; null when it never closes. */
export function balancedGroup(text: string, open: number): { content: string; end: number } | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++; // `\{` and `\}` are literal braces, not grouping
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return { content: text.slice(open + 1, i), end: i + 1 };
    }
  }
  return null;
}

/**
 * The content of the last `\boxed{…}` or `\fbox{…}` (whichever comes later), braces nested.
 * `\boxed 5` (TeX's one-argument form, lm-eval's rule) takes the text up to the next `$` or line end.
 * A last box that never closes is `unbalanced`: a truncated answer, not an earlier box.
 */
export function lastBoxed(text: string): BoxedResult {
  const cmd = lastBoxCommand(text);
  if (cmd === null) return { kind: 'none' };
  let i = cmd.at + cmd.len;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] === '{') {
    const group = balancedGroup(text, i);
    return group === null ? { kind: 'unbalanced' } : { kind: 'found', content: group.content.trim() };
  }
  const rest = text.slice(i).split(/[$\n]/)[0]!.trim().replace(/\.$/, '');
  return rest === '' ? { kind: 'none' } : { kind: 'found', content: rest };
}

const MINERVA_RE = /final answer is\s*(.*?)\.?\s*I hope it is correct/gis;

/** Minerva's sentence "Final Answer: The final answer is X. I hope it is correct." (last one wins). */
export function minervaAnswer(text: string): string | null {
  let last: string | null = null;
  for (const m of `${text} I hope it is correct.`.matchAll(MINERVA_RE)) {
    const v = (m[1] ?? '').trim();
    if (v !== '') last = v;
  }
  return last;
}

/** The last `$…$` span (inline math), a common final-answer form without a box. */
export function lastDollar(text: string): string | null {
  const spans = [...text.matchAll(/\$([^$]+)\$/g)];
  const last = spans.at(-1)?.[1]?.trim();
  return last === undefined || last === '' ? null : last;
}
