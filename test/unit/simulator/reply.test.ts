import { describe, expect, it } from 'vitest';
import { planReply, type ReplyPlanInput } from '../../../simulator/reply.ts';
import { countTokens } from '../../../simulator/tokens.ts';

const input = (overrides: Partial<ReplyPlanInput>): ReplyPlanInput => ({ text: null, fillerLength: 10, fillerSeed: 1, maxTokens: 100, ignoreEos: false, stop: [], ...overrides });

describe('planReply', () => {
  it('an unknown prompt gets default_output_tokens of filler and stops', () => {
    const reply = planReply(input({}));
    expect(reply.count).toBe(10);
    expect(reply.finishReason).toBe('stop');
    expect(countTokens(reply.text())).toBe(10);
  });

  it('max_tokens cuts it with finish_reason length', () => {
    const reply = planReply(input({ maxTokens: 4 }));
    expect(reply.count).toBe(4);
    expect(reply.finishReason).toBe('length');
  });

  it('ignore_eos emits exactly max_tokens, padding an answer with filler', () => {
    const reply = planReply(input({ text: '#### 42', ignoreEos: true, maxTokens: 6 }));
    expect(reply.count).toBe(6);
    expect(reply.finishReason).toBe('length');
    expect(reply.text().startsWith('#### 42 ')).toBe(true);
    expect(countTokens(reply.text())).toBe(6);
  });

  it('a cut answer loses its final marker', () => {
    const reply = planReply(input({ text: 'a b c #### 42', maxTokens: 3 }));
    expect(reply.text()).toBe('a b c');
    expect(reply.finishReason).toBe('length');
  });

  it('tokens stream with a leading space after the first', () => {
    const reply = planReply(input({ text: 'one two three' }));
    expect([0, 1, 2].map((i) => reply.tokenText(i))).toEqual(['one', ' two', ' three']);
  });

  it('a stop string cuts the text before it, counting the token that completed it', () => {
    const reply = planReply(input({ text: 'a b #### 42 c', stop: ['####'] }));
    expect(reply.count).toBe(3);
    // As in vLLM, the text ends right before the stop string, space included.
    expect(reply.text()).toBe('a b ');
    expect(reply.finishReason).toBe('stop');
    expect(reply.stopReason).toBe('####');
  });

  it('a stop string inside a token keeps the part before it', () => {
    const reply = planReply(input({ text: 'alpha beta', stop: ['ta'] }));
    expect(reply.text()).toBe('alpha be');
    expect(reply.count).toBe(2);
  });

  it('filler is deterministic in its seed', () => {
    expect(planReply(input({ fillerSeed: 5 })).text()).toBe(planReply(input({ fillerSeed: 5 })).text());
    expect(planReply(input({ fillerSeed: 5 })).text()).not.toBe(planReply(input({ fillerSeed: 6 })).text());
  });
});
