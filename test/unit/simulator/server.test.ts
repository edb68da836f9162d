import { describe, expect, it } from 'vitest';
import { SIMULATED_VLLM_VERSION, SIMULATOR_PATHS as P } from '../../../simulator/constants.ts';
import { VLLM_METRICS } from '../../../simulator/metrics.ts';
import type { ServerRequestRecord } from '../../../simulator/records.ts';
import { jsonEvents, metricValue, MODEL, post, readSse, startTestSim, words } from './helpers.ts';

interface Choice {
  index: number;
  text?: string;
  delta?: { role?: string; content?: string };
  message?: { role: string; content: string };
  logprobs: null;
  finish_reason: string | null;
  stop_reason?: string | null;
}
interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Choice[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const asChunks = (events: Awaited<ReturnType<typeof readSse>>): Chunk[] => jsonEvents(events) as unknown as Chunk[];

describe('info endpoints', () => {
  it('health, version, models and unknown paths', async () => {
    const sim = await startTestSim({ max_model_len: 4096 });
    const health = await fetch(`${sim.url}${P.health}`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
    expect(await (await fetch(`${sim.url}${P.version}`)).json()).toEqual({ version: SIMULATED_VLLM_VERSION });
    const models = (await (await fetch(`${sim.url}${P.models}`)).json()) as { object: string; data: Record<string, unknown>[] };
    expect(models.object).toBe('list');
    expect(models.data[0]).toMatchObject({ id: MODEL, object: 'model', owned_by: 'vllm', root: MODEL, max_model_len: 4096 });
    expect(typeof models.data[0]?.created).toBe('number');
    const missing = await fetch(`${sim.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not Found' });
  });
});

describe('POST /v1/completions', () => {
  it('streams one token per chunk, then usage and [DONE], shaped like vLLM', async () => {
    const sim = await startTestSim();
    const res = await post(sim, P.completions, { model: MODEL, prompt: words(37), max_tokens: 5, ignore_eos: true, stream: true, stream_options: { include_usage: true } }, { 'x-request-id': 'req-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await readSse(res);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = asChunks(events);
    expect(chunks).toHaveLength(6);
    const tokens = chunks.slice(0, 5);
    for (const chunk of tokens) {
      expect(chunk).toMatchObject({ id: 'cmpl-req-1', object: 'text_completion', model: MODEL });
      expect(Object.keys(chunk.choices[0] ?? {})).toEqual(['index', 'text', 'logprobs', 'finish_reason', 'stop_reason']);
    }
    expect(tokens.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, null, null, 'length']);
    const text = tokens.map((c) => c.choices[0]?.text ?? '').join('');
    expect(text.split(/\s+/).filter(Boolean)).toHaveLength(5);
    expect(tokens[0]?.choices[0]?.text).not.toMatch(/^\s/);
    expect(tokens[1]?.choices[0]?.text).toMatch(/^ \S+$/);
    expect(chunks[5]).toMatchObject({ id: 'cmpl-req-1', choices: [], usage: { prompt_tokens: 37, completion_tokens: 5, total_tokens: 42 } });
  });

  it('without include_usage there is no usage chunk', async () => {
    const sim = await startTestSim();
    const chunks = asChunks(await readSse(await post(sim, P.completions, { prompt: 'a b c', max_tokens: 3, ignore_eos: true, stream: true })));
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });

  it('continuous_usage_stats puts usage on every chunk', async () => {
    const sim = await startTestSim();
    const chunks = asChunks(await readSse(await post(sim, P.completions, { prompt: 'a b c', max_tokens: 3, ignore_eos: true, stream: true, stream_options: { continuous_usage_stats: true } })));
    expect(chunks.map((c) => c.usage?.completion_tokens)).toEqual([1, 2, 3]);
  });

  it('non-streaming returns one body with text and usage', async () => {
    const sim = await startTestSim();
    const res = await post(sim, P.completions, { prompt: words(12), max_tokens: 4, ignore_eos: true });
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Chunk;
    expect(body).toMatchObject({ object: 'text_completion', model: MODEL, usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } });
    expect(body.id).toMatch(/^cmpl-[0-9a-f]{32}$/);
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect((body.choices[0]?.text ?? '').split(' ')).toHaveLength(4);
  });

  it('without ignore_eos an unknown prompt stops after default_output_tokens', async () => {
    const sim = await startTestSim({ default_output_tokens: 6 });
    const body = (await (await post(sim, P.completions, { prompt: 'hello', max_tokens: 50 })).json()) as Chunk;
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage?.completion_tokens).toBe(6);
  });

  it('max_tokens defaults to 16 as in vLLM', async () => {
    const sim = await startTestSim();
    const body = (await (await post(sim, P.completions, { prompt: 'hello', ignore_eos: true })).json()) as Chunk;
    expect(body.usage?.completion_tokens).toBe(16);
  });

  it('honours stop strings', async () => {
    const sim = await startTestSim({ default_output_tokens: 40 });
    const full = (await (await post(sim, P.completions, { prompt: 'x', max_tokens: 40, seed: 1 })).json()) as Chunk;
    const text = full.choices[0]?.text ?? '';
    const stopWord = text.split(' ')[3] ?? '';
    const cut = (await (await post(sim, P.completions, { prompt: 'x', max_tokens: 40, seed: 1, stop: [` ${stopWord}`] })).json()) as Chunk;
    expect(cut.choices[0]?.finish_reason).toBe('stop');
    expect(cut.choices[0]?.stop_reason).toBe(` ${stopWord}`);
    expect(text.startsWith(cut.choices[0]?.text ?? '?')).toBe(true);
    expect(cut.choices[0]?.text).not.toContain(` ${stopWord}`);
  });

  it('greedy requests repeat themselves; sampled ones vary with the seed', async () => {
    const sim = await startTestSim({ default_output_tokens: 12 });
    const text = async (body: Record<string, unknown>, id: string) =>
      ((await (await post(sim, P.completions, { prompt: 'same prompt', max_tokens: 50, ...body }, { 'x-request-id': id })).json()) as Chunk).choices[0]?.text;
    expect(await text({ temperature: 0 }, 'a')).toBe(await text({ temperature: 0 }, 'b'));
    expect(await text({ temperature: 1, seed: 1 }, 'a')).toBe(await text({ temperature: 1, seed: 1 }, 'b'));
    expect(await text({ temperature: 1, seed: 1 }, 'a')).not.toBe(await text({ temperature: 1, seed: 2 }, 'a'));
  });

  it('sends headers before the first token (TTFB < TTFT)', async () => {
    const sim = await startTestSim({ ttft_base_ms: 150 });
    const sent = performance.now();
    const res = await post(sim, P.completions, { prompt: 'a', max_tokens: 1, stream: true });
    const headersAt = performance.now();
    const events = await readSse(res);
    const firstTokenAt = events[0]?.atMs ?? 0;
    expect(firstTokenAt - sent).toBeGreaterThanOrEqual(145);
    expect(firstTokenAt - headersAt).toBeGreaterThan(30);
  });
});

describe('POST /v1/chat/completions', () => {
  const messages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: words(10) },
  ];

  it('streams a role delta first, then content deltas, usage and [DONE]', async () => {
    const sim = await startTestSim();
    const events = await readSse(await post(sim, P.chat, { messages, max_completion_tokens: 3, ignore_eos: true, stream: true, stream_options: { include_usage: true } }, { 'x-request-id': 'c1' }));
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = asChunks(events);
    expect(chunks.every((c) => c.id === 'chatcmpl-c1' && c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.slice(1, 4);
    expect(content.map((c) => Object.keys(c.choices[0]?.delta ?? {}))).toEqual([['content'], ['content'], ['content']]);
    expect(content.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, 'length']);
    // 2 + 10 words, plus 3 template tokens per message.
    expect(chunks[4]).toMatchObject({ choices: [], usage: { prompt_tokens: 18, completion_tokens: 3, total_tokens: 21 } });
  });

  it('non-streaming returns an assistant message', async () => {
    const sim = await startTestSim();
    const body = (await (await post(sim, P.chat, { messages, max_tokens: 2, ignore_eos: true })).json()) as Chunk;
    expect(body.object).toBe('chat.completion');
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices[0]?.message?.role).toBe('assistant');
    expect(body.choices[0]?.message?.content.split(' ')).toHaveLength(2);
    expect(body.usage).toEqual({ prompt_tokens: 18, completion_tokens: 2, total_tokens: 20, prompt_tokens_details: null });
  });

  it('accepts content as a list of text parts', async () => {
    const sim = await startTestSim();
    const body = (await (await post(sim, P.chat, { messages: [{ role: 'user', content: [{ type: 'text', text: 'a b' }] }], max_tokens: 1 })).json()) as Chunk;
    expect(body.usage?.prompt_tokens).toBe(5);
  });
});

describe('bad requests', () => {
  it.each([
    ['missing prompt', P.completions, { max_tokens: 3 }, 400],
    ['empty prompt', P.completions, { prompt: '   ' }, 400],
    ['missing messages', P.chat, { max_tokens: 3 }, 400],
    ['empty messages', P.chat, { messages: [] }, 400],
    ['prompt longer than max_model_len', P.completions, { prompt: words(70), max_tokens: 1 }, 400],
    ['max_tokens beyond the context', P.completions, { prompt: words(10), max_tokens: 60 }, 400],
    ['max_tokens below 1', P.completions, { prompt: 'a', max_tokens: 0 }, 400],
    ['n > 1', P.completions, { prompt: 'a', n: 2 }, 400],
    ['another model', P.completions, { prompt: 'a', model: 'other' }, 404],
  ])('%s', async (_name, path, body, status) => {
    const sim = await startTestSim({ max_model_len: 64 });
    const res = await post(sim, path, body);
    expect(res.status).toBe(status);
    const error = ((await res.json()) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ code: status, type: status === 400 ? 'BadRequestError' : 'NotFoundError' });
    expect(typeof error.message).toBe('string');
    expect(sim.requests()[0]?.status).toBe(status);
  });

  it('invalid JSON is a 400', async () => {
    const sim = await startTestSim();
    const res = await fetch(`${sim.url}${P.completions}`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
  });
});

describe('request records', () => {
  it('records server-side timing in epoch milliseconds', async () => {
    const sim = await startTestSim({ ttft_base_ms: 30, itl_ms: 5 });
    const before = performance.timeOrigin + performance.now();
    await readSse(await post(sim, P.completions, { prompt: words(20), max_tokens: 4, ignore_eos: true, stream: true }, { 'x-request-id': 'rec-1' }));
    const after = performance.timeOrigin + performance.now();
    const [record] = sim.requests();
    if (record === undefined) throw new Error('no record');
    expect(record).toMatchObject({ id: 'rec-1', endpoint: 'completions', promptTokens: 20, completionTokens: 4, finishReason: 'length', status: 200, answer: null, benchmark: null });
    const { arrivalMs, admittedMs, firstTokenMs, endMs } = record;
    if (admittedMs === null || firstTokenMs === null || endMs === null) throw new Error('missing times');
    expect(arrivalMs).toBeGreaterThanOrEqual(before);
    expect(admittedMs).toBeGreaterThanOrEqual(arrivalMs);
    expect(firstTokenMs - admittedMs).toBeGreaterThanOrEqual(29);
    // Prefill then three 5 ms gaps. A late token does not push the schedule back, so bound from admission.
    expect(endMs - admittedMs).toBeGreaterThanOrEqual(30 + 3 * 5 - 2);
    expect(endMs).toBeGreaterThan(firstTokenMs);
    expect(endMs).toBeLessThanOrEqual(after);
  });

  it('/admin/requests lists them and /admin/reset-requests clears them', async () => {
    const sim = await startTestSim();
    await post(sim, P.completions, { prompt: 'a', max_tokens: 1 });
    await post(sim, P.chat, { messages: [{ role: 'user', content: 'a' }], max_tokens: 1 });
    const listed = (await (await fetch(`${sim.url}${P.adminRequests}`)).json()) as { requests: ServerRequestRecord[] };
    expect(listed.requests.map((r) => r.endpoint)).toEqual(['completions', 'chat']);
    expect(await (await post(sim, P.adminResetRequests, {})).json()).toEqual({ cleared: 2 });
    expect(sim.requests()).toEqual([]);
  });

  it('a client that goes away frees its slot and is recorded as abort', async () => {
    const sim = await startTestSim({ itl_ms: 20, max_num_seqs: 1 });
    const res = await post(sim, P.completions, { prompt: 'a', max_tokens: 1000, ignore_eos: true, stream: true });
    await res.body?.cancel();
    await expect.poll(() => sim.requests()[0]?.finishReason).toBe('abort');
    expect(sim.stats().running).toBe(0);
    const next = (await (await post(sim, P.completions, { prompt: 'a', max_tokens: 1 })).json()) as Chunk;
    expect(next.usage?.completion_tokens).toBe(1);
  });
});

describe('latency and batching', () => {
  it('TTFT grows with prompt length', async () => {
    const sim = await startTestSim({ ttft_base_ms: 10, ttft_per_prompt_token_ms: 0.1, max_model_len: 8192 });
    const ttft = async (n: number): Promise<number> => {
      const sent = performance.now();
      const events = await readSse(await post(sim, P.completions, { prompt: words(n), max_tokens: 1, stream: true }));
      return (events[0]?.atMs ?? 0) - sent;
    };
    await ttft(10);
    // 10 + 0.1 × 2000 ms; timers may fire late on a busy machine, never early (beyond half a millisecond).
    expect(await ttft(2000)).toBeGreaterThanOrEqual(209);
    const [a, b] = sim.requests();
    const serverTtft = (r: ServerRequestRecord | undefined) => (r?.firstTokenMs ?? 0) - (r?.admittedMs ?? 0);
    expect(serverTtft(a)).toBeGreaterThanOrEqual(10.5);
    expect(serverTtft(b)).toBeGreaterThanOrEqual(209.5);
    expect(serverTtft(b) - serverTtft(a)).toBeGreaterThan(100);
  });

  it('token gaps average itl_ms at batch 1', async () => {
    const sim = await startTestSim({ itl_ms: 10, itl_jitter: 0.1, load_factor: 1 });
    const events = await readSse(await post(sim, P.completions, { prompt: 'a', max_tokens: 30, ignore_eos: true, stream: true }));
    const times = events.slice(0, 30).map((e) => e.atMs);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(7);
    expect(median).toBeLessThan(13);
    // The schedule never runs ahead, so the mean cannot be short (a stalled machine only makes it longer).
    expect(((times.at(-1) ?? 0) - (times[0] ?? 0)) / 29).toBeGreaterThan(8.5);
  });

  it('with max_num_seqs 2, later requests wait their turn', async () => {
    const sim = await startTestSim({ max_num_seqs: 2, ttft_base_ms: 10, itl_ms: 10, load_factor: 1 });
    // Waves of about 300 ms leave time to look at the queue on a busy machine.
    const pending = Array.from({ length: 6 }, (_, i) => post(sim, P.completions, { prompt: 'a b', max_tokens: 30, ignore_eos: true, stream: true }, { 'x-request-id': `b${i}` }).then(readSse));
    await expect.poll(() => sim.stats().waiting).toBe(4);
    const metrics = await (await fetch(`${sim.url}${P.metrics}`)).text();
    expect(metricValue(metrics, VLLM_METRICS.running)).toBe(2);
    expect(metricValue(metrics, VLLM_METRICS.waiting)).toBe(4);
    expect(metricValue(metrics, VLLM_METRICS.kvCacheUsage)).toBeGreaterThan(0);
    await Promise.all(pending);
    const records = sim.requests();
    const byAdmission = [...records].sort((x, y) => (x.admittedMs ?? 0) - (y.admittedMs ?? 0));
    // Each wave of two starts when the previous wave ends.
    for (let i = 2; i < 6; i++) {
      const started = byAdmission[i]?.admittedMs ?? 0;
      const ended = byAdmission.slice(0, i - 1).map((r) => r.endMs ?? 0);
      expect(started).toBeGreaterThanOrEqual(Math.min(...ended) - 1);
    }
    const queued = records.filter((r) => (r.admittedMs ?? 0) - r.arrivalMs > 50);
    expect(queued.length).toBeGreaterThanOrEqual(4);
    const after = await (await fetch(`${sim.url}${P.metrics}`)).text();
    expect(metricValue(after, VLLM_METRICS.running)).toBe(0);
    expect(metricValue(after, VLLM_METRICS.waiting)).toBe(0);
  });

  it('answers 503 once the waiting queue is full', async () => {
    const sim = await startTestSim({ max_num_seqs: 1, max_waiting: 1, itl_ms: 10 });
    const body = { prompt: 'a', max_tokens: 20, ignore_eos: true, stream: true };
    const first = await post(sim, P.completions, body);
    const second = post(sim, P.completions, body);
    await expect.poll(() => sim.stats().waiting).toBe(1);
    const third = await post(sim, P.completions, body);
    expect(third.status).toBe(503);
    await Promise.all([readSse(first), second.then(readSse)]);
  });
});

describe('GET /metrics', () => {
  it('exposes vLLM metric names labelled with model_name', async () => {
    const sim = await startTestSim();
    await readSse(await post(sim, P.completions, { prompt: words(7), max_tokens: 3, ignore_eos: true, stream: true }));
    await post(sim, P.chat, { messages: [{ role: 'user', content: 'a' }], max_tokens: 2, ignore_eos: true });
    const res = await fetch(`${sim.url}${P.metrics}`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const label = `model_name="${MODEL}"`;
    for (const name of [VLLM_METRICS.running, VLLM_METRICS.waiting, VLLM_METRICS.kvCacheUsage, VLLM_METRICS.gpuCacheUsage]) {
      expect(text).toContain(`# TYPE ${name} gauge`);
      expect(metricValue(text, name, label)).toBe(0);
    }
    for (const name of [VLLM_METRICS.ttft, VLLM_METRICS.e2e, VLLM_METRICS.itl, VLLM_METRICS.queueTime]) {
      expect(text).toContain(`# TYPE ${name} histogram`);
      expect(text).toContain(`${name}_bucket{le="+Inf",${label}}`);
    }
    expect(metricValue(text, `${VLLM_METRICS.ttft}_count`, label)).toBe(2);
    expect(metricValue(text, `${VLLM_METRICS.itl}_count`, label)).toBe(3);
    expect(metricValue(text, VLLM_METRICS.promptTokens, label)).toBe(7 + 4);
    expect(metricValue(text, VLLM_METRICS.generationTokens, label)).toBe(5);
    expect(metricValue(text, VLLM_METRICS.requestSuccess, 'finished_reason="length"')).toBe(2);
    expect(metricValue(text, VLLM_METRICS.requestSuccess, 'finished_reason="stop"')).toBe(0);
  });
});

describe('admin endpoints', () => {
  it('rejects bad bodies', async () => {
    const sim = await startTestSim();
    expect((await post(sim, P.adminFaults, { error_rate: 2 })).status).toBe(400);
    expect((await post(sim, P.adminFaults, { typo: 1 })).status).toBe(400);
    expect((await post(sim, P.adminAnswers, { answers: [{ question: 'q' }] })).status).toBe(400);
  });

  it('a faults patch changes only the fields it names', async () => {
    const sim = await startTestSim({ faults: { error_rate: 0, garbage_rate: 0.5, stream_error_rate: 0, crash_after_requests: null, hang_after_requests: null } });
    const res = await post(sim, P.adminFaults, { error_rate: 0.25 });
    expect(await res.json()).toEqual({ faults: { error_rate: 0.25, garbage_rate: 0.5, stream_error_rate: 0, crash_after_requests: null, hang_after_requests: null } });
  });
});
