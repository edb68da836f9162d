/**
 * Continuous batching: at most max_num_seqs sequences decode at once, the rest wait FIFO.
 * One timer serves every sequence whose next token is due, so the cost per token is a heap
 * operation and a callback, with no timer or closure per token.
 */
import type { SimulatorOptions } from '../configs/schema/simulator.ts';
import type { Rng } from './hash.ts';
import { sampleItlMs, ttftMs, type LatencyParams } from './latency-model.ts';
import { MinHeap } from './min-heap.ts';
import { Fifo } from './fifo.ts';

export type EngineParams = LatencyParams & Pick<SimulatorOptions, 'max_waiting' | 'max_model_len'>;

/** What a sequence's owner hears. Times are on the engine clock (performance.now() in production). */
export interface SequenceSink {
  onAdmit(nowMs: number): void;
  /** Token `index` (0-based) is due now; `last` is true for the final one, after which the slot is free. */
  onToken(index: number, last: boolean, nowMs: number, gapMs: number): void;
}

export interface SequenceSpec {
  promptTokens: number;
  /** At least 1. */
  outputTokens: number;
  /** Seeded per request, so token gaps are reproducible. */
  rng: Rng;
  sink: SequenceSink;
}

export interface Cancelable {
  close(): void;
}

/** The engine's only view of time, so tests can drive it with a virtual clock. */
export interface EngineClock {
  now(): number;
  schedule(callback: () => void, delayMs: number): Cancelable;
  /** Runs callback once pending I/O has been handled, with no timer delay. */
  defer(callback: () => void): Cancelable;
}

export const realClock: EngineClock = {
  now: () => performance.now(),
  schedule: (callback, delayMs) => setTimeout(callback, delayMs),
  defer: (callback) => {
    const immediate = setImmediate(callback);
    return { close: () => clearImmediate(immediate) };
  },
};

/**
 * Tokens due within this many ms are served in the current tick. Node timers fire on whole
 * milliseconds, so serving slightly early balances firing slightly late.
 */
export const TICK_SLACK_MS = 0.5;

/**
 * Tokens one tick writes before it yields to I/O (the rest follow at once, after pending
 * socket reads). A request that arrives while a tick writes is read, and its arrival stamped,
 * only when the tick yields; that unseen wait would count as client overhead. 256 streams at
 * 20 ms ITL are ~13 tokens a tick, and ~50 after a late timer (~1.2 ms of writes).
 */
export const TOKENS_PER_SLICE = 8;

type SlotState = 'waiting' | 'running' | 'done';

/** One sequence's scheduling state; callers hold it as an opaque handle. */
export class Slot {
  readonly spec: SequenceSpec;
  state: SlotState = 'waiting';
  emitted = 0;
  dueMs = 0;
  lastTokenMs = 0;

  constructor(spec: SequenceSpec) {
    this.spec = spec;
  }
}

export class Engine {
  private readonly params: EngineParams;
  private readonly clock: EngineClock;
  private readonly heap = new MinHeap<Slot>((slot) => slot.dueMs);
  private readonly queue = new Fifo<Slot>();
  private waitingCount = 0;
  private runningCount = 0;
  private held = 0;
  private timer: Cancelable | null = null;
  /** The rest of a tick that yielded to I/O; while set, no timer is armed. */
  private deferred: Cancelable | null = null;
  private armedAtMs = Infinity;
  private stopped = false;

  constructor(params: EngineParams, clock: EngineClock = realClock) {
    this.params = params;
    this.clock = clock;
  }

  get running(): number {
    return this.runningCount;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  /** Prompt plus generated tokens of the running sequences, a stand-in for KV-cache blocks. */
  get tokensHeld(): number {
    return this.held;
  }

  get capacityTokens(): number {
    return this.params.max_num_seqs * this.params.max_model_len;
  }

  /** Admits or queues the sequence; null when the waiting queue is full. */
  submit(spec: SequenceSpec): Slot | null {
    if (this.stopped) return null;
    const slot = new Slot(spec);
    if (this.runningCount < this.params.max_num_seqs && this.waitingCount === 0) {
      this.admit(slot, this.clock.now());
      this.arm();
      return slot;
    }
    if (this.waitingCount >= this.params.max_waiting) return null;
    this.queue.push(slot);
    this.waitingCount++;
    return slot;
  }

  /** The client went away: free its place at once (a queued slot is skipped lazily). */
  cancel(slot: Slot): void {
    if (this.stopped) return;
    if (slot.state === 'waiting') {
      slot.state = 'done';
      this.waitingCount--;
    } else if (slot.state === 'running') {
      // It stays in the heap and is dropped when popped.
      this.release(slot);
      this.admitWaiting(this.clock.now());
      this.arm();
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.close();
    this.timer = null;
    this.deferred?.close();
    this.deferred = null;
    this.heap.clear();
    this.queue.clear();
    this.waitingCount = 0;
    this.runningCount = 0;
    this.held = 0;
  }

  private admit(slot: Slot, nowMs: number): void {
    slot.state = 'running';
    this.runningCount++;
    this.held += slot.spec.promptTokens;
    slot.dueMs = nowMs + ttftMs(this.params, slot.spec.promptTokens);
    slot.lastTokenMs = nowMs;
    this.heap.push(slot);
    slot.spec.sink.onAdmit(nowMs);
  }

  private admitWaiting(nowMs: number): void {
    while (this.runningCount < this.params.max_num_seqs && this.waitingCount > 0) {
      const next = this.queue.shift();
      if (next === undefined) break;
      if (next.state !== 'waiting') continue;
      this.waitingCount--;
      this.admit(next, nowMs);
    }
  }

  private release(slot: Slot): void {
    slot.state = 'done';
    this.runningCount--;
    this.held -= slot.spec.promptTokens + slot.emitted;
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.deferred = null;
    this.armedAtMs = Infinity;
    let served = 0;
    let top = this.heap.peek();
    while (top !== undefined && top.dueMs <= this.clock.now() + TICK_SLACK_MS) {
      if (served === TOKENS_PER_SLICE) {
        this.deferred = this.clock.defer(this.tick);
        return;
      }
      this.heap.pop();
      if (top.state === 'running') {
        this.step(top);
        served++;
      }
      top = this.heap.peek();
    }
    this.arm();
  };

  private step(slot: Slot): void {
    const nowMs = this.clock.now();
    const index = slot.emitted++;
    this.held++;
    const last = slot.emitted >= slot.spec.outputTokens;
    const gapMs = nowMs - slot.lastTokenMs;
    slot.lastTokenMs = nowMs;
    if (last) {
      this.release(slot);
      slot.spec.sink.onToken(index, true, nowMs, gapMs);
      this.admitWaiting(nowMs);
      return;
    }
    const itl = sampleItlMs(this.params, this.runningCount, slot.spec.rng);
    // Keep to the schedule after small delays, but never burst to catch up after a long stall.
    const next = slot.dueMs + itl;
    slot.dueMs = next < nowMs ? nowMs + itl : next;
    this.heap.push(slot);
    slot.spec.sink.onToken(index, false, nowMs, gapMs);
  }

  private arm(): void {
    if (this.stopped || this.deferred !== null) return;
    const top = this.heap.peek();
    if (top === undefined) {
      this.timer?.close();
      this.timer = null;
      this.armedAtMs = Infinity;
      return;
    }
    // A timer that fires early is harmless (the tick re-arms), so only re-arm when it would be late.
    if (this.timer !== null && this.armedAtMs <= top.dueMs) return;
    this.timer?.close();
    this.armedAtMs = top.dueMs;
    this.timer = this.clock.schedule(this.tick, Math.max(0, top.dueMs - this.clock.now()));
  }
}
