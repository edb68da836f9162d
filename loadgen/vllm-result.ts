import type { RequestRecord } from './record.ts';
import { requestTimings } from './report.ts';
import type { ServingMetrics } from './report.ts';
import type { Distribution } from '../stats/percentile.ts';
import { percentileLabel } from '../stats/percentile.ts';

/**
 * The `vllm bench serve --save-result --save-detailed` JSON and the summary
 * table it prints, from our metrics (load-generation.md §3). vLLM writes 0
 * for statistics of an empty list (np.mean([] or 0)); so do we here, while our
 * own files say null.
 */

export const VLLM_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
type VllmMetric = (typeof VLLM_METRICS)[number];

function distributionOf(metrics: ServingMetrics, m: VllmMetric): Distribution {
  switch (m) {
    case 'ttft':
      return metrics.ttft_ms;
    case 'tpot':
      return metrics.tpot_ms;
    case 'itl':
      return metrics.itl_ms;
    case 'e2el':
      return metrics.e2el_ms;
  }
}

/** vLLM's timestamp format, %Y%m%d-%H%M%S (local time, as datetime.now() gives). */
export function vllmDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export interface VllmRunInfo {
  date: Date;
  model: string;
  endpoint: 'completions' | 'chat';
  numPrompts: number;
  /** Infinity is written as the string "inf", as vLLM does. */
  requestRate: number;
  burstiness: number;
  maxConcurrency: number | null;
  percentiles: readonly number[];
}

export function vllmResultJson(info: VllmRunInfo, metrics: ServingMetrics, records: readonly RequestRecord[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    date: vllmDate(info.date),
    endpoint_type: info.endpoint === 'chat' ? 'openai-chat' : 'openai',
    backend: 'vllm',
    label: null,
    model_id: info.model,
    tokenizer_id: info.model,
    num_prompts: info.numPrompts,
    request_rate: Number.isFinite(info.requestRate) ? info.requestRate : 'inf',
    burstiness: info.burstiness,
    max_concurrency: info.maxConcurrency,
    duration: metrics.duration_s,
    completed: metrics.completed,
    failed: metrics.failed,
    total_input_tokens: metrics.total_input_tokens,
    total_output_tokens: metrics.total_output_tokens,
    request_throughput: metrics.request_throughput,
    request_goodput: metrics.request_goodput,
    output_throughput: metrics.output_throughput,
    total_token_throughput: metrics.total_token_throughput,
    max_output_tokens_per_s: metrics.max_output_tokens_per_s,
    max_concurrent_requests: metrics.max_concurrent_requests,
  };
  for (const m of VLLM_METRICS) {
    const d = distributionOf(metrics, m);
    out[`mean_${m}_ms`] = d.mean ?? 0;
    out[`median_${m}_ms`] = d.median ?? 0;
    out[`std_${m}_ms`] = d.std ?? 0;
    for (const p of info.percentiles) out[`p${percentileLabel(p)}_${m}_ms`] = d.percentiles[percentileLabel(p)] ?? 0;
  }
  // Detail arrays, one entry per request (failures included), in seconds like vLLM's.
  const measured = records.filter((r) => !r.warmup);
  const timings = measured.map(requestTimings);
  out.input_lens = measured.map((r) => r.promptTokens ?? 0);
  out.output_lens = measured.map((r, i) => (timings[i] ? (r.completionTokens ?? r.chunkMs.length) : 0));
  out.ttfts = timings.map((t) => (t ? t.ttftMs / 1000 : 0));
  out.itls = timings.map((t) => (t ? t.itlsMs.map((x) => x / 1000) : []));
  out.errors = measured.map((r) => (r.error === null ? '' : `${r.error.kind}: ${r.error.message}`));
  return out;
}

const fmt = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
const row = (label: string, value: string): string => `${label.padEnd(40)} ${value.padEnd(10)}`;
function banner(title: string, fill: string): string {
  const text = title === '' ? '' : ` ${title} `;
  const left = Math.floor((50 - text.length) / 2);
  return `${fill.repeat(Math.max(0, left))}${text}${fill.repeat(Math.max(0, 50 - text.length - left))}`;
}

/** The table `vllm bench serve` prints at the end of a run. */
export function vllmSummaryText(info: Pick<VllmRunInfo, 'maxConcurrency' | 'percentiles'>, metrics: ServingMetrics): string {
  const lines = [
    banner('Serving Benchmark Result', '='),
    row('Successful requests:', String(metrics.completed)),
    row('Failed requests:', String(metrics.failed)),
    row('Maximum request concurrency:', info.maxConcurrency === null ? 'None' : String(info.maxConcurrency)),
    row('Benchmark duration (s):', fmt(metrics.duration_s)),
    row('Total input tokens:', String(metrics.total_input_tokens)),
    row('Total generated tokens:', String(metrics.total_output_tokens)),
    row('Request throughput (req/s):', fmt(metrics.request_throughput)),
  ];
  if (metrics.request_goodput !== null) lines.push(row('Request goodput (req/s):', fmt(metrics.request_goodput)));
  lines.push(
    row('Output token throughput (tok/s):', fmt(metrics.output_throughput)),
    row('Peak output token throughput (tok/s):', fmt(metrics.max_output_tokens_per_s)),
    row('Peak concurrent requests:', fmt(metrics.max_concurrent_requests)),
    row('Total Token throughput (tok/s):', fmt(metrics.total_token_throughput)),
  );
  const sections: [VllmMetric, string, string][] = [
    ['ttft', 'Time to First Token', 'TTFT'],
    ['tpot', 'Time per Output Token (excl. 1st token)', 'TPOT'],
    ['itl', 'Inter-token Latency', 'ITL'],
    ['e2el', 'End-to-end Latency', 'E2EL'],
  ];
  for (const [m, title, short] of sections) {
    const d = distributionOf(metrics, m);
    lines.push(banner(title, '-'), row(`Mean ${short} (ms):`, fmt(d.mean)), row(`Median ${short} (ms):`, fmt(d.median)));
    for (const p of info.percentiles) lines.push(row(`P${percentileLabel(p)} ${short} (ms):`, fmt(d.percentiles[percentileLabel(p)] ?? null)));
  }
  lines.push('='.repeat(50));
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
