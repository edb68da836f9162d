import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalConfig } from '../../../configs/schema/eval.ts';
import { rescoreFile } from '../../../benchmarks/rescore.ts';
import { runBenchmark } from '../../../benchmarks/runner.ts';
import { math } from '../../../benchmarks/math.ts';
import { toJsonl } from '../../../store/jsonl.ts';
import { FakeSender } from './fake-sender.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evalflow-rescore-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('rescoreFile', () => {
  it('gsm8k: scores each line and returns the metrics', async () => {
    const input = join(dir, 'in.jsonl');
    await writeFile(
      input,
      toJsonl([
        { id: 'a', response: 'so\n#### 1,000', reference: 'x <<1+1=2>>\n#### 1000', model: 'kept' },
        { id: 'b', response: '#### 7', reference: '#### 8' },
        { id: 'c', response: 'no idea', reference: '#### 3' },
        { id: 'd', response: null, reference: '#### 3', error: { kind: 'timeout', message: 't' } },
      ]),
    );
    const out = join(dir, 'out.jsonl');
    const m = await rescoreFile('gsm8k', input, out);
    expect(m).toMatchObject({ benchmark: 'gsm8k', accuracy_pct: 50, correct: 1, scorable_examples: 2, unscorable_examples: 2, total_examples: 4 });
    const lines = await readLines(out);
    expect(lines.map((l) => [l.id, l.correct, l.ambiguity_reason])).toEqual([
      ['a', true, null],
      ['b', false, null],
      ['c', null, 'no_answer_in_response'],
      ['d', null, 'request_error: timeout'],
    ]);
    expect(lines[0]).toMatchObject({ extracted: '1000', gold: '1000', model: 'kept', strict_match: true });
  });

  it('math: bare answers and boxed solutions as references', async () => {
    const input = join(dir, 'in.jsonl');
    await writeFile(
      input,
      toJsonl([
        { id: 1, response: 'thus $\\boxed{\\dfrac12}$', reference: '\\frac{1}{2}' },
        { id: 2, response: '\\boxed{3}', reference: 'We get \\boxed{4}.' },
      ]),
    );
    const m = await rescoreFile('math', input, join(dir, 'out.jsonl'));
    expect(m).toMatchObject({ correct: 1, scorable_examples: 2 });
  });

  it.each([
    [true, { correct: 1, accuracy_pct: 50 }],
    [false, { correct: null, accuracy_pct: null, unscorable_examples: 2 }],
  ])('routerbench with has_labels %s', async (hasLabels, expected) => {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, toJsonl([{ id: 'r1', response: ' yes ', reference: 'yes' }, { id: 'r2', response: 'no', reference: 'yes' }]));
    expect(await rescoreFile('routerbench', input, join(dir, 'out.jsonl'), { hasLabels })).toMatchObject(expected);
  });

  it.each([
    ['not JSON', '{"id":"a","response":"#### 1","reference":"#### 1"}\n{oops\n', /in\.jsonl:2: not valid JSON/],
    ['missing response', '{"id":"a","reference":"#### 1"}\n', /in\.jsonl:1: .*response/],
    ['duplicate id', '{"id":"a","response":"","reference":""}\n\n{"id":"a","response":"","reference":""}\n', /in\.jsonl:3: duplicate id a/],
    ['torn last line', '{"id":"a","response":"#### 1","reference":"#### 1"}\n{"id":"b","resp', /in\.jsonl:2: not valid JSON/],
  ])('a bad line names file and line: %s', async (_label, text, message) => {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, text);
    await expect(rescoreFile('gsm8k', input, join(dir, 'out.jsonl'))).rejects.toThrow(message);
    expect(await readFile(input, 'utf8')).toBe(text);
  });

  it('round trip: a run’s results file re-scores to the same verdicts and metrics', async () => {
    const examples = [
      { id: 'm0', question: 'Half of one?', reference: 'It is \\boxed{\\frac{1}{2}}.', meta: {} },
      { id: 'm1', question: 'Two squared?', reference: 'We get \\boxed{4}.', meta: {} },
      { id: 'm2', question: 'Root of nine?', reference: 'So \\boxed{3}.', meta: {} },
    ];
    const replies: Record<string, string> = { m0: 'so \\boxed{0.5}', m1: '\\boxed{5}', m2: 'the answer is 3' };
    const sender = new FakeSender({ reply: (spec) => ({ text: replies[spec.id.split('/')[1]!]! }) });
    const evalCfg = EvalConfig.parse({ benchmarks: { math: { dataset: { source: 'local', path: 'math.jsonl' }, prompt_template: '{question}' } } });
    const run = await runBenchmark({ benchmark: math, examples, fewShot: [], evalCfg, sender, concurrency: 2, outDir: dir });
    const out = join(dir, 'rescored.jsonl');
    const m = await rescoreFile('math', run.paths.results, out);
    for (const key of ['accuracy_pct', 'correct', 'scorable_examples', 'unscorable_examples', 'total_examples', 'ci95_low_pct', 'ci95_high_pct', 'prompt_tokens_total', 'completion_tokens_total'] as const) {
      expect(m[key]).toEqual(run.metrics[key]);
    }
    const before = await readLines(run.paths.results);
    const after = await readLines(out);
    expect(after.map((l) => [l.id, l.extracted, l.gold, l.correct, l.ambiguity_reason])).toEqual(before.map((l) => [l.id, l.extracted, l.gold, l.correct, l.ambiguity_reason]));
  });
});
