import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { writeJsonAtomic } from '../store/files.ts';
import { every } from '../common/periodic.ts';
import { parsePrometheusText } from '../common/prometheus.ts';

/**
 * Samples the server's load gauges during a step (GET /metrics every
 * interval). vLLM metric names are data, kept here in one place. A failed
 * scrape is recorded as such and the step goes on.
 */
export const VLLM_GAUGES = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  kvCacheUsage: 'vllm:kv_cache_usage_perc',
  /** Deprecated (PR #18354) and removed (PR #29330) in newer vLLM; read when the new name is absent. */
  kvCacheUsageLegacy: 'vllm:gpu_cache_usage_perc',
} as const;

const WANTED = new Set<string>(Object.values(VLLM_GAUGES));

export interface ServerMetricsSample {
  /** Epoch ms, comparable across processes. */
  t_ms: number;
  /** Summed over engines (data parallel serves one series per engine). */
  running: number | null;
  waiting: number | null;
  /** 0–1; the fullest engine's. */
  kv_cache_usage: number | null;
}

export interface ServerMetricsFailure {
  t_ms: number;
  error: string;
}

export interface ServerMetricsLog {
  url: string;
  interval_s: number;
  samples: ServerMetricsSample[];
  failures: ServerMetricsFailure[];
  summary: { samples: number; failures: number; running_max: number | null; waiting_max: number | null; kv_cache_usage_max: number | null };
}

/** The gauges from one /metrics body; a gauge the server does not export is null. */
export function extractGauges(text: string, tMs: number): ServerMetricsSample {
  let running: number | null = null;
  let waiting: number | null = null;
  let kv: number | null = null;
  let kvLegacy: number | null = null;
  for (const s of parsePrometheusText(text, WANTED)) {
    if (!Number.isFinite(s.value)) continue;
    switch (s.name) {
      case VLLM_GAUGES.running:
        running = (running ?? 0) + s.value;
        break;
      case VLLM_GAUGES.waiting:
        waiting = (waiting ?? 0) + s.value;
        break;
      case VLLM_GAUGES.kvCacheUsage:
        kv = Math.max(kv ?? -Infinity, s.value);
        break;
      case VLLM_GAUGES.kvCacheUsageLegacy:
        kvLegacy = Math.max(kvLegacy ?? -Infinity, s.value);
        break;
    }
  }
  return { t_ms: tMs, running, waiting, kv_cache_usage: kv ?? kvLegacy };
}

function maxOf(values: (number | null)[]): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}

export function summarizeServerMetrics(url: string, intervalS: number, samples: ServerMetricsSample[], failures: ServerMetricsFailure[]): ServerMetricsLog {
  return {
    url,
    interval_s: intervalS,
    samples,
    failures,
    summary: {
      samples: samples.length,
      failures: failures.length,
      running_max: maxOf(samples.map((s) => s.running)),
      waiting_max: maxOf(samples.map((s) => s.waiting)),
      kv_cache_usage_max: maxOf(samples.map((s) => s.kv_cache_usage)),
    },
  };
}

export interface ScraperOptions {
  baseUrl: string;
  intervalS: number;
  apiKey?: string;
  /** Per scrape; a slow /metrics must not pile up scrapes. */
  timeoutMs?: number;
}

export interface Scraper {
  /** Stop sampling and return everything collected. */
  stop(): Promise<ServerMetricsLog>;
}

const epochMs = (): number => performance.timeOrigin + performance.now();

/** Start scraping now; one scrape at a time, on undici's global dispatcher so it never takes a load connection. */
export function startScraper(options: ScraperOptions): Scraper {
  const base = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const url = `${base}/metrics`;
  const timeoutMs = options.timeoutMs ?? Math.max(1000, options.intervalS * 1000);
  const samples: ServerMetricsSample[] = [];
  const failures: ServerMetricsFailure[] = [];
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const scrape = async (): Promise<void> => {
    const t = epochMs();
    try {
      const res = await request(url, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.body.text();
      if (res.statusCode !== 200) failures.push({ t_ms: t, error: `HTTP ${res.statusCode}` });
      else samples.push(extractGauges(text, t));
    } catch (err) {
      failures.push({ t_ms: t, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  };
  const periodic = every(options.intervalS * 1000, scrape);

  return {
    async stop() {
      await periodic.stop();
      return summarizeServerMetrics(url, options.intervalS, samples, failures);
    },
  };
}

export async function writeServerMetrics(path: string, log: ServerMetricsLog): Promise<void> {
  await writeJsonAtomic(path, log);
}
