import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { EvalConfig } from '../configs/schema/eval.ts';
import { EvalflowError } from '../common/errors.ts';
import type { RequestRecord, Sender } from '../loadgen/record.ts';
import { JsonlAppender, readJsonlRecovering } from '../store/jsonl.ts';
import { sendWithRetries } from './attempts.ts';
import type { BenchmarkMetrics } from './metrics.ts';
import { computeMetrics, round2, unscorableByReason } from './metrics.ts';
import { benchmarkPaths, describeDataset, writeBenchmarkOutputs } from './outputs.ts';
import { pickFewShot, promptHash, resolvePromptConfig } from './prompt.ts';
import type { ExampleResult } from './record.ts';
import type { BackoffOptions } from './retry.ts';
import { DEFAULT_BACKOFF } from './retry.ts';
import { scoreResponse } from './score.ts';
import { selectSubset } from './subset.ts';
import type { Benchmark, Example, PromptRequest } from './types.ts';

/** A type, not an interface, so it fits heartbeat callbacks taking Record<string, unknown>. */
export type QualityProgress = {
  benchmark: string;
  done: number;
  total: number;
  correct: number;
  accuracy_pct_so_far: number | null;
};

export interface RunBenchmarkOptions {
  benchmark: Benchmark;
  /** The whole evaluation split; the configured subset (subset_size, subset_seed) is taken here. */
  examples: readonly Example[];
  /** The few_shot_split; its first `few_shot` examples are the exemplars. */
  fewShot: readonly Example[];
  evalCfg: EvalConfig;
  sender: Sender;
  /** Requests in flight; the caller passes the server's max_num_seqs for `auto`. */
  concurrency: number;
  /** The benchmark's folder: `<name>_results.jsonl` etc. go here, and a rerun resumes from it. */
  outDir: string;
  /** Retries after the first attempt; defaults to evalCfg.defaults.request_retries. */
  retries?: number;
  /** Sampling seed for this run (multi-seed campaigns); defaults to the merged sampling seed. */
  seed?: number;
  signal?: AbortSignal;
  /** Progress, at most once a second, plus a last one when done. */
  heartbeat?: (progress: QualityProgress) => void;
  log?: (message: string) => void;
  backoff?: BackoffOptions;
  /** After an abort, requests in flight get this long to finish (and be recorded) before they are cancelled. */
  abortGraceMs?: number;
  /** Test seam for backoff waits. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

export interface QualityRunSummary {
  benchmark: string;
  total: number;
  /** Examples answered by this call (the rest were in the file already). */
  sent: number;
  resumed: number;
  correct: number | null;
  scorable: number;
  unscorable: number;
  accuracy_pct: number | null;
  wall_s: number;
  paths: { results: string; metricsJson: string; metricsCsv: string; unscorable: string | null };
  metrics: BenchmarkMetrics;
}

const HEARTBEAT_INTERVAL_MS = 1000;
const DEFAULT_ABORT_GRACE_MS = 30_000;

/** What resume needs from an existing line; anything else in it is kept as written. */
const ExistingLine = z.looseObject({
  id: z.string(),
  prompt_hash: z.string(),
  correct: z.boolean().nullable(),
  ambiguity_reason: z.string().nullable(),
});

interface Prepared {
  example: Example;
  request: PromptRequest;
  hash: string;
}

function resultLine(p: Prepared, record: RequestRecord, attempts: number, verdict: ReturnType<typeof scoreResponse>): ExampleResult {
  const text = record.text ?? (record.error === null ? '' : null);
  return {
    id: p.example.id,
    prompt_hash: p.hash,
    ...(p.request.endpoint === 'chat' ? { messages: p.request.messages ?? [] } : { prompt: p.request.prompt ?? '' }),
    reference: p.example.reference,
    response: text,
    extracted: verdict.extracted,
    gold: verdict.gold,
    correct: verdict.correct,
    ambiguity_reason: verdict.ambiguity_reason,
    pattern: verdict.pattern,
    ...verdict.extras,
    latency_ms: record.endMs === null ? null : round2(record.endMs - record.sentMs),
    ttft_ms: record.firstTokenMs === null ? null : round2(record.firstTokenMs - record.sentMs),
    prompt_tokens: record.promptTokens,
    completion_tokens: record.completionTokens,
    finish_reason: record.finishReason,
    error: record.error,
    attempts,
  };
}

/** Lines already in the file for this run's examples; a line made from another prompt means the config changed under the folder. */
async function readDone(path: string, prepared: ReadonlyMap<string, Prepared>, log: (m: string) => void): Promise<Map<string, ExampleResult>> {
  const done = new Map<string, ExampleResult>();
  const raw = await readJsonlRecovering<unknown>(path);
  raw.forEach((value, i) => {
    const parsed = ExistingLine.safeParse(value);
    if (!parsed.success) throw new EvalflowError('input_invalid', `${path}: line ${i + 1} is not a results line: ${z.prettifyError(parsed.error)}`);
    const line = parsed.data as ExampleResult;
    const p = prepared.get(line.id);
    if (p === undefined) {
      log(`${path}: line ${i + 1} is for example ${line.id}, not in this run; left out of the metrics`);
    } else if (line.prompt_hash !== p.hash) {
      throw new EvalflowError('input_invalid', `${path}: example ${line.id} was run with another prompt (hash ${line.prompt_hash}, now ${p.hash}); use a new output folder`);
    } else if (!done.has(line.id)) {
      done.set(line.id, line);
    }
  });
  return done;
}

/**
 * Run one quality benchmark against a server, resumably: each answered example is appended
 * to `<name>_results.jsonl` at once, and a rerun on the same folder sends only the rest.
 * A pool of `concurrency` workers each pulls the next example, so the server stays full
 * without batch barriers. On abort, no new requests start, those in flight get
 * `abortGraceMs` to finish and be recorded, and the call rejects with the signal's reason.
 */
export async function runBenchmark(opts: RunBenchmarkOptions): Promise<QualityRunSummary> {
  const started = performance.now();
  const { benchmark, sender } = opts;
  const name = benchmark.name;
  const log = opts.log ?? (() => {});
  const cfg = opts.evalCfg.benchmarks[name];
  if (cfg === undefined) throw new EvalflowError('input_invalid', `eval config has no benchmarks.${name}`);
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new EvalflowError('input_invalid', `concurrency must be a positive integer, got ${opts.concurrency}`);
  opts.signal?.throwIfAborted();

  const promptCfg = resolvePromptConfig(cfg, opts.evalCfg.defaults);
  if (opts.seed !== undefined) promptCfg.sampling = { ...promptCfg.sampling, seed: opts.seed };
  const retries = opts.retries ?? opts.evalCfg.defaults.request_retries;
  const note = benchmark.accuracyOff?.(cfg) ?? null;
  let shots: Example[];
  try {
    shots = pickFewShot(opts.fewShot, cfg.few_shot);
  } catch (err) {
    throw new EvalflowError('input_invalid', `${name}: ${(err as Error).message}`);
  }
  // Each seed's requests are told apart (the same example is asked once per seed).
  const stage = opts.seed === undefined ? name : `${name}@seed_${opts.seed}`;
  const subset = selectSubset(opts.examples, cfg.subset_size, cfg.subset_seed);
  const prepared = new Map<string, Prepared>();
  for (const example of subset) {
    if (prepared.has(example.id)) throw new EvalflowError('dataset_invalid', `${name}: duplicate example id ${example.id}`);
    const request = benchmark.prompt(example, promptCfg, shots);
    prepared.set(example.id, { example, request, hash: promptHash(request) });
  }

  const paths = benchmarkPaths(opts.outDir, name);
  const done = await readDone(paths.results, prepared, log);
  const pending = [...prepared.values()].filter((p) => !done.has(p.example.id));
  const resumed = done.size;
  log(`${name}: ${subset.length} examples, ${resumed} already answered, ${pending.length} to send (concurrency ${opts.concurrency})`);

  let correct = 0;
  let scorable = 0;
  for (const line of done.values()) {
    if (line.correct !== null) scorable++;
    if (line.correct === true) correct++;
  }
  let lastBeat = -Infinity;
  const beat = (force: boolean): void => {
    const now = performance.now();
    if (!opts.heartbeat || (!force && now - lastBeat < HEARTBEAT_INTERVAL_MS)) return;
    lastBeat = now;
    opts.heartbeat({ benchmark: name, done: done.size, total: subset.length, correct, accuracy_pct_so_far: note === null && scorable > 0 ? round2((100 * correct) / scorable) : null });
  };
  beat(true);

  // stop: no new requests; cancel: requests in flight are abandoned (after the grace period).
  const stop = new AbortController();
  const cancel = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    stop.abort(opts.signal?.reason);
    graceTimer = setTimeout(() => cancel.abort(opts.signal?.reason), opts.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const appender = await JsonlAppender.open(paths.results);
  // Appends are chained so lines never interleave; workers do not wait on the disk before taking the next example.
  let writes: Promise<void> = Promise.resolve();
  // A holder, not a let: TS cannot see the callback assign it.
  const failed: { error: Error | null } = { error: null };
  const record = (line: ExampleResult): void => {
    done.set(line.id, line);
    if (line.correct !== null) scorable++;
    if (line.correct === true) correct++;
    writes = writes
      .then(() => appender.append(line))
      .catch((err: unknown) => {
        failed.error ??= err instanceof Error ? err : new Error(String(err));
        stop.abort(err);
      });
    beat(false);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted && next < pending.length) {
      const p = pending[next++]!;
      const outcome = await sendWithRetries({
        sender, stage, exampleId: p.example.id, request: p.request, retries, backoff: opts.backoff ?? DEFAULT_BACKOFF,
        stop: stop.signal, cancel: cancel.signal, ...(opts.sleep ? { sleep: opts.sleep } : {}),
      });
      if (outcome === null) continue;
      // Once the run is stopping (cancel, server lost), a failed request says nothing about the example: leave it for the resume.
      if (stop.signal.aborted && outcome.record.error !== null) continue;
      const verdict = scoreResponse(benchmark, {
        response: outcome.record.text ?? null,
        reference: p.example.reference,
        finishReason: outcome.record.finishReason,
        error: outcome.record.error,
        accuracyOff: note !== null,
      });
      record(resultLine(p, outcome.record, outcome.attempts, verdict));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, pending.length) }, worker));
  } finally {
    clearTimeout(graceTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    await writes;
    await appender.close();
  }
  if (failed.error !== null) throw failed.error;
  opts.signal?.throwIfAborted();

  const lines = subset.map((e) => done.get(e.id)!);
  const metrics = computeMetrics(lines, {
    benchmark: name,
    dataset: describeDataset(cfg.dataset),
    subset_size: cfg.subset_size,
    seed: promptCfg.sampling.seed,
    note,
  });
  const details = {
    unscorable_by_reason: unscorableByReason(lines),
    provenance: {
      endpoint: promptCfg.endpoint,
      system_prompt: promptCfg.systemPrompt,
      prompt_template: promptCfg.template,
      few_shot_ids: shots.map((s) => s.id),
      sampling: promptCfg.sampling,
      subset_seed: cfg.subset_seed,
      request_retries: retries,
    },
  };
  const written = await writeBenchmarkOutputs({
    outDir: opts.outDir, name, metrics, details, unscorable: lines.filter((l) => l.correct === null), unscorableFile: benchmark.unscorableFile,
  });
  beat(true);
  return {
    benchmark: name,
    total: subset.length,
    sent: subset.length - resumed,
    resumed,
    correct: metrics.correct,
    scorable: metrics.scorable_examples,
    unscorable: metrics.unscorable_examples,
    accuracy_pct: metrics.accuracy_pct,
    wall_s: round2((performance.now() - started) / 1000) ?? 0,
    paths: { results: paths.results, metricsJson: written.metricsJson, metricsCsv: written.metricsCsv, unscorable: written.unscorable },
    metrics,
  };
}
