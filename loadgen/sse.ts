/**
 * Incremental Server-Sent Events framing, pure (no I/O, no clock).
 *
 * Bytes go in as they arrive from the socket, complete events come out. It is
 * written for the pitfalls in load-generation.md §5/§7: no line-length limit
 * (an unterminated line is kept as a list of pieces, joined once), events and
 * even UTF-8 characters split across reads (a streaming decoder: node's
 * StringDecoder, several times cheaper per request than a TextDecoder), `\r\n`,
 * `\n` and bare `\r` line ends (a `\r` at the end of one read may pair with a
 * `\n` at the start of the next), and `:` keep-alive comments.
 */

import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  kind: 'event';
  /** The `event:` field; "message" when absent, as the SSE spec says. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/** A line that is neither a comment nor a known SSE field: the stream is not well-formed SSE. */
export interface SseInvalidLine {
  kind: 'invalid';
  /** The offending line, cut to 200 characters for error messages. */
  line: string;
}

export type SseItem = SseEvent | SseInvalidLine;

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = 0xfeff;

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private first = true;
  /** Pieces of the line not yet terminated; joined only when its end arrives. */
  private pending: string[] = [];
  /** The previous read ended with "\r": a "\n" first in the next read ends the same line. */
  private skipLeadingLf = false;
  private dataLines: string[] = [];
  private eventType = '';

  /** Feed the next bytes of the stream; returns the items completed by them. */
  push(chunk: Uint8Array): SseItem[] {
    const out: SseItem[] = [];
    this.feed(this.decoder.write(chunk), out);
    return out;
  }

  /** The stream ended: flush a last unterminated line and a last event without its blank line. */
  end(): SseItem[] {
    const out: SseItem[] = [];
    this.feed(this.decoder.end(), out);
    if (this.pending.length > 0) {
      const line = this.pending.join('');
      this.pending = [];
      this.line(line, out);
    }
    this.dispatch(out);
    return out;
  }

  private feed(text: string, out: SseItem[]): void {
    const n = text.length;
    if (n === 0) return;
    let start = 0;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === BOM) start = 1; // the SSE spec drops one leading byte-order mark
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(start) === LF) start += 1;
    }
    // Next "\n" and "\r" positions, each searched once per occurrence (linear in the text).
    let nextLf = text.indexOf('\n', start);
    let nextCr = text.indexOf('\r', start);
    while (nextLf !== -1 || nextCr !== -1) {
      const end = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      let line = text.slice(start, end);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
      }
      this.line(line, out);
      start = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (start === n) this.skipLeadingLf = true;
        else if (text.charCodeAt(start) === LF) start += 1;
      }
      if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf('\n', start);
      if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
    }
    if (start < n) this.pending.push(start === 0 ? text : text.slice(start));
  }

  private line(line: string, out: SseItem[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // comment: keep-alive pings such as ": ping"
    // Nearly every line of a token stream: skip slicing out the field name (a hot path per chunk).
    if (line.startsWith('data:')) {
      this.dataLines.push(line.charCodeAt(5) === SPACE ? line.slice(6) : line.slice(5));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        return;
      case 'event':
        this.eventType = value;
        return;
      case 'id':
      case 'retry':
        return;
      default:
        // The spec would ignore it; a benchmark client must not, or garbage would pass as a clean stream.
        out.push({ kind: 'invalid', line: line.length > 200 ? `${line.slice(0, 200)}…` : line });
    }
  }

  private dispatch(out: SseItem[]): void {
    if (this.dataLines.length > 0) {
      out.push({ kind: 'event', event: this.eventType === '' ? 'message' : this.eventType, data: this.dataLines.length === 1 ? this.dataLines[0]! : this.dataLines.join('\n') });
    }
    this.dataLines.length = 0; // reused: one fewer array per event
    this.eventType = '';
  }
}

/** What one SSE event of an OpenAI-compatible stream means. */
export type StreamMessage =
  | { kind: 'done' }
  | { kind: 'stream_error'; message: string }
  | { kind: 'bad_response'; message: string }
  | {
      kind: 'chunk';
      /** A non-empty `choices` array: vLLM's token-bearing message (its text may be empty). */
      hasChoices: boolean;
      text: string;
      finishReason: string | null;
      usage: { promptTokens: number | null; completionTokens: number | null } | null;
    };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cut(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function errorMessage(error: unknown, whole: string): string {
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return cut(whole);
}

function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Interpret one event of a `/v1/completions` or `/v1/chat/completions` stream. */
export function interpretEvent(ev: SseEvent): StreamMessage {
  if (ev.event === 'error') return { kind: 'stream_error', message: cut(ev.data) };
  if (ev.data.trim() === '[DONE]') return { kind: 'done' };
  let body: unknown;
  try {
    body = JSON.parse(ev.data);
  } catch (err) {
    return { kind: 'bad_response', message: `malformed JSON in SSE data (${(err as Error).message}): ${cut(ev.data, 120)}` };
  }
  if (!isRecord(body)) return { kind: 'bad_response', message: `SSE data is not a JSON object: ${cut(ev.data, 120)}` };
  // vLLM sends {"error": {...}} mid-stream; its ErrorResponse shape is {"object": "error", "message": ...}.
  if (body.error !== undefined && body.error !== null) return { kind: 'stream_error', message: errorMessage(body.error, ev.data) };
  if (body.object === 'error') return { kind: 'stream_error', message: errorMessage(body, ev.data) };
  const choices = body.choices;
  let hasChoices = false;
  let text = '';
  let finishReason: string | null = null;
  if (Array.isArray(choices) && choices.length > 0) {
    hasChoices = true;
    const first: unknown = choices[0];
    if (isRecord(first)) {
      if (typeof first.text === 'string') text = first.text;
      else if (isRecord(first.delta) && typeof first.delta.content === 'string') text = first.delta.content;
      if (typeof first.finish_reason === 'string') finishReason = first.finish_reason;
    }
  }
  const usage = isRecord(body.usage) ? { promptTokens: tokenCount(body.usage.prompt_tokens), completionTokens: tokenCount(body.usage.completion_tokens) } : null;
  return { kind: 'chunk', hasChoices, text, finishReason, usage };
}
