/**
 * A reply planned up front: how many tokens, why it ends, and each token's text on demand.
 * Filler tokens are computed from a hash when written, so a 4k-token reply costs no array.
 */
import { hash2 } from './hash.ts';
import { splitTokens } from './tokens.ts';
import { FILLER_MASK, FILLER_WORDS } from './words.ts';

export type FinishReason = 'stop' | 'length';

export interface ReplyPlanInput {
  /** What the model "wants" to say; null for an unknown prompt (filler of naturalLength tokens). */
  text: string | null;
  /** Tokens of filler when text is null. */
  fillerLength: number;
  /** Picks the filler words. */
  fillerSeed: number;
  maxTokens: number;
  ignoreEos: boolean;
  stop: readonly string[];
}

export class Reply {
  /** Completion tokens, at least 1. */
  readonly count: number;
  readonly finishReason: FinishReason;
  /** The stop string that ended it, as vLLM reports in stop_reason. */
  readonly stopReason: string | null;
  private readonly words: readonly string[];
  private readonly fillerSeed: number;
  /** Text of the last token when a stop string cut it short. */
  private readonly lastText: string | null;

  constructor(fields: { count: number; finishReason: FinishReason; stopReason: string | null; words: readonly string[]; fillerSeed: number; lastText: string | null }) {
    this.count = fields.count;
    this.finishReason = fields.finishReason;
    this.stopReason = fields.stopReason;
    this.words = fields.words;
    this.fillerSeed = fields.fillerSeed;
    this.lastText = fields.lastText;
  }

  /** Token i as streamed: a leading space before every token but the first. */
  tokenText(i: number): string {
    if (i === this.count - 1 && this.lastText !== null) return this.lastText;
    const word = i < this.words.length ? (this.words[i] ?? '') : fillerWord(this.fillerSeed, i);
    return i === 0 ? word : ` ${word}`;
  }

  text(): string {
    let out = '';
    for (let i = 0; i < this.count; i++) out += this.tokenText(i);
    return out;
  }
}

export function fillerWord(seed: number, i: number): string {
  return FILLER_WORDS[hash2(seed, i) & FILLER_MASK] ?? 'the';
}

export function planReply(input: ReplyPlanInput): Reply {
  const words = input.text === null ? [] : splitTokens(input.text);
  // An empty answer still produces one token, as a model always emits at least EOS.
  const natural = input.text === null ? input.fillerLength : Math.max(1, words.length);
  const count = input.ignoreEos ? input.maxTokens : Math.min(natural, input.maxTokens);
  const finishReason: FinishReason = input.ignoreEos || natural > input.maxTokens ? 'length' : 'stop';
  const draft = new Reply({ count, finishReason, stopReason: null, words, fillerSeed: input.fillerSeed, lastText: null });
  return input.stop.length === 0 ? draft : applyStop(draft, words, input.fillerSeed, input.stop);
}

/**
 * vLLM semantics: the token in which a stop string completes is counted, the text is cut
 * before the stop string, and finish_reason is "stop".
 */
function applyStop(draft: Reply, words: readonly string[], fillerSeed: number, stop: readonly string[]): Reply {
  const longest = Math.max(...stop.map((s) => s.length));
  let text = '';
  for (let i = 0; i < draft.count; i++) {
    const before = text.length;
    const token = draft.tokenText(i);
    text += token;
    const from = Math.max(0, before - longest + 1);
    let cut = -1;
    let reason: string | null = null;
    for (const s of stop) {
      if (s.length === 0) continue;
      const at = text.indexOf(s, from);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        reason = s;
      }
    }
    if (cut >= 0) {
      // A stop string straddling tokens also trims text already streamed; keep the cut to this token.
      const lastText = cut >= before ? text.slice(before, cut) : '';
      return new Reply({ count: i + 1, finishReason: 'stop', stopReason: reason, words, fillerSeed, lastText });
    }
  }
  return draft;
}
