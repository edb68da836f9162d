import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalConfig } from '../../../configs/schema/eval.ts';
import { gsm8k } from '../../../benchmarks/gsm8k.ts';
import { routerbench, NO_LABELS_NOTE } from '../../../benchmarks/routerbench.ts';
import type { QualityProgress, RunBenchmarkOptions } from '../../../benchmarks/runner.ts';
import { runBenchmark } from '../../../benchmarks/runner.ts';
import type { ExampleResult } from '../../../benchmarks/record.ts';
import type { Example } from '../../../benchmarks/types.ts';
import type { RequestSpec } from '../../../loadgen/record.ts';
import { FakeSender } from './fake-sender.ts';
import type { FakeReply } from './fake-sender.ts';

// Synthetic arithmetic items: example i has gold answer i * 3.
function makeExamples(n: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: `What is ${i} times 3?`, reference: `${i} * 3 = <<${i}*3=${i * 3}>>${i * 3}\n#### ${i * 3}`, meta: {} }));
}

/** The example index from a request: the question carries it. */
function indexOf(spec: RequestSpec): number {
  const text = spec.messages?.at(-1)?.content ?? spec.prompt ?? '';
  return Number(/What is (\d+) times/.exec(text)![1]);
}

/** Right for even i, wrong for odd i. */
const evenRight = (spec: RequestSpec): FakeReply => {
  const i = indexOf(spec);
  return { text: `work...\n#### ${i % 2 === 0 ? i * 3 : i * 3 + 1}` };
};

const evalCfg = (extra: Record<string, unknown> = {}) =>
  EvalConfig.parse({
    defaults: { request_retries: 2 },
    benchmarks: {
      gsm8k: { dataset: { source: 'hub', repo: 'openai/gsm8k', config: 'main' }, prompt_template: 'Q: {question}\nA:', ...extra },
      routerbench: { dataset: { source: 'local', path: 'data/routerbench/routerbench.jsonl' }, prompt_template: '{question}' },
    },
  });

async function readLines(path: string): Promise<ExampleResult[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ExampleResult);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evalflow-runner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function base(sender: FakeSender, examples: Example[], extra: Partial<RunBenchmarkOptions> = {}): RunBenchmarkOptions {
  return { benchmark: gsm8k, examples, fewShot: [], evalCfg: evalCfg(), sender, concurrency: 4, outDir: dir, backoff: { baseMs: 1, maxMs: 4 }, ...extra };
}

describe('runBenchmark', () => {
  it('answers every example once, scores, and writes the Phase-1 files', async () => {
    const sender = new FakeSender({ reply: evenRight, delayMs: 1 });
    const summary = await runBenchmark(base(sender, makeExamples(20)));
    expect(summary).toMatchObject({ total: 20, sent: 20, resumed: 0, correct: 10, scorable: 20, unscorable: 0, accuracy_pct: 50 });
    const lines = await readLines(join(dir, 'gsm8k_results.jsonl'));
    expect(lines.map((l) => l.id).sort()).toEqual(makeExamples(20).map((e) => e.id).sort());
    const first = lines.find((l) => l.id === 'q2')!;
    expect(first).toMatchObject({ extracted: '6', gold: '6', correct: true, ambiguity_reason: null, pattern: '####', attempts: 1, finish_reason: 'stop', error: null, prompt_tokens: 10, completion_tokens: 5 });
    expect(first.messages).toEqual([{ role: 'user', content: 'Q: What is 2 times 3?\nA:' }]);
    expect(first.prompt_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof first.latency_ms).toBe('number');
    const metrics = JSON.parse(await readFile(join(dir, 'gsm8k_metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(metrics).toMatchObject({
      benchmark: 'gsm8k', dataset: 'openai/gsm8k:main/test', subset_size: null, seed: 1234,
      accuracy_pct: 50, correct: 10, scorable_examples: 20, unscorable_examples: 0, total_examples: 20,
      ci95_low_pct: 29.93, ci95_high_pct: 70.07, prompt_tokens_total: 200, completion_tokens_total: 100, mean_completion_tokens: 5, note: null,
      provenance: { few_shot_ids: [], endpoint: 'chat' },
    });
    const csv = await readFile(join(dir, 'gsm8k_metrics.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('accuracy_pct');
    expect(await readFile(join(dir, 'gsm8k_unscorable.jsonl'), 'utf8')).toBe('');
  });

  it('keeps the server full: the peak in flight is the concurrency', async () => {
    const sender = new FakeSender({ reply: evenRight, delayMs: 5 });
    await runBenchmark(base(sender, makeExamples(40), { concurrency: 8 }));
    expect(sender.peakInFlight).toBe(8);
  });

  it('takes the configured subset, and metrics say so', async () => {
    const sender = new FakeSender({ reply: evenRight });
    const summary = await runBenchmark(base(sender, makeExamples(50), { evalCfg: evalCfg({ subset_size: 12, subset_seed: 3 }) }));
    expect(summary.total).toBe(12);
    expect(sender.sent).toHaveLength(12);
    expect(summary.metrics.subset_size).toBe(12);
  });

  it('resumes after an abort: no example sent twice, each exactly once in the final file', async () => {
    const examples = makeExamples(40);
    const controller = new AbortController();
    const first = new FakeSender({
      reply: evenRight,
      delayMs: 3,
      onSend: (_spec, s) => {
        if (s.sent.length === 15) controller.abort(new Error('stop for the test'));
      },
    });
    await expect(runBenchmark(base(first, examples, { signal: controller.signal }))).rejects.toThrow('stop for the test');
    const partial = await readLines(join(dir, 'gsm8k_results.jsonl'));
    // Requests already in flight at the abort finish and are recorded (drain), so nothing is lost.
    expect(partial).toHaveLength(first.sent.length);
    expect(partial.length).toBeLessThan(40);

    const second = new FakeSender({ reply: evenRight, delayMs: 1 });
    const summary = await runBenchmark(base(second, examples));
    expect(summary).toMatchObject({ resumed: partial.length, sent: 40 - partial.length, total: 40, correct: 20 });
    const perExample = new Map(first.sendsPerExample());
    for (const [id, n] of second.sendsPerExample()) perExample.set(id, (perExample.get(id) ?? 0) + n);
    expect(perExample.size).toBe(40);
    expect([...perExample.values()].every((n) => n === 1)).toBe(true);
    const final = await readLines(join(dir, 'gsm8k_results.jsonl'));
    expect(final.map((l) => l.id).sort()).toEqual(examples.map((e) => e.id).sort());
  });

  it('cancels requests still in flight when the grace period runs out, and sends them again on resume', async () => {
    const examples = makeExamples(6);
    const controller = new AbortController();
    const slow = new FakeSender({ reply: evenRight, delayMs: 10_000, onSend: (_s, s) => s.sent.length === 6 && controller.abort() });
    await expect(runBenchmark(base(slow, examples, { signal: controller.signal, concurrency: 6, abortGraceMs: 5 }))).rejects.toThrow();
    expect(await readFile(join(dir, 'gsm8k_results.jsonl'), 'utf8')).toBe('');
    const again = new FakeSender({ reply: evenRight });
    const summary = await runBenchmark(base(again, examples));
    expect(summary.sent).toBe(6);
  });

  it('recovers a torn last line: that example is sent again, the others are not', async () => {
    const examples = makeExamples(5);
    const sender = new FakeSender({ reply: evenRight });
    await runBenchmark(base(sender, examples));
    const path = join(dir, 'gsm8k_results.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
    const kept = lines.slice(0, 3);
    await writeFile(path, `${kept.join('\n')}\n${lines[3]!.slice(0, 25)}`);
    const again = new FakeSender({ reply: evenRight });
    const summary = await runBenchmark(base(again, examples));
    expect(summary).toMatchObject({ resumed: 3, sent: 2, total: 5 });
    const keptIds = kept.map((l) => (JSON.parse(l) as ExampleResult).id);
    expect([...again.sendsPerExample().keys()].some((id) => keptIds.includes(id))).toBe(false);
    const final = await readLines(path);
    expect(final).toHaveLength(5);
    expect(new Set(final.map((l) => l.id)).size).toBe(5);
  });

  it('refuses to resume lines made from another prompt', async () => {
    const examples = makeExamples(3);
    await runBenchmark(base(new FakeSender({ reply: evenRight }), examples));
    const changed = evalCfg({ prompt_template: 'Question: {question}\nAnswer:' });
    await expect(runBenchmark(base(new FakeSender({ reply: evenRight }), examples, { evalCfg: changed }))).rejects.toThrow(/another prompt/);
  });

  it("tells each sampling seed's requests apart", async () => {
    const sender = new FakeSender({ reply: evenRight });
    await runBenchmark(base(sender, makeExamples(2), { seed: 7 }));
    expect([...sender.sent].sort()).toEqual(['gsm8k@seed_7/q0/a1', 'gsm8k@seed_7/q1/a1']);
  });

  it('retries retryable failures with growing backoff, then records the answer', async () => {
    const failures = new Map<string, number>();
    const sender = new FakeSender({
      reply: (spec) => {
        const example = spec.id.split('/')[1]!;
        const n = failures.get(example) ?? 0;
        if (example === 'q1' && n < 2) {
          failures.set(example, n + 1);
          return { error: { kind: 'http_status', status: 503, message: 'busy' } };
        }
        return evenRight(spec);
      },
    });
    const waits: number[] = [];
    const sleep = (ms: number): Promise<boolean> => {
      waits.push(ms);
      return Promise.resolve(true);
    };
    await runBenchmark(base(sender, makeExamples(3), { sleep, backoff: { baseMs: 100, maxMs: 1000 } }));
    expect(sender.sent.filter((id) => id.startsWith('gsm8k/q1/'))).toEqual(['gsm8k/q1/a1', 'gsm8k/q1/a2', 'gsm8k/q1/a3']);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    const q1 = (await readLines(join(dir, 'gsm8k_results.jsonl'))).find((l) => l.id === 'q1')!;
    expect(q1).toMatchObject({ attempts: 3, error: null, correct: false });
  });

  it.each([
    ['retries exhausted on connect errors', { kind: 'connect', message: 'refused' }, 3, 'request_error: connect'],
    ['timeouts are retried', { kind: 'timeout', message: 'slow' }, 3, 'request_error: timeout'],
    ['a 400 is not retried', { kind: 'http_status', status: 400, message: 'bad' }, 1, 'request_error: http_status'],
    ['bad responses are not retried', { kind: 'bad_response', message: 'junk' }, 1, 'request_error: bad_response'],
    ['stream errors are retried', { kind: 'stream_error', message: 'oops' }, 3, 'request_error: stream_error'],
    ['closed streams are retried', { kind: 'closed', message: 'eof' }, 3, 'request_error: closed'],
  ] as const)('%s: the example becomes unscorable with its reason', async (_label, error, attempts, reason) => {
    const sender = new FakeSender({ reply: (spec) => (spec.id.startsWith('gsm8k/q0/') ? { error: { ...error } } : evenRight(spec)) });
    const summary = await runBenchmark(base(sender, makeExamples(4)));
    expect(summary).toMatchObject({ scorable: 3, unscorable: 1 });
    const unscorable = await readLines(join(dir, 'gsm8k_unscorable.jsonl'));
    expect(unscorable).toHaveLength(1);
    expect(unscorable[0]).toMatchObject({ id: 'q0', correct: null, ambiguity_reason: reason, attempts, response: null });
    const metrics = JSON.parse(await readFile(join(dir, 'gsm8k_metrics.json'), 'utf8')) as { unscorable_by_reason: Record<string, number> };
    expect(metrics.unscorable_by_reason).toEqual({ [reason]: 1 });
  });

  it.each([
    ['cut at max_tokens without an answer', { text: 'long reasoning that never ends', finishReason: 'length' }, 'truncated_at_max_tokens'],
    ['stopped without an answer', { text: 'I think it is 3', finishReason: 'stop' }, 'no_answer_in_response'],
  ])('%s', async (_label, reply, reason) => {
    const sender = new FakeSender({ reply: (spec) => (spec.id.startsWith('gsm8k/q1/') ? reply : evenRight(spec)) });
    await runBenchmark(base(sender, makeExamples(2)));
    const [line] = await readLines(join(dir, 'gsm8k_unscorable.jsonl'));
    expect(line).toMatchObject({ id: 'q1', ambiguity_reason: reason, correct: null });
  });

  it('an example whose reference has no answer is unscorable for the reference', async () => {
    const examples = makeExamples(2);
    examples[0] = { ...examples[0]!, reference: 'no final line here' };
    await runBenchmark(base(new FakeSender({ reply: evenRight }), examples));
    const [line] = await readLines(join(dir, 'gsm8k_unscorable.jsonl'));
    expect(line).toMatchObject({ id: 'q0', ambiguity_reason: 'no_answer_in_reference' });
  });

  it('heartbeats at most once a second, and once more at the end with the totals', async () => {
    const beats: QualityProgress[] = [];
    await runBenchmark(base(new FakeSender({ reply: evenRight }), makeExamples(30), { heartbeat: (p) => beats.push(p) }));
    expect(beats.length).toBeLessThanOrEqual(3);
    expect(beats.at(-1)).toEqual({ benchmark: 'gsm8k', done: 30, total: 30, correct: 15, accuracy_pct_so_far: 50 });
  });

  it('uses a few-shot exemplar and the seed override in the request', async () => {
    const specs: RequestSpec[] = [];
    const recording = new FakeSender({
      reply: (s) => {
        specs.push(s);
        return evenRight(s);
      },
    });
    const shots = makeExamples(3).map((e) => ({ ...e, id: `train-${e.id}` }));
    const summary = await runBenchmark(base(recording, makeExamples(2), { evalCfg: evalCfg({ few_shot: 2 }), fewShot: shots, seed: 77 }));
    expect(specs[0]!.messages).toHaveLength(5);
    expect(specs[0]!.seed).toBe(77);
    expect(summary.metrics.seed).toBe(77);
    await expect(runBenchmark(base(recording, makeExamples(2), { evalCfg: evalCfg({ few_shot: 5 }), fewShot: shots, outDir: join(dir, 'x') }))).rejects.toThrow(/few_shot is 5/);
  });

  it('routerbench without labels: outputs kept, no accuracy, a note', async () => {
    const examples: Example[] = [
      { id: 'r0', question: 'Name a colour.', reference: 'red', meta: {} },
      { id: 'r1', question: 'Name a fruit.', reference: null, meta: {} },
    ];
    const sender = new FakeSender({ reply: () => ({ text: ' red ' }) });
    const summary = await runBenchmark(base(sender, examples, { benchmark: routerbench }));
    expect(summary.metrics).toMatchObject({ accuracy_pct: null, correct: null, ci95_low_pct: null, note: NO_LABELS_NOTE, scorable_examples: 0, unscorable_examples: 2 });
    const lines = await readLines(join(dir, 'routerbench_results.jsonl'));
    expect(lines.every((l) => l.response === ' red ' && l.ambiguity_reason === 'no_label')).toBe(true);
  });

  it('routerbench with labels scores exact matches, and writes no unscorable file when there is none', async () => {
    const cfg = evalCfg();
    cfg.benchmarks.routerbench = { ...cfg.benchmarks.routerbench!, has_labels: true };
    const examples: Example[] = [
      { id: 'r0', question: 'Pick A or B', reference: 'A', meta: {} },
      { id: 'r1', question: 'Pick C or D', reference: 'D', meta: {} },
    ];
    const summary = await runBenchmark(base(new FakeSender({ reply: () => ({ text: 'A\n' }) }), examples, { benchmark: routerbench, evalCfg: cfg }));
    expect(summary).toMatchObject({ correct: 1, scorable: 2, accuracy_pct: 50 });
    expect(summary.paths.unscorable).toBeNull();
    await expect(readFile(join(dir, 'routerbench_unscorable.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('a finished folder resumes to the same metrics without sending anything', async () => {
    const examples = makeExamples(8);
    const firstRun = await runBenchmark(base(new FakeSender({ reply: evenRight }), examples));
    await appendFile(join(dir, 'gsm8k_results.jsonl'), '');
    const again = new FakeSender({ reply: evenRight });
    const secondRun = await runBenchmark(base(again, examples));
    expect(again.sent).toHaveLength(0);
    expect({ ...secondRun.metrics, latency_mean_ms: 0 }).toEqual({ ...firstRun.metrics, latency_mean_ms: 0 });
  });
});
