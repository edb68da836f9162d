/** The checked-in synthetic samples load through the real loader and keep the shape the scorers expect. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, loadSplit } from '../../../datasets/load.ts';
import type { LoadOptions } from '../../../datasets/load.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'evalflow-samples-'));
const opts: LoadOptions = { cacheDir, baseDir: join(import.meta.dirname, '../../..'), hub: { endpoint: 'http://127.0.0.1:9' } };
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Each `<<a op b=c>>` note must be right, or a sample teaches the model wrong arithmetic. */
function checkCalculatorNotes(answer: string): void {
  for (const [, a, op, b, c] of answer.matchAll(/<<(-?[\d.]+)([-+*/])(-?[\d.]+)=(-?[\d.]+)>>/g)) {
    const [x, y] = [Number(a), Number(b)];
    const value = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
    expect(value, answer).toBeCloseTo(Number(c), 9);
  }
  expect(answer.match(/<</g)?.length).toBe(answer.match(/<<(-?[\d.]+)([-+*/])(-?[\d.]+)=(-?[\d.]+)>>/g)?.length);
}

/** The content of the last balanced \boxed{...}. */
function lastBoxed(text: string): string | undefined {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + '\\boxed'.length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start + '\\boxed{'.length, i);
  }
  return undefined;
}

describe('data/samples', () => {
  it.each(['test', 'train'])('gsm8k %s: worked solutions ending in #### N', async (split) => {
    const { rows } = await loadSplit({ source: 'local', path: 'data/samples/gsm8k', config: 'main', split: 'test' }, split, opts);
    expect(rows.length).toBeGreaterThanOrEqual(12);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['question', 'answer']);
      expect(row.answer).toMatch(/\n#### -?[\d,.]+$/);
      checkCalculatorNotes(row.answer as string);
    }
  });

  it('math: MATH-500 columns, the last box equals the answer', async () => {
    const { rows } = await loadDataset({ source: 'local', path: 'data/samples/math', split: 'test' }, opts);
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(new Set(rows.map((r) => r.unique_id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['answer', 'level', 'problem', 'solution', 'subject', 'unique_id']);
      expect(lastBoxed(row.solution as string)).toBe(row.answer);
      expect(row.level).toBeOneOf([1, 2, 3, 4, 5]);
    }
  });

  it('routerbench: prompt, label, metadata and a unique id', async () => {
    const { rows } = await loadDataset({ source: 'local', path: 'data/samples/routerbench/routerbench.jsonl', split: 'test' }, { ...opts, benchmark: 'routerbench' });
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row).toMatchObject({ prompt: expect.any(String) as unknown, label: expect.any(String) as unknown, metadata: { eval_name: expect.any(String) as unknown, source: 'synthetic' } });
    }
  });
});
