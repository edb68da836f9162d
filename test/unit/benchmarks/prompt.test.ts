import { describe, expect, it } from 'vitest';
import { EvalConfig } from '../../../configs/schema/eval.ts';
import { gsm8k } from '../../../benchmarks/gsm8k.ts';
import { math } from '../../../benchmarks/math.ts';
import { buildPrompt, pickFewShot, promptHash, renderTemplate, resolvePromptConfig } from '../../../benchmarks/prompt.ts';
import type { Example } from '../../../benchmarks/types.ts';

const ex = (id: string, question: string, reference: string): Example => ({ id, question, reference, meta: {} });
const dataset = { source: 'local', path: 'x.jsonl' } as const;

function config(bench: Record<string, unknown>, defaults: Record<string, unknown> = {}) {
  const cfg = EvalConfig.parse({ defaults, benchmarks: { gsm8k: { dataset, prompt_template: 'Q: {question}\nA:', ...bench } } });
  return resolvePromptConfig(cfg.benchmarks.gsm8k!, cfg.defaults);
}

describe('prompt config', () => {
  it.each([
    ['benchmark system prompt overrides defaults', { system_prompt: 'Be brief.' }, { system_prompt: 'Default.' }, 'Be brief.'],
    ['null means none even with a default', { system_prompt: null }, { system_prompt: 'Default.' }, null],
    ['absent falls back to defaults', {}, { system_prompt: 'Default.' }, 'Default.'],
  ])('%s', (_label, bench, defaults, expected) => {
    expect(config(bench, defaults).systemPrompt).toBe(expected);
  });

  it('merges the keys a benchmark sets over the default sampling, and picks the endpoint', () => {
    const cfg = EvalConfig.parse({ defaults: { sampling: { temperature: 0.5, max_tokens: 2048, seed: 9 } }, benchmarks: { gsm8k: { dataset, prompt_template: '{question}', endpoint: 'completions' } } });
    // Built by hand: the schema's Sampling.partial() currently fills unset keys with Sampling's defaults on parse.
    const c = resolvePromptConfig({ ...cfg.benchmarks.gsm8k!, sampling: { max_tokens: 256 } }, cfg.defaults);
    expect(c.sampling).toMatchObject({ temperature: 0.5, max_tokens: 256, seed: 9, top_p: 1 });
    expect(c.endpoint).toBe('completions');
    expect(config({}).endpoint).toBe('chat');
  });

  it('renders {question} literally, $ included', () => {
    expect(renderTemplate('Q: {question} ({question})', 'costs $5 and $$')).toBe('Q: costs $5 and $$ (costs $5 and $$)');
  });
});

describe('prompt rendering', () => {
  const shots = [ex('s1', 'Shot one?', 'two <<1+1=2>>2\n#### 2'), ex('s2', 'Shot two?', '#### 3')];
  const target = ex('t', 'Target?', '#### 9');

  it('chat: system, exemplars as user/assistant turns, then the question', () => {
    const req = gsm8k.prompt(target, config({ system_prompt: 'Sys.' }), shots);
    expect(req.endpoint).toBe('chat');
    expect(req.messages).toEqual([
      { role: 'system', content: 'Sys.' },
      { role: 'user', content: 'Q: Shot one?\nA:' },
      { role: 'assistant', content: 'two 2\n#### 2' },
      { role: 'user', content: 'Q: Shot two?\nA:' },
      { role: 'assistant', content: '#### 3' },
      { role: 'user', content: 'Q: Target?\nA:' },
    ]);
    expect(req).toMatchObject({ maxTokens: 1024, temperature: 0, topP: 1, seed: 1234, stop: [] });
  });

  it('completions: Q/A blocks separated by blank lines', () => {
    const req = gsm8k.prompt(target, config({ endpoint: 'completions' }), shots);
    expect(req.prompt).toBe('Q: Shot one?\nA: two 2\n#### 2\n\nQ: Shot two?\nA: #### 3\n\nQ: Target?\nA:');
    expect(req.messages).toBeUndefined();
  });

  it('math exemplars show the worked solution', () => {
    const shot: Example = { id: 'm', question: 'P?', reference: '5', meta: { solution: 'so \\boxed{5}' } };
    const req = math.prompt(target, config({}), [shot]);
    expect(req.messages?.[1]).toEqual({ role: 'assistant', content: 'so \\boxed{5}' });
  });

  it('few-shot picks the first n, and refuses more than the split has', () => {
    expect(pickFewShot(shots, 1).map((s) => s.id)).toEqual(['s1']);
    expect(pickFewShot(shots, 0)).toEqual([]);
    expect(() => pickFewShot(shots, 3)).toThrow(/only 2/);
  });

  it('prompt hash: stable, depends on the text, not on sampling', () => {
    const a = buildPrompt(target, config({}), shots, gsm8k.exemplarAnswer);
    const b = buildPrompt(target, config({ sampling: { temperature: 0.7 } }), shots, gsm8k.exemplarAnswer);
    const c = buildPrompt(target, config({}), shots.slice(0, 1), gsm8k.exemplarAnswer);
    expect(promptHash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(promptHash(a)).toBe(promptHash(b));
    expect(promptHash(a)).not.toBe(promptHash(c));
  });
});
