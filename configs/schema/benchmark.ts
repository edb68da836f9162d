import { z } from 'zod';

export const Endpoint = z.enum(['completions', 'chat']);
export type Endpoint = z.infer<typeof Endpoint>;

/** Where throughput and online prompts come from. */
export const PromptSource = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('random'),
    input_len: z.int().positive().default(1024),
    output_len: z.int().positive().default(128),
    range_ratio: z.number().min(0).lt(1).default(0).describe('lengths drawn uniformly from [L(1-r), L(1+r)]'),
  }),
  z.strictObject({
    kind: z.literal('sharegpt'),
    path: z.string().min(1).describe('ShareGPT-style JSON: [{conversations: [{from, value}, ...]}]'),
    output_len: z.int().positive().optional().describe('fixed output length; defaults to the reference reply length'),
  }),
]);
export type PromptSource = z.infer<typeof PromptSource>;

export const Slo = z.strictObject({
  ttft_ms: z.number().positive().optional(),
  tpot_ms: z.number().positive().optional(),
  e2el_ms: z.number().positive().optional(),
});
export type Slo = z.infer<typeof Slo>;

export const ThroughputConfig = z.strictObject({
  num_prompts: z.int().positive().default(1000),
  prompts: PromptSource.default({ kind: 'random', input_len: 1024, output_len: 128, range_ratio: 0 }),
  endpoint: Endpoint.default('completions'),
  max_concurrency: z.int().positive().nullable().default(null).describe('null: every request in flight at once (rate inf)'),
  request_timeout_s: z.number().positive().default(1800),
});
export type ThroughputConfig = z.infer<typeof ThroughputConfig>;

export const Arrival = z.enum(['poisson', 'gamma', 'constant']);
export type Arrival = z.infer<typeof Arrival>;

export const OnlineConfig = z.strictObject({
    rates: z.union([z.array(z.number().positive()).min(1), z.literal('auto')]).default([1, 5, 10]),
    auto_points: z.int().min(3).default(6).describe('with rates: auto, how many rates in all (synchronous, saturation and points between)'),
    duration_s: z.number().positive().default(60).describe('each rate runs rate x duration_s requests'),
    warmup_s: z.number().min(0).default(0).describe('requests in the first warmup_s seconds are sent but left out of the statistics'),
    arrival: Arrival.default('poisson'),
    burstiness: z.number().positive().default(1).describe('gamma shape; 1 is Poisson, below 1 burstier'),
    max_concurrency: z.int().positive().nullable().default(null),
    prompts: PromptSource.default({ kind: 'random', input_len: 512, output_len: 128, range_ratio: 0 }),
    endpoint: Endpoint.default('completions'),
    slo: Slo.default({}),
    request_timeout_s: z.number().positive().default(600),
  seed: z.int().nonnegative().default(0),
});
export type OnlineConfig = z.infer<typeof OnlineConfig>;

export const BenchmarkConfig = z.strictObject({
  throughput: ThroughputConfig.default(ThroughputConfig.parse({})),
  online: OnlineConfig.default(OnlineConfig.parse({})),
  scrape_metrics_interval_s: z.number().positive().default(1).describe('how often /metrics is sampled during a step'),
});
export type BenchmarkConfig = z.infer<typeof BenchmarkConfig>;
