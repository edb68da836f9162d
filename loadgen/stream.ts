import { assertExhaustive } from '../common/errors.ts';
import type { RequestError } from './record.ts';
import { SseParser, interpretEvent } from './sse.ts';

/**
 * The per-request state of one streamed response, fed with bytes and the time
 * they arrived. Pure apart from the timestamps it is given, so the timing rules
 * (vLLM's, load-generation.md §1) are tested without a network:
 * - TTFT: the first message with a non-empty `choices` array, even if its text is empty;
 * - every such message is a chunk (ITL = gaps between them);
 * - E2EL ends at the last such message, not at the usage-only tail or [DONE].
 */
export class StreamCollector {
  private readonly parser = new SseParser();
  private readonly keepText: boolean;
  private readonly textParts: string[] = [];
  firstTokenMs: number | null = null;
  endMs: number | null = null;
  readonly chunkMs: number[] = [];
  promptTokens: number | null = null;
  completionTokens: number | null = null;
  finishReason: string | null = null;
  /** [DONE] seen: the stream ended the way it should. */
  done = false;
  /** The first thing that went wrong; once set, the rest of the stream is ignored. */
  error: RequestError | null = null;
  private bytes = 0;
  private events = 0;

  constructor(keepText: boolean) {
    this.keepText = keepText;
  }

  get text(): string {
    return this.textParts.join('');
  }

  /** True once nothing more can change the outcome: [DONE] or an error. */
  get settled(): boolean {
    return this.done || this.error !== null;
  }

  /** Bytes that arrived at time tMs (all events in one read share its arrival time). */
  push(chunk: Uint8Array, tMs: number): void {
    if (this.settled) return;
    this.bytes += chunk.length;
    for (const item of this.parser.push(chunk)) {
      this.apply(item, tMs);
      if (this.settled) return;
    }
  }

  /** The response body ended; decide how the stream finished. */
  end(tMs: number): void {
    if (this.settled) return;
    for (const item of this.parser.end()) {
      this.apply(item, tMs);
      if (this.settled) return;
    }
    if (this.events === 0 && this.bytes > 0) this.error = { kind: 'bad_response', message: 'response body is not an SSE stream (no data events)' };
    else this.error = { kind: 'closed', message: `stream ended before [DONE] after ${this.chunkMs.length} token chunks` };
  }

  private apply(item: ReturnType<SseParser['push']>[number], tMs: number): void {
    if (item.kind === 'invalid') {
      this.error = { kind: 'bad_response', message: `not an SSE line: ${item.line}` };
      return;
    }
    this.events += 1;
    const msg = interpretEvent(item);
    switch (msg.kind) {
      case 'done':
        if (this.firstTokenMs === null) this.error = { kind: 'bad_response', message: 'stream reached [DONE] without any token-bearing message' };
        else this.done = true;
        return;
      case 'stream_error':
        this.error = { kind: 'stream_error', message: msg.message };
        return;
      case 'bad_response':
        this.error = { kind: 'bad_response', message: msg.message };
        return;
      case 'chunk':
        if (msg.hasChoices) {
          if (this.firstTokenMs === null) this.firstTokenMs = tMs;
          this.chunkMs.push(tMs);
          this.endMs = tMs;
          if (this.keepText && msg.text.length > 0) this.textParts.push(msg.text);
          if (msg.finishReason !== null) this.finishReason = msg.finishReason;
        }
        if (msg.usage !== null) {
          if (msg.usage.promptTokens !== null) this.promptTokens = msg.usage.promptTokens;
          if (msg.usage.completionTokens !== null) this.completionTokens = msg.usage.completionTokens;
        }
        return;
      default:
        assertExhaustive(msg);
    }
  }
}
