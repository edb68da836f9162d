import { describe, expect, it } from 'vitest';
import { StreamCollector } from '../../../loadgen/stream.ts';

const enc = new TextEncoder();
const data = (o: unknown) => enc.encode(`data: ${typeof o === 'string' ? o : JSON.stringify(o)}\n\n`);

describe('StreamCollector (vLLM timing rules)', () => {
  it('TTFT at the first message with choices (even empty text), end at the last one, usage-only tail ignored', () => {
    const c = new StreamCollector(true);
    c.push(enc.encode(': ping\n\n'), 1);
    c.push(data({ choices: [{ text: '' }] }), 10);
    c.push(data({ choices: [{ text: 'a' }] }), 20);
    c.push(data({ choices: [{ text: 'b', finish_reason: 'length' }] }), 30);
    c.push(data({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3 } }), 40);
    expect(c.settled).toBe(false);
    c.push(data('[DONE]'), 50);
    expect(c).toMatchObject({ firstTokenMs: 10, endMs: 30, chunkMs: [10, 20, 30], promptTokens: 4, completionTokens: 3, finishReason: 'length', done: true, error: null, text: 'ab' });
  });

  it('events in one read share its arrival time', () => {
    const c = new StreamCollector(false);
    c.push(enc.encode('data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[{"text":"b"}]}\n\n'), 7);
    expect(c.chunkMs).toEqual([7, 7]);
    expect(c.text).toBe('');
  });

  it.each([
    { name: 'error event mid-stream', body: 'data: {"choices":[{"text":"a"}]}\n\ndata: {"error":{"message":"engine dead"}}\n\n', kind: 'stream_error', message: 'engine dead' },
    { name: 'malformed JSON', body: 'data: {"choices":[{"text":"a"}]}\n\ndata: {"choices": [\n\n', kind: 'bad_response', message: 'malformed JSON' },
    { name: 'a non-SSE line', body: 'hello world\n\n', kind: 'bad_response', message: 'not an SSE line' },
    { name: 'closed before [DONE]', body: 'data: {"choices":[{"text":"a"}]}\n\n', kind: 'closed', message: 'before [DONE]' },
    { name: 'a JSON body instead of SSE', body: '{"choices":[{"text":"a"}]}', kind: 'bad_response', message: 'not an SSE line' },
    { name: '[DONE] without tokens', body: 'data: [DONE]\n\n', kind: 'bad_response', message: 'without any token' },
    { name: 'empty body', body: '', kind: 'closed', message: 'before [DONE]' },
  ])('$name → $kind', ({ body, kind, message }) => {
    const c = new StreamCollector(false);
    c.push(enc.encode(body), 1);
    c.end(2);
    expect(c.error?.kind).toBe(kind);
    expect(c.error?.message).toContain(message);
    expect(c.done).toBe(false);
  });

  it('ignores everything after it settles', () => {
    const c = new StreamCollector(false);
    c.push(data({ choices: [{ text: 'a' }] }), 1);
    c.push(data('[DONE]'), 2);
    c.push(data({ choices: [{ text: 'b' }] }), 3);
    c.end(4);
    expect(c).toMatchObject({ done: true, error: null, chunkMs: [1] });
  });
});
