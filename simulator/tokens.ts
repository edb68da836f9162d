/**
 * The simulator's tokenizer: a token is a maximal run of non-whitespace characters,
 * so a client that sends N random words gets prompt_tokens = N exactly.
 */

/** Same whitespace set as the regex class \s, checked by code unit so counting allocates nothing. */
export function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 5760 ||
    (code >= 8192 && code <= 8202) ||
    code === 8232 ||
    code === 8233 ||
    code === 8239 ||
    code === 8287 ||
    code === 12288 ||
    code === 65279
  );
}

/** Equals text.split(/\s+/).filter(Boolean).length without building the array (hot path: every prompt). */
export function countTokens(text: string): number {
  let count = 0;
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Printable ASCII first: almost every character of a prompt.
    const space = code > 32 && code < 127 ? false : isSpace(code);
    if (!space && !inToken) count++;
    inToken = !space;
  }
  return count;
}

export function splitTokens(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Chat-template overhead per message, as a stand-in for role markers and separators. */
export const CHAT_TOKENS_PER_MESSAGE = 3;

export function countChatTokens(contents: readonly string[]): number {
  let total = 0;
  for (const content of contents) total += countTokens(content) + CHAT_TOKENS_PER_MESSAGE;
  return total;
}

/** Collapse whitespace runs to single spaces, so questions match prompts however they were wrapped. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
