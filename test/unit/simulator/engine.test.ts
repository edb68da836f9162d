import { describe, expect, it } from 'vitest';
import { Engine, TOKENS_PER_SLICE, type EngineParams, type SequenceSink } from '../../../simulator/engine.ts';
import { createRng } from '../../../simulator/hash.ts';
import { VirtualClock } from './helpers.ts';

const base: EngineParams = { ttft_base_ms: 10, ttft_per_prompt_token_ms: 1, itl_ms: 5, itl_jitter: 0, load_factor: 1, max_num_seqs: 2, max_waiting: 3, max_model_len: 100 };

interface Trace {
  admitted: number | null;
  tokens: number[];
  gaps: number[];
  done: boolean;
}

function recorder(): { sink: SequenceSink; trace: Trace } {
  const trace: Trace = { admitted: null, tokens: [], gaps: [], done: false };
  return {
    trace,
    sink: {
      onAdmit: (now) => {
        trace.admitted = now;
      },
      onToken: (index, last, now, gap) => {
        expect(index).toBe(trace.tokens.length);
        trace.tokens.push(now);
        if (index > 0) trace.gaps.push(gap);
        trace.done = last;
      },
    },
  };
}

function submit(engine: Engine, promptTokens: number, outputTokens: number) {
  const { sink, trace } = recorder();
  const slot = engine.submit({ promptTokens, outputTokens, rng: createRng(promptTokens), sink });
  return { slot, trace };
}

describe('Engine', () => {
  it('first token after ttft, then one every itl_ms', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    const { trace } = submit(engine, 20, 4);
    expect(trace.admitted).toBe(0);
    clock.advance(100);
    expect(trace.tokens).toEqual([30, 35, 40, 45]);
    expect(trace.done).toBe(true);
    expect(engine.running).toBe(0);
  });

  it('a tick with more tokens due than one slice yields to I/O once per slice and still serves them all on time', () => {
    const clock = new VirtualClock();
    let deferrals = 0;
    const defer = clock.defer.bind(clock);
    clock.defer = (callback) => {
      deferrals++;
      return defer(callback);
    };
    const engine = new Engine({ ...base, max_num_seqs: 100 }, clock);
    const n = TOKENS_PER_SLICE * 2 + 1;
    const traces = Array.from({ length: n }, () => submit(engine, 0, 2).trace);
    clock.advance(100);
    expect(deferrals).toBe(4); // the first and second tokens of all n: three slices each
    for (const trace of traces) expect(trace.tokens).toEqual([10, 15]);
    expect(engine.running).toBe(0);
  });

  it('runs at most max_num_seqs and queues the rest FIFO', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    const traces = [0, 1, 2, 3].map(() => submit(engine, 0, 2).trace);
    expect(engine.running).toBe(2);
    expect(engine.waiting).toBe(2);
    expect(traces.map((t) => t.admitted)).toEqual([0, 0, null, null]);
    clock.advance(15); // the first two finish at 15
    expect(traces.map((t) => t.admitted)).toEqual([0, 0, 15, 15]);
    clock.advance(100);
    expect(traces[2]?.tokens).toEqual([25, 30]);
    expect(engine.running).toBe(0);
    expect(engine.waiting).toBe(0);
  });

  it('refuses beyond max_waiting', () => {
    const engine = new Engine(base, new VirtualClock());
    const slots = Array.from({ length: 6 }, () => submit(engine, 0, 1).slot);
    expect(slots.map((s) => s !== null)).toEqual([true, true, true, true, true, false]);
  });

  it('a cancelled running sequence frees its slot for the next in line', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    const a = submit(engine, 0, 100);
    submit(engine, 0, 100);
    const c = submit(engine, 0, 1);
    clock.advance(12);
    expect(c.trace.admitted).toBeNull();
    if (a.slot === null) throw new Error('not admitted');
    engine.cancel(a.slot);
    expect(c.trace.admitted).toBe(12);
    const tokensBefore = a.trace.tokens.length;
    clock.advance(50);
    expect(a.trace.tokens.length).toBe(tokensBefore);
    expect(c.trace.done).toBe(true);
  });

  it('a cancelled waiting sequence is skipped', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    submit(engine, 0, 1);
    submit(engine, 0, 1);
    const waiting = submit(engine, 0, 1);
    const after = submit(engine, 0, 1);
    if (waiting.slot === null) throw new Error('not queued');
    engine.cancel(waiting.slot);
    expect(engine.waiting).toBe(1);
    clock.advance(100);
    expect(waiting.trace.admitted).toBeNull();
    expect(after.trace.done).toBe(true);
  });

  it('token gaps stretch with the batch (load_factor)', () => {
    const params = { ...base, load_factor: 3, max_num_seqs: 4 };
    const clock = new VirtualClock();
    const alone = new Engine(params, clock);
    const single = submit(alone, 0, 5).trace;
    clock.advance(200);
    const clock2 = new VirtualClock();
    const full = new Engine(params, clock2);
    const batch = [0, 1, 2, 3].map(() => submit(full, 0, 5).trace);
    clock2.advance(500);
    // 1 running: 5 × (1 + 2 × 1/4) = 7.5; 4 running: 5 × 3 = 15.
    expect(single.gaps[0]).toBeCloseTo(7.5);
    expect(batch[0]?.gaps[0]).toBeCloseTo(15);
  });

  it('tracks tokens held for the KV-cache gauge', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    submit(engine, 30, 3);
    expect(engine.tokensHeld).toBe(30);
    clock.advance(40); // first token at 40
    expect(engine.tokensHeld).toBe(31);
    clock.advance(100);
    expect(engine.tokensHeld).toBe(0);
    expect(engine.capacityTokens).toBe(200);
  });

  it('stop() drops everything and refuses new work', () => {
    const clock = new VirtualClock();
    const engine = new Engine(base, clock);
    const a = submit(engine, 0, 3);
    engine.stop();
    clock.advance(100);
    expect(a.trace.tokens).toEqual([]);
    expect(submit(engine, 0, 1).slot).toBeNull();
  });
});
