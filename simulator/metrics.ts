/**
 * Prometheus metrics under vLLM's names, on a private registry. Per-token updates (ITL,
 * generation tokens) are buffered as plain numbers and folded in when scraped.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** vLLM's metric names, in one place. */
export const VLLM_METRICS = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  kvCacheUsage: 'vllm:kv_cache_usage_perc',
  gpuCacheUsage: 'vllm:gpu_cache_usage_perc',
  ttft: 'vllm:time_to_first_token_seconds',
  e2e: 'vllm:e2e_request_latency_seconds',
  itl: 'vllm:inter_token_latency_seconds',
  tpot: 'vllm:request_time_per_output_token_seconds',
  queueTime: 'vllm:request_queue_time_seconds',
  promptTokens: 'vllm:prompt_tokens_total',
  generationTokens: 'vllm:generation_tokens_total',
  requestSuccess: 'vllm:request_success_total',
} as const;

// Buckets as in vllm/v1/metrics/loggers.py.
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

/** The finished_reason values vLLM reports, each present from the start. */
const FINISHED_REASONS = ['stop', 'length', 'abort'] as const;

/**
 * ITL samples kept before folding them into the histogram, so an unscraped server stays small.
 * Folding costs ~1.4 µs a sample (profiled) and blocks the event loop while it runs, so batches
 * stay small: 4096 at once was a ~6 ms stall, delaying the requests the simulator had yet to read.
 */
const ITL_BUFFER = 256;

export interface EngineGauges {
  running: () => number;
  waiting: () => number;
  /** 0–1 */
  kvCacheUsage: () => number;
}

export class SimulatorMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly ttft: Histogram<'model_name'>;
  private readonly e2e: Histogram<'model_name'>;
  private readonly itl: Histogram<'model_name'>;
  private readonly tpot: Histogram<'model_name'>;
  private readonly queueTime: Histogram<'model_name'>;
  private readonly promptTokens: Counter<'model_name'>;
  private readonly generationTokens: Counter<'model_name'>;
  private readonly success: Counter<'model_name' | 'finished_reason'>;
  private readonly itlPending = new Float64Array(ITL_BUFFER);
  private itlCount = 0;
  private generatedPending = 0;

  constructor(model: string, gauges: EngineGauges) {
    const labels = { model_name: model };
    this.labels = labels;
    const registers = [this.registry];
    const labelNames = ['model_name'] as const;
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    };
    gauge(VLLM_METRICS.running, 'Number of requests in model execution batches.', gauges.running);
    gauge(VLLM_METRICS.waiting, 'Number of requests waiting to be processed.', gauges.waiting);
    gauge(VLLM_METRICS.kvCacheUsage, 'KV-cache usage. 1 means 100 percent usage.', gauges.kvCacheUsage);
    gauge(VLLM_METRICS.gpuCacheUsage, 'GPU KV-cache usage. 1 means 100 percent usage (deprecated).', gauges.kvCacheUsage);
    const histogram = (name: string, help: string, buckets: number[], collect?: () => void): Histogram<'model_name'> =>
      new Histogram({ name, help, labelNames, buckets, registers, ...(collect ? { collect } : {}) });
    this.ttft = histogram(VLLM_METRICS.ttft, 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
    this.e2e = histogram(VLLM_METRICS.e2e, 'Histogram of e2e request latency in seconds.', REQUEST_BUCKETS);
    this.itl = histogram(VLLM_METRICS.itl, 'Histogram of inter-token latency in seconds.', ITL_BUCKETS, () => this.flushItl());
    this.tpot = histogram(VLLM_METRICS.tpot, 'Histogram of time_per_output_token_seconds per request.', ITL_BUCKETS);
    this.queueTime = histogram(VLLM_METRICS.queueTime, 'Histogram of time spent in WAITING phase for request.', REQUEST_BUCKETS);
    this.promptTokens = new Counter({ name: VLLM_METRICS.promptTokens, help: 'Number of prefill tokens processed.', labelNames, registers });
    this.generationTokens = new Counter({
      name: VLLM_METRICS.generationTokens,
      help: 'Number of generation tokens processed.',
      labelNames,
      registers,
      collect: () => this.flushGenerated(),
    });
    this.success = new Counter({ name: VLLM_METRICS.requestSuccess, help: 'Count of successfully processed requests.', labelNames: ['model_name', 'finished_reason'], registers });
    // Zero series exist from the start, as in vLLM, so a scrape before any traffic sees them.
    for (const metric of [this.ttft, this.e2e, this.itl, this.tpot, this.queueTime]) metric.zero(labels);
    this.promptTokens.inc(labels, 0);
    this.generationTokens.inc(labels, 0);
    for (const reason of FINISHED_REASONS) this.success.inc({ model_name: model, finished_reason: reason }, 0);
  }

  firstToken(ttftS: number, promptTokens: number): void {
    this.ttft.observe(this.labels, ttftS);
    this.promptTokens.inc(this.labels, promptTokens);
  }

  /** Hot path: one call per token after the first. */
  token(gapS: number): void {
    this.generatedPending++;
    this.itlPending[this.itlCount++] = gapS;
    if (this.itlCount === ITL_BUFFER) this.flushItl();
  }

  /** The first token of a request (no gap before it). */
  firstGenerated(): void {
    this.generatedPending++;
  }

  finished(reason: string, e2eS: number, queueS: number, tpotS: number | null): void {
    this.e2e.observe(this.labels, e2eS);
    this.queueTime.observe(this.labels, queueS);
    if (tpotS !== null) this.tpot.observe(this.labels, tpotS);
    this.success.inc({ model_name: this.labels.model_name, finished_reason: reason });
  }

  /** vLLM counts requests the client abandoned under finished_reason="abort". */
  aborted(): void {
    this.success.inc({ model_name: this.labels.model_name, finished_reason: 'abort' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private flushItl(): void {
    const labels = this.labels;
    for (let i = 0; i < this.itlCount; i++) this.itl.observe(labels, this.itlPending[i] ?? 0);
    this.itlCount = 0;
  }

  private flushGenerated(): void {
    if (this.generatedPending > 0) this.generationTokens.inc(this.labels, this.generatedPending);
    this.generatedPending = 0;
  }
}
