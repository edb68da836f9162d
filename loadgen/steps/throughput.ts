import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ThroughputConfig } from '../../configs/schema/benchmark.ts';
import { writeCsvAtomic, writeJsonAtomic, writeTextAtomic } from '../../store/files.ts';
import { createPromptSet } from '../prompts.ts';
import { computeMetrics } from '../report.ts';
import { runLoad } from '../run.ts';
import { startScraper } from '../server-metrics.ts';
import type { ServerMetricsLog } from '../server-metrics.ts';
import { vllmResultJson, vllmSummaryText } from '../vllm-result.ts';
import type { StepDeps, StepEndpoint, StepHooks } from './common.ts';
import { defaultCreateSender, errorSamples, loadPromptData, resolveApiKey, round, selfCheckWarnings, throwIfAborted, writeRecords, writeServerMetricsFile } from './common.ts';

export interface ThroughputStepArgs extends StepHooks, StepDeps {
  endpoint: StepEndpoint;
  config: ThroughputConfig;
  seed: number;
  outDir: string;
  /** How often /metrics is sampled; default 1 s. */
  scrapeIntervalS?: number;
}

/** Returned through Temporal: the seed's headline keys and the self-check verdict, nothing large. */
export type ThroughputSummary = {
  request_throughput_rps: number | null;
  input_throughput_tps: number | null;
  output_throughput_tps: number | null;
  total_time_s: number | null;
  mean_ttft_ms: number | null;
  p99_ttft_ms: number | null;
  completed: number;
  failed: number;
  self_check_ok: boolean;
};

export const THROUGHPUT_FILES = {
  results: 'throughput_results.json',
  csv: 'throughput_results.csv',
  vllmRaw: 'vllm_bench_raw.json',
  raw: 'raw_results.json',
  stdout: 'stdout.txt',
  stderr: 'stderr.txt',
  serverMetrics: 'server_metrics.json',
} as const;

const STAGE = 'throughput';
const PERCENTILES = [50, 90, 95, 99] as const;
/** vLLM's --metric-percentiles default, for the vLLM-shaped file and table. */
const VLLM_PERCENTILES = [99] as const;

/**
 * Offline-style throughput through the server (vLLM `bench serve --request-rate inf`):
 * every prompt at t = 0, or a closed loop of max_concurrency. Writes the seed's
 * §1.1 files into outDir and returns the headline numbers.
 */
export async function runThroughputStep(args: ThroughputStepArgs): Promise<ThroughputSummary> {
  const { endpoint, config, seed, outDir, log, heartbeat, signal } = args;
  const apiKey = resolveApiKey(endpoint);
  const sharegpt = await loadPromptData(config.prompts);
  const total = config.num_prompts;
  const prompts = createPromptSet({ source: config.prompts, endpoint: config.endpoint, count: total, seed, stage: STAGE, ...(sharegpt ? { sharegpt } : {}) });
  const sender = (args.createSender ?? defaultCreateSender)({
    baseUrl: endpoint.baseUrl,
    model: endpoint.model,
    ...(apiKey !== undefined ? { apiKey } : {}),
    maxConnections: config.max_concurrency ?? total,
    requestTimeoutMs: config.request_timeout_s * 1000,
  });
  const intervalS = args.scrapeIntervalS ?? 1;
  const scraper = args.scrapeMetrics === false ? null : startScraper({ baseUrl: endpoint.baseUrl, intervalS, ...(apiKey !== undefined ? { apiKey } : {}) });
  log(`throughput: ${total} prompts (${config.prompts.kind}) to ${endpoint.baseUrl} at rate inf, max_concurrency ${config.max_concurrency ?? 'none'}`);
  heartbeat({ stage: STAGE, done: 0, total });
  const date = new Date();
  let serverMetrics: ServerMetricsLog | null;
  let result;
  try {
    result = await runLoad({
      sender,
      requests: prompts,
      offsetsMs: new Float64Array(total),
      stage: STAGE,
      targetRateRps: Infinity,
      maxConcurrency: config.max_concurrency,
      signal,
      onProgress: (p) => heartbeat({ stage: STAGE, done: p.done, total: p.total, failed: p.failed }),
    });
  } finally {
    await sender.close();
    serverMetrics = scraper ? await scraper.stop() : null;
  }
  throwIfAborted(signal);

  const { records, selfCheck } = result;
  const metrics = computeMetrics(records, { percentiles: PERCENTILES, startMs: result.startMs });
  const headline: ThroughputSummary = {
    request_throughput_rps: round(metrics.request_throughput),
    input_throughput_tps: round(metrics.input_throughput),
    output_throughput_tps: round(metrics.output_throughput),
    total_time_s: round(metrics.duration_s),
    mean_ttft_ms: round(metrics.ttft_ms.mean),
    p99_ttft_ms: round(metrics.ttft_ms.percentiles['99']),
    completed: metrics.completed,
    failed: metrics.failed,
    self_check_ok: selfCheck.ok,
  };
  const flat = {
    ...headline,
    num_prompts: total,
    max_concurrency: config.max_concurrency,
    total_input_tokens: metrics.total_input_tokens,
    total_output_tokens: metrics.total_output_tokens,
    total_token_throughput_tps: round(metrics.total_token_throughput),
    max_output_tokens_per_s: metrics.max_output_tokens_per_s,
    max_concurrent_requests: metrics.max_concurrent_requests,
    median_ttft_ms: round(metrics.ttft_ms.median),
    mean_tpot_ms: round(metrics.tpot_ms.mean),
    median_tpot_ms: round(metrics.tpot_ms.median),
    p99_tpot_ms: round(metrics.tpot_ms.percentiles['99']),
    median_itl_ms: round(metrics.itl_ms.median),
    p99_itl_ms: round(metrics.itl_ms.percentiles['99']),
    mean_e2el_ms: round(metrics.e2el_ms.mean),
    median_e2el_ms: round(metrics.e2el_ms.median),
    p99_e2el_ms: round(metrics.e2el_ms.percentiles['99']),
    median_ttfb_ms: round(metrics.ttfb_ms.median),
    schedule_lag_p99_ms: selfCheck.schedule_lag_p99_ms,
    self_check_reasons: selfCheck.reasons.join('; '),
  };
  const errorsByKind = metrics.errors_by_kind;
  await writeJsonAtomic(join(outDir, THROUGHPUT_FILES.results), {
    ...flat,
    errors_by_kind: errorsByKind,
    self_check: selfCheck,
    server_metrics: serverMetrics?.summary ?? null,
    /** performance.timeOrigin: raw_results.json times are ms after it. */
    time_origin_ms: performance.timeOrigin,
  });
  await writeCsvAtomic(join(outDir, THROUGHPUT_FILES.csv), [{ ...flat, errors_by_kind: JSON.stringify(errorsByKind) }]);
  const vllmInfo = { date, model: endpoint.model, endpoint: config.endpoint, numPrompts: total, requestRate: Infinity, burstiness: 1, maxConcurrency: config.max_concurrency, percentiles: VLLM_PERCENTILES };
  await writeJsonAtomic(join(outDir, THROUGHPUT_FILES.vllmRaw), vllmResultJson(vllmInfo, computeMetrics(records, { percentiles: VLLM_PERCENTILES, startMs: result.startMs }), records));
  await writeRecords(join(outDir, THROUGHPUT_FILES.raw), records);
  await writeServerMetricsFile(outDir, serverMetrics);
  const table = vllmSummaryText(vllmInfo, metrics);
  await writeTextAtomic(join(outDir, THROUGHPUT_FILES.stdout), table);
  const warnings = [
    ...selfCheckWarnings(STAGE, selfCheck),
    ...(metrics.failed > 0 ? [`WARNING: ${metrics.failed} of ${metrics.total} requests failed: ${JSON.stringify(errorsByKind)}`] : []),
    ...errorSamples(records),
    ...(serverMetrics && serverMetrics.failures.length > 0 ? [`WARNING: ${serverMetrics.failures.length} /metrics scrapes failed, first: ${serverMetrics.failures[0]!.error}`] : []),
  ];
  await writeTextAtomic(join(outDir, THROUGHPUT_FILES.stderr), warnings.length > 0 ? `${warnings.join('\n')}\n` : '');
  for (const w of warnings.slice(0, 10)) log(w);
  log(`throughput: ${metrics.completed}/${metrics.total} ok in ${metrics.duration_s.toFixed(2)} s, ${metrics.request_throughput.toFixed(2)} req/s, ${metrics.output_throughput.toFixed(1)} output tok/s`);
  return headline;
}
