import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { OnlineConfig } from '../../configs/schema/benchmark.ts';
import { EvalflowError } from '../../common/errors.ts';
import { ensureDir, writeCsvAtomic, writeJsonAtomic, writeTextAtomic } from '../../store/files.ts';
import { createPromptSet } from '../prompts.ts';
import type { ShareGptPair } from '../prompts.ts';
import { computeMetrics } from '../report.ts';
import { runLoad } from '../run.ts';
import type { RunLoadResult } from '../run.ts';
import { arrivalOffsetsMs, stageCount } from '../schedule.ts';
import { startScraper } from '../server-metrics.ts';
import type { ServerMetricsLog } from '../server-metrics.ts';
import type { SelfCheck } from '../self-check.ts';
import type { StepDeps, StepEndpoint, StepHooks } from './common.ts';
import { defaultCreateSender, errorSamples, loadPromptData, resolveApiKey, round, selfCheckWarnings, throwIfAborted, writeRecords, writeServerMetricsFile } from './common.ts';
import { hashSeed } from '../random.ts';

export interface OnlineStepArgs extends StepHooks, StepDeps {
  endpoint: StepEndpoint;
  config: OnlineConfig;
  outDir: string;
  /** Skip a stage whose summary.json exists (an activity retried after a crash). Default true. */
  resume?: boolean;
  /** How often /metrics is sampled; default 1 s. */
  scrapeIntervalS?: number;
}

/** Kinds of stage in a sweep: fixed-rate open loop, or the two closed-loop probes of `rates: auto`. */
export type StageMode = 'rate' | 'synchronous' | 'saturation';

/** summary.json of one stage; also one row of online_results.json. */
export interface StageSummary {
  stage: string;
  mode: StageMode;
  target_rate_rps: number | null;
  achieved_rate_rps: number | null;
  /** Completed requests per second of the measured window (the probes' rate for `auto`). */
  request_throughput_rps: number | null;
  completed: number;
  failed: number;
  warmup_excluded: number;
  errors_by_kind: Record<string, number>;
  duration_s: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  latency_mean_ms: number | null;
  ttfb_p50_ms: number | null;
  effective_throughput_tps: number | null;
  ttft_p50_ms: number | null;
  ttft_p99_ms: number | null;
  tpot_p50_ms: number | null;
  tpot_p99_ms: number | null;
  itl_p50_ms: number | null;
  itl_p99_ms: number | null;
  /** E2E latency from the scheduled send: includes any client or concurrency-cap queueing. */
  latency_from_scheduled_p99_ms: number | null;
  /** Good requests (every SLO met) per second; null without SLOs. */
  goodput_rps: number | null;
  /** Good requests as a share of all measured requests, failures included. */
  goodput_pct: number | null;
  max_concurrent_requests: number;
  schedule_lag_p99_ms: number | null;
  self_check_ok: boolean;
  self_check: SelfCheck;
  server_metrics: ServerMetricsLog['summary'] | null;
  time_origin_ms: number;
}

/** Returned through Temporal: small and flat. */
export type OnlineSummary = {
  stages: number;
  rates_rps: string;
  completed: number;
  failed: number;
  max_effective_throughput_tps: number | null;
  /** Highest target rate whose achieved rate and self-check were clean. */
  max_clean_rate_rps: number | null;
  self_check_ok: boolean;
  skipped_on_resume: number;
};

export const ONLINE_FILES = {
  results: 'online_results.json',
  csv: 'online_results.csv',
  summary: 'summary.json',
  raw: 'raw_results.json',
  stderr: 'stderr.txt',
} as const;

/** Closed-loop probes for `rates: auto` run at most this long: they only measure two rates. */
export const PROBE_MAX_DURATION_S = 30;
/** In-flight requests of the saturation probe when max_concurrency is not set. */
export const SATURATION_CONCURRENCY = 256;

/** "rate_5" for 5 req/s, "rate_0.5" for 0.5 (the seed's rate_<N>). */
export function rateFolder(rate: number): string {
  return `rate_${String(rate)}`;
}

/**
 * `auto_points − 2` rates strictly between the synchronous and the saturation
 * rate, evenly spaced (GuideLLM's linspace(sync, max, n)[1:-1]), rounded to
 * 0.01 req/s for folder names; duplicates after rounding are dropped.
 */
export function ratesBetween(syncRps: number, saturationRps: number, autoPoints: number): number[] {
  if (!(saturationRps > syncRps) || autoPoints < 3) return [];
  const rates: number[] = [];
  const steps = autoPoints - 1;
  for (let k = 1; k < steps; k++) {
    const r = Math.round((syncRps + ((saturationRps - syncRps) * k) / steps) * 100) / 100;
    if (r > syncRps && r < saturationRps && r > 0 && !rates.includes(r)) rates.push(r);
  }
  return rates;
}

interface StagePlan {
  name: string;
  mode: StageMode;
  /** Infinity for the probes. */
  rate: number;
}

/** The fields resume relies on; a summary.json without them is run again rather than trusted. */
const ResumableSummary = z.looseObject({
  stage: z.string(),
  mode: z.enum(['rate', 'synchronous', 'saturation']),
  completed: z.number(),
  failed: z.number(),
  request_throughput_rps: z.number().nullable(),
  self_check: z.looseObject({ ok: z.boolean(), reasons: z.array(z.string()) }),
  errors_by_kind: z.record(z.string(), z.number()).default({}),
});

/** Failures that mean the server was not there (killed, evicted) rather than slow: such a stage measured nothing. */
const SERVER_GONE_KINDS = ['connect', 'closed'];

async function readSummary(dir: string, stage: string): Promise<StageSummary | null> {
  let text: string;
  try {
    text = await readFile(join(dir, ONLINE_FILES.summary), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null; // written atomically by us, so this is foreign damage: run the stage again
  }
  const parsed = ResumableSummary.safeParse(json);
  // Our own file, checked for what resume reads; the rest is passed through as written.
  if (!parsed.success || parsed.data.stage !== stage) return null;
  // A stage cut short by a lost server is measured again after the restart, not kept with its failures.
  if (SERVER_GONE_KINDS.some((kind) => (parsed.data.errors_by_kind[kind] ?? 0) > 0)) return null;
  return parsed.data as unknown as StageSummary;
}

function summarize(plan: StagePlan, run: RunLoadResult, config: OnlineConfig, warmupMs: number, serverMetrics: ServerMetricsLog | null): StageSummary {
  const startMs = run.startMs + (plan.mode === 'rate' ? warmupMs : 0);
  const m = computeMetrics(run.records, { percentiles: [50, 95, 99], slo: config.slo, startMs });
  const p = (d: { percentiles: Record<string, number | null> }, k: string): number | null => round(d.percentiles[k]);
  const check = run.selfCheck;
  return {
    stage: plan.name,
    mode: plan.mode,
    target_rate_rps: Number.isFinite(plan.rate) ? plan.rate : null,
    achieved_rate_rps: check.achieved_rate_rps,
    request_throughput_rps: round(m.request_throughput),
    completed: m.completed,
    failed: m.failed,
    warmup_excluded: run.records.length - m.total,
    errors_by_kind: m.errors_by_kind,
    duration_s: round(m.duration_s),
    latency_p50_ms: p(m.e2el_ms, '50'),
    latency_p95_ms: p(m.e2el_ms, '95'),
    latency_p99_ms: p(m.e2el_ms, '99'),
    latency_mean_ms: round(m.e2el_ms.mean),
    ttfb_p50_ms: p(m.ttfb_ms, '50'),
    effective_throughput_tps: round(m.output_throughput),
    ttft_p50_ms: p(m.ttft_ms, '50'),
    ttft_p99_ms: p(m.ttft_ms, '99'),
    tpot_p50_ms: p(m.tpot_ms, '50'),
    tpot_p99_ms: p(m.tpot_ms, '99'),
    itl_p50_ms: p(m.itl_ms, '50'),
    itl_p99_ms: p(m.itl_ms, '99'),
    latency_from_scheduled_p99_ms: p(m.e2el_from_scheduled_ms, '99'),
    goodput_rps: round(m.request_goodput),
    goodput_pct: m.good_requests === null || m.total === 0 ? null : round((100 * m.good_requests) / m.total, 2),
    max_concurrent_requests: m.max_concurrent_requests,
    schedule_lag_p99_ms: check.schedule_lag_p99_ms,
    self_check_ok: check.ok,
    self_check: check,
    server_metrics: serverMetrics?.summary ?? null,
    time_origin_ms: performance.timeOrigin,
  };
}

/** One CSV row: nested objects flattened to text. */
function csvRow(s: StageSummary): Record<string, unknown> {
  const { self_check, server_metrics, errors_by_kind, ...flat } = s;
  return {
    ...flat,
    errors_by_kind: JSON.stringify(errors_by_kind),
    self_check_reasons: self_check.reasons.join('; '),
    server_running_max: server_metrics?.running_max ?? null,
    server_waiting_max: server_metrics?.waiting_max ?? null,
    server_kv_cache_usage_max: server_metrics?.kv_cache_usage_max ?? null,
  };
}

/**
 * The online sweep (seed §1.2): for each rate, an open-loop stage of
 * rate × duration_s requests on a seeded Poisson/gamma/constant schedule,
 * written to rate_<N>/ (raw_results.json, server_metrics.json, summary.json
 * last, so its presence means the stage finished). With `rates: auto`, two
 * closed-loop probes first (synchronous/ and saturation/) and then rates
 * spread between them. Top level: online_results.json and .csv, a row per stage.
 */
export async function runOnlineStep(args: OnlineStepArgs): Promise<OnlineSummary> {
  const { endpoint, config, outDir, log, heartbeat, signal } = args;
  const resume = args.resume ?? true;
  const apiKey = resolveApiKey(endpoint);
  const sharegpt = await loadPromptData(config.prompts);
  const warmupMs = config.warmup_s * 1000;
  const rows: StageSummary[] = [];
  const warnings: string[] = [];
  let skipped = 0;

  const plans: StagePlan[] =
    config.rates === 'auto'
      ? [
          { name: 'synchronous', mode: 'synchronous', rate: Infinity },
          { name: 'saturation', mode: 'saturation', rate: Infinity },
        ]
      : [...new Set(config.rates)].map((rate) => ({ name: rateFolder(rate), mode: 'rate' as const, rate }));

  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    throwIfAborted(signal);
    const dir = join(outDir, plan.name);
    const stageInfo = { stage: plan.name, stage_index: i + 1, stages: plans.length };
    let summary = resume ? await readSummary(dir, plan.name) : null;
    if (summary !== null) {
      skipped += 1;
      log(`online: ${plan.name} already finished (summary.json present), skipped`);
    } else {
      heartbeat({ ...stageInfo, done: 0 });
      summary = await runStage({ args, plan, dir, apiKey, sharegpt, warmupMs, onProgress: (done, total) => heartbeat({ ...stageInfo, done, total }) });
      warnings.push(...selfCheckWarnings(plan.name, summary.self_check));
      log(`online: ${plan.name}: ${summary.completed} ok, ${summary.failed} failed, achieved ${summary.achieved_rate_rps ?? 'n/a'} req/s, p50 latency ${summary.latency_p50_ms ?? 'n/a'} ms`);
    }
    rows.push(summary);
    if (config.rates === 'auto' && plan.mode === 'saturation') {
      const sync = rows.find((r) => r.mode === 'synchronous')?.request_throughput_rps ?? null;
      const sat = summary.request_throughput_rps;
      if (sync === null || sat === null || !(sat > sync)) {
        warnings.push(`WARNING: auto rates: saturation rate ${sat ?? 'n/a'} req/s is not above the synchronous rate ${sync ?? 'n/a'} req/s; no rates between them`);
      } else {
        for (const rate of ratesBetween(sync, sat, config.auto_points)) plans.push({ name: rateFolder(rate), mode: 'rate', rate });
        log(`online: auto rates between ${sync} and ${sat} req/s: ${plans.slice(2).map((p) => p.rate).join(', ')}`);
      }
    }
  }

  await writeJsonAtomic(join(outDir, ONLINE_FILES.results), rows);
  await writeCsvAtomic(join(outDir, ONLINE_FILES.csv), rows.map(csvRow));
  if (warnings.length > 0) {
    await writeTextAtomic(join(outDir, ONLINE_FILES.stderr), `${warnings.join('\n')}\n`);
    for (const w of warnings.slice(0, 10)) log(w);
  }
  const clean = rows.filter((r) => r.mode === 'rate' && r.self_check_ok && r.target_rate_rps !== null);
  const throughputs = rows.map((r) => r.effective_throughput_tps).filter((x): x is number => x !== null);
  return {
    stages: rows.length,
    rates_rps: rows.map((r) => (r.target_rate_rps === null ? r.stage : String(r.target_rate_rps))).join(','),
    completed: rows.reduce((a, r) => a + r.completed, 0),
    failed: rows.reduce((a, r) => a + r.failed, 0),
    max_effective_throughput_tps: throughputs.length > 0 ? Math.max(...throughputs) : null,
    max_clean_rate_rps: clean.length > 0 ? Math.max(...clean.map((r) => r.target_rate_rps!)) : null,
    self_check_ok: rows.every((r) => r.self_check_ok),
    skipped_on_resume: skipped,
  };
}

interface StageRun {
  args: OnlineStepArgs;
  plan: StagePlan;
  dir: string;
  apiKey: string | undefined;
  sharegpt: readonly ShareGptPair[] | undefined;
  warmupMs: number;
  onProgress: (done: number, total: number) => void;
}

async function runStage(s: StageRun): Promise<StageSummary> {
  const { args, plan, dir } = s;
  const { config, endpoint, signal } = args;
  // Fresh prompts per stage (the stage name is in the seed and the prefix): the prefix cache cannot carry over.
  const seed = config.seed;
  let count: number;
  let offsets: Float64Array;
  let maxConcurrency: number | null = config.max_concurrency;
  let stopAfterMs: number | undefined;
  switch (plan.mode) {
    case 'rate':
      count = stageCount(plan.rate, config.duration_s);
      offsets = arrivalOffsetsMs({ rate: plan.rate, count, arrival: config.arrival, burstiness: config.burstiness, seed: hashSeed('schedule', seed, plan.name) });
      break;
    case 'synchronous':
    case 'saturation': {
      const probeS = Math.min(config.duration_s, PROBE_MAX_DURATION_S);
      maxConcurrency = plan.mode === 'synchronous' ? 1 : (config.max_concurrency ?? SATURATION_CONCURRENCY);
      stopAfterMs = probeS * 1000;
      // Duration-bounded closed loop: enough requests that the clock, not the count, ends it (prompts are built lazily).
      count = Math.min(1_000_000, Math.ceil(probeS * (plan.mode === 'synchronous' ? 1000 : 20_000)));
      offsets = new Float64Array(count);
      break;
    }
  }
  const prompts = createPromptSet({ source: config.prompts, endpoint: config.endpoint, count, seed, stage: plan.name, ...(s.sharegpt ? { sharegpt: s.sharegpt } : {}) });
  const sender = (args.createSender ?? defaultCreateSender)({
    baseUrl: endpoint.baseUrl,
    model: endpoint.model,
    ...(s.apiKey !== undefined ? { apiKey: s.apiKey } : {}),
    maxConnections: maxConcurrency ?? count,
    requestTimeoutMs: config.request_timeout_s * 1000,
  });
  const scraper = args.scrapeMetrics === false ? null : startScraper({ baseUrl: endpoint.baseUrl, intervalS: args.scrapeIntervalS ?? 1, ...(s.apiKey !== undefined ? { apiKey: s.apiKey } : {}) });
  let serverMetrics: ServerMetricsLog | null;
  let run: RunLoadResult;
  try {
    run = await runLoad({
      sender,
      requests: prompts,
      offsetsMs: offsets,
      stage: plan.name,
      targetRateRps: plan.rate,
      maxConcurrency,
      warmupUntilMs: plan.mode === 'rate' ? s.warmupMs : 0,
      ...(stopAfterMs !== undefined ? { stopAfterMs } : {}),
      signal,
      onProgress: (p) => s.onProgress(p.done, p.total),
    });
  } finally {
    await sender.close();
    serverMetrics = scraper ? await scraper.stop() : null;
  }
  throwIfAborted(signal);
  if (run.records.length === 0) throw new EvalflowError('input_invalid', `online stage ${plan.name} sent no requests`);
  const summary = summarize(plan, run, config, s.warmupMs, serverMetrics);
  await ensureDir(dir);
  await writeRecords(join(dir, ONLINE_FILES.raw), run.records);
  await writeServerMetricsFile(dir, serverMetrics);
  const stageWarnings = [...selfCheckWarnings(plan.name, run.selfCheck), ...errorSamples(run.records)];
  if (stageWarnings.length > 0) await writeTextAtomic(join(dir, ONLINE_FILES.stderr), `${stageWarnings.join('\n')}\n`);
  // Last: its presence marks the stage finished for resume.
  await writeJsonAtomic(join(dir, ONLINE_FILES.summary), summary);
  return summary;
}
