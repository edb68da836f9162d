import { describe, expect, it } from 'vitest';
import { SseParser, interpretEvent } from '../../../loadgen/sse.ts';
import type { SseItem } from '../../../loadgen/sse.ts';

const enc = new TextEncoder();

function parseAll(chunks: Uint8Array[]): SseItem[] {
  const p = new SseParser();
  const out: SseItem[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    parts.push(bytes.subarray(prev, c));
    prev = c;
  }
  parts.push(bytes.subarray(prev));
  return parts;
}

const STREAM =
  ': keep-alive\r\n\r\n' +
  'data: {"choices":[{"text":"héllo 🌍"}]}\r\n\r\n' +
  'data: {"choices":[{"text":" wörld","finish_reason":"length"}]}\n\n' +
  'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\r\n\r\n' +
  'data: [DONE]\n\n';

describe('SseParser', () => {
  it('frames events, skipping comments, over \\r\\n and \\n', () => {
    const items = parseAll([enc.encode(STREAM)]);
    expect(items.map((i) => (i.kind === 'event' ? i.data : i.line))).toEqual([
      '{"choices":[{"text":"héllo 🌍"}]}',
      '{"choices":[{"text":" wörld","finish_reason":"length"}]}',
      '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}',
      '[DONE]',
    ]);
  });

  it('gives the same events for a split at every byte boundary (mid-UTF-8 and mid-\\r\\n included)', () => {
    const bytes = enc.encode(STREAM);
    const whole = parseAll([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseAll(splitAt(bytes, [cut]))).toEqual(whole);
    }
    // And byte by byte.
    expect(parseAll(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(whole);
  });

  it('has no line-length limit: a 1 MB data line, fed in 1000-byte reads', () => {
    const big = 'x'.repeat(1024 * 1024);
    const bytes = enc.encode(`data: {"choices":[{"text":"${big}"}]}\n\ndata: [DONE]\n\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
    const items = parseAll(chunks);
    expect(items).toHaveLength(2);
    const first = items[0]!;
    expect(first.kind === 'event' && first.data.length).toBe(big.length + 25);
  });

  it('joins multi-line data, reads event:, ignores id:/retry:, treats a bare \\r as a line end', () => {
    const items = parseAll([enc.encode('id: 1\rretry: 10\revent: error\rdata: a\rdata: b\r\r')]);
    expect(items).toEqual([{ kind: 'event', event: 'error', data: 'a\nb' }]);
  });

  it('drops a leading byte-order mark, even one split across reads', () => {
    const bytes = enc.encode('\uFEFFdata: [DONE]\n\n');
    expect(parseAll(splitAt(bytes, [1, 2]))).toEqual([{ kind: 'event', event: 'message', data: '[DONE]' }]);
  });

  it('flushes a final event that lacks its blank line', () => {
    expect(parseAll([enc.encode('data: [DONE]')])).toEqual([{ kind: 'event', event: 'message', data: '[DONE]' }]);
  });

  it('reports a line that is not SSE', () => {
    const items = parseAll([enc.encode('{"choices": garbage}\n\n')]);
    expect(items).toEqual([{ kind: 'invalid', line: '{"choices": garbage}' }]);
  });
});

describe('interpretEvent', () => {
  const ev = (data: string, event = 'message') => interpretEvent({ kind: 'event', event, data });

  it('reads completion text, chat deltas, finish_reason and usage', () => {
    expect(ev('{"choices":[{"text":"a","finish_reason":null}]}')).toEqual({ kind: 'chunk', hasChoices: true, text: 'a', finishReason: null, usage: null });
    expect(ev('{"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]}')).toMatchObject({ hasChoices: true, text: 'b', finishReason: 'stop' });
    expect(ev('{"choices":[{"delta":{"role":"assistant"}}]}')).toMatchObject({ hasChoices: true, text: '' });
  });

  it('treats the usage-only final chunk as no token', () => {
    expect(ev('{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}')).toEqual({ kind: 'chunk', hasChoices: false, text: '', finishReason: null, usage: { promptTokens: 7, completionTokens: 3 } });
  });

  it('recognises [DONE], error events and garbage', () => {
    expect(ev('[DONE]')).toEqual({ kind: 'done' });
    expect(ev('{"error":{"message":"overloaded","code":500}}')).toEqual({ kind: 'stream_error', message: 'overloaded' });
    expect(ev('{"object":"error","message":"bad"}')).toEqual({ kind: 'stream_error', message: 'bad' });
    expect(ev('whatever', 'error')).toEqual({ kind: 'stream_error', message: 'whatever' });
    expect(ev('{"choices":[{"text":"a"')).toMatchObject({ kind: 'bad_response' });
    expect(ev('[1,2]')).toMatchObject({ kind: 'bad_response' });
  });
});
