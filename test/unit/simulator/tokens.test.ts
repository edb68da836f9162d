import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens, normalizeWhitespace, splitTokens } from '../../../simulator/tokens.ts';

describe('countTokens', () => {
  it.each([
    ['', 0],
    ['   ', 0],
    ['one', 1],
    ['one two  three', 3],
    ['\tleading and trailing\n', 3],
    ['tabs\tnew\nlines\r\nand\u00a0nbsp', 5],
    ['#### 42', 2],
    ['The final answer is $\\boxed{3}$', 5],
  ])('%j has %i tokens', (text, expected) => {
    expect(countTokens(text)).toBe(expected);
    expect(splitTokens(text)).toHaveLength(expected);
  });

  it('agrees with the regex split on random text', () => {
    const alphabet = ['a', 'b', ' ', '\n', '\t', 'x', '\u2003', '.', '\u00a0'];
    for (let n = 0; n < 200; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += alphabet[(n * 31 + i * 17 + ((n * i) % 7)) % alphabet.length];
      expect(countTokens(text)).toBe(text.split(/\s+/).filter(Boolean).length);
    }
  });

  it('counts N random words as N tokens, as the load generator expects', () => {
    const prompt = Array.from({ length: 1000 }, (_, i) => `tok${i}`).join(' ');
    expect(countTokens(prompt)).toBe(1000);
  });
});

describe('countChatTokens', () => {
  it('adds 3 tokens of template per message', () => {
    expect(countChatTokens(['a b', 'c'])).toBe(2 + 3 + 1 + 3);
    expect(countChatTokens([''])).toBe(3);
  });
});

describe('normalizeWhitespace', () => {
  it('collapses runs and trims', () => {
    expect(normalizeWhitespace('  a \n\n b\tc ')).toBe('a b c');
  });
});
