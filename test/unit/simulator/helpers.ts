import { afterEach } from 'vitest';
import { SimulatorOptions } from '../../../configs/schema/simulator.ts';
import type { EngineClock } from '../../../simulator/engine.ts';
import { startSimulator, type SimulatorHandle } from '../../../simulator/server.ts';

export const MODEL = 'sim-test-model';

/** Fast defaults for tests: no startup delay, short latencies, no jitter. */
export function simOptions(overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return SimulatorOptions.parse({ startup_delay_s: 0, ttft_base_ms: 5, ttft_per_prompt_token_ms: 0, itl_ms: 2, itl_jitter: 0, default_output_tokens: 8, ...overrides });
}

const open: SimulatorHandle[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

/** Starts a simulator on a free port, closed after the test. */
export async function startTestSim(overrides: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
  const sim = await startSimulator({ options: simOptions(overrides), model: MODEL, port: 0, onCrash: 'close' });
  open.push(sim);
  return sim;
}

export function post(sim: SimulatorHandle, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export interface SseEvent {
  /** Raw data payload after "data: ". */
  data: string;
  /** When the event was fully received (performance.now()). */
  atMs: number;
}

/** Reads an SSE body to its end; events split across chunks are reassembled. */
export async function readSse(res: Response): Promise<SseEvent[]> {
  if (res.body === null) throw new Error('no body');
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    const now = performance.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith('data: ')) events.push({ data: event.slice('data: '.length), atMs: now });
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

/** JSON payloads of an SSE stream, [DONE] excluded. */
export function jsonEvents(events: SseEvent[]): Record<string, unknown>[] {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Record<string, unknown>);
}

/** Prometheus text: the value of the first sample with this exact name (labels ignored). */
export function metricValue(text: string, name: string, labelFilter = ''): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const sample = brace >= 0 ? line.slice(0, brace) : line.slice(0, space);
    if (sample === name && line.includes(labelFilter)) return Number(line.slice(space + 1));
  }
  return null;
}

export function words(n: number, prefix = 'w'): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');
}

/** Drives the engine by hand: timers run only when advance() reaches them. */
export class VirtualClock implements EngineClock {
  private t = 0;
  private timers: { at: number; callback: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  schedule(callback: () => void, delayMs: number): { close(): void } {
    const timer = { at: this.t + Math.max(delayMs, 0), callback, live: true };
    this.timers.push(timer);
    return {
      close: () => {
        timer.live = false;
      },
    };
  }

  defer(callback: () => void): { close(): void } {
    return this.schedule(callback, 0);
  }

  /** Moves time forward, firing due timers in order (each at its own time). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((timer) => timer.live);
      const next = this.timers.reduce<{ at: number; callback: () => void; live: boolean } | null>((a, b) => (a === null || b.at < a.at ? b : a), null);
      if (next === null || next.at > target) break;
      this.t = Math.max(this.t, next.at);
      next.live = false;
      next.callback();
    }
    this.t = target;
  }
}
