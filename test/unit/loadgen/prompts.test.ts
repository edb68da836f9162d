import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countWords, createPromptSet, loadShareGpt, randomPrompt, stagePrefix } from '../../../loadgen/prompts.ts';
import { isEvalflowError } from '../../../common/errors.ts';

const random = { kind: 'random' as const, input_len: 100, output_len: 20, range_ratio: 0 };

describe('random prompts', () => {
  it('have exactly input_len whitespace tokens (the simulator\'s count)', () => {
    for (let i = 0; i < 20; i++) {
      const s = randomPrompt(random, 0, 'rate_5', i);
      expect(countWords(s.prompt)).toBe(100);
      expect(s).toMatchObject({ promptTokens: 100, outputTokens: 20 });
    }
  });

  it('draw lengths uniformly from [L(1−r), L(1+r)]', () => {
    const src = { ...random, range_ratio: 0.5 };
    const lens = Array.from({ length: 2000 }, (_, i) => randomPrompt(src, 3, 's', i));
    const inputs = lens.map((s) => s.promptTokens);
    expect(Math.min(...inputs)).toBe(50);
    expect(Math.max(...inputs)).toBe(150);
    expect(lens.every((s) => countWords(s.prompt) === s.promptTokens)).toBe(true);
    expect(Math.min(...lens.map((s) => s.outputTokens))).toBe(10);
    expect(Math.max(...lens.map((s) => s.outputTokens))).toBe(30);
  });

  it('are reproducible, and every stage starts its prompts with its own prefix', () => {
    expect(randomPrompt(random, 1, 'rate_1', 4)).toEqual(randomPrompt(random, 1, 'rate_1', 4));
    const a = randomPrompt(random, 1, 'rate_1', 0).prompt;
    const b = randomPrompt(random, 1, 'rate_5', 0).prompt;
    expect(a.split(' ')[0]).toBe(stagePrefix(1, 'rate_1'));
    expect(b.split(' ')[0]).toBe(stagePrefix(1, 'rate_5'));
    expect(stagePrefix(1, 'rate_1')).not.toBe(stagePrefix(1, 'rate_5'));
    expect(stagePrefix(1, 'rate_1')).not.toBe(stagePrefix(2, 'rate_1'));
  });

  it('become completions or chat requests with fixed-length greedy output', () => {
    const comp = createPromptSet({ source: random, endpoint: 'completions', count: 3, seed: 0, stage: 'throughput' });
    expect(comp.length).toBe(3);
    expect(comp.at(0)).toMatchObject({ id: 'throughput-0', endpoint: 'completions', maxTokens: 20, ignoreEos: true, temperature: 0, expectedPromptTokens: 100 });
    expect(comp.at(3)).toBeUndefined();
    const chat = createPromptSet({ source: random, endpoint: 'chat', count: 1, seed: 0, stage: 'throughput' });
    expect(chat.at(0)?.messages?.[0]).toMatchObject({ role: 'user', content: comp.at(0)?.prompt });
  });
});

describe('ShareGPT', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharegpt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

  it('takes the first two turns and applies vLLM\'s length filters', async () => {
    const path = join(dir, 'sg.json');
    await writeFile(
      path,
      JSON.stringify([
        { id: 'a', conversations: [{ from: 'human', value: words(10) }, { from: 'gpt', value: words(20) }, { from: 'human', value: 'x' }] },
        { id: 'short-prompt', conversations: [{ from: 'human', value: words(3) }, { from: 'gpt', value: words(20) }] },
        { id: 'short-output', conversations: [{ from: 'human', value: words(10) }, { from: 'gpt', value: words(3) }] },
        { id: 'long-prompt', conversations: [{ from: 'human', value: words(1025) }, { from: 'gpt', value: words(5) }] },
        { id: 'long-total', conversations: [{ from: 'human', value: words(1000) }, { from: 'gpt', value: words(1049) }] },
        { id: 'one-turn', conversations: [{ from: 'human', value: words(10) }] },
      ]),
    );
    const pairs = await loadShareGpt(path);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ promptTokens: 10, completionTokens: 20 });
    // A fixed output length replaces the reference length, in the filter too.
    expect((await loadShareGpt(path, 100)).map((p) => p.promptTokens)).toEqual([10, 10, 1000]);

    const set = createPromptSet({ source: { kind: 'sharegpt', path }, endpoint: 'completions', count: 3, seed: 0, stage: 's', sharegpt: pairs });
    expect(set.at(2)).toMatchObject({ prompt: words(10), maxTokens: 20, id: 's-2' });
  });

  it.each([
    { name: 'missing', content: null, code: 'dataset_missing' },
    { name: 'not JSON', content: '[{', code: 'dataset_invalid' },
    { name: 'wrong shape', content: '[{"conversations": [{"from": "human"}]}]', code: 'dataset_invalid' },
    { name: 'nothing usable', content: '[{"conversations": []}]', code: 'dataset_invalid' },
  ])('errors name the file: $name', async ({ content, code }) => {
    const path = join(dir, 'bad.json');
    if (content !== null) await writeFile(path, content);
    const err: unknown = await loadShareGpt(path).catch((e: unknown) => e);
    expect(isEvalflowError(err) && err.code).toBe(code);
    expect((err as Error).message).toContain(path);
  });
});
