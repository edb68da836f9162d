import type { RequestError, RequestRecord, RequestSpec, Sender } from '../../../loadgen/record.ts';

export type FakeReply = { text: string; finishReason?: string; completionTokens?: number } | { error: RequestError };

/**
 * An in-memory Sender: `reply` decides each answer from the spec (its id is
 * `<benchmark>/<example>/a<attempt>`); it counts sends per example and the peak in flight.
 */
export class FakeSender implements Sender {
  readonly sent: string[] = [];
  inFlight = 0;
  peakInFlight = 0;
  private readonly reply: (spec: RequestSpec) => FakeReply;
  private readonly delayMs: number | ((spec: RequestSpec) => number);
  private readonly onSend: ((spec: RequestSpec, sender: FakeSender) => void) | undefined;

  constructor(opts: { reply: (spec: RequestSpec) => FakeReply; delayMs?: number | ((spec: RequestSpec) => number); onSend?: (spec: RequestSpec, sender: FakeSender) => void }) {
    this.reply = opts.reply;
    this.delayMs = opts.delayMs ?? 0;
    this.onSend = opts.onSend;
  }

  /** Sends per example id (the request id without its attempt suffix). */
  sendsPerExample(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.sent) {
      const example = id.split('/')[1]!;
      counts.set(example, (counts.get(example) ?? 0) + 1);
    }
    return counts;
  }

  async send(spec: RequestSpec, scheduledMs: number, stage: string, opts?: { keepText?: boolean; signal?: AbortSignal }): Promise<RequestRecord> {
    this.sent.push(spec.id);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    this.onSend?.(spec, this);
    const sentMs = performance.now();
    const base = { id: spec.id, stage, warmup: false, scheduledMs, sentMs, chunkMs: [] as number[], promptTokens: 10 };
    try {
      const delay = typeof this.delayMs === 'function' ? this.delayMs(spec) : this.delayMs;
      const aborted = await new Promise<boolean>((resolve) => {
        if (opts?.signal?.aborted) {
          resolve(true);
          return;
        }
        const t = setTimeout(() => resolve(false), delay);
        opts?.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve(true);
          },
          { once: true },
        );
      });
      if (aborted) {
        return { ...base, headersMs: null, firstTokenMs: null, endMs: null, completionTokens: null, finishReason: null, status: null, error: { kind: 'aborted', message: 'aborted' } };
      }
      const r = this.reply(spec);
      const now = performance.now();
      if ('error' in r) {
        return { ...base, headersMs: null, firstTokenMs: null, endMs: null, completionTokens: null, finishReason: null, status: r.error.status ?? null, error: r.error };
      }
      return {
        ...base, headersMs: sentMs + 1, firstTokenMs: sentMs + 1, endMs: now, completionTokens: r.completionTokens ?? 5, finishReason: r.finishReason ?? 'stop', status: 200, error: null,
        ...(opts?.keepText ? { text: r.text } : {}),
      };
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {}
}
