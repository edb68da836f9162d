import { z } from 'zod';

/** Faults the simulator injects; also settable at run time through POST /admin/faults. */
export const SimulatorFaults = z.strictObject({
  error_rate: z.number().min(0).max(1).default(0).describe('fraction of requests answered with HTTP 500'),
  garbage_rate: z.number().min(0).max(1).default(0).describe('fraction of streams that send a malformed SSE event mid-stream'),
  stream_error_rate: z.number().min(0).max(1).default(0).describe('fraction of streams that end with an SSE error event'),
  crash_after_requests: z.int().positive().nullable().default(null).describe('the process exits (or the server closes every socket) on the Nth request'),
  hang_after_requests: z.int().positive().nullable().default(null).describe('from the Nth request on, requests are accepted and never answered'),
});
export type SimulatorFaults = z.infer<typeof SimulatorFaults>;

/** The vLLM simulator's latency model, capacity, answer quality and faults. */
export const SimulatorOptions = z.strictObject({
  startup_delay_s: z.number().min(0).default(0.5).describe('/health answers 503 until then, like a loading model'),
  ttft_base_ms: z.number().min(0).default(40),
  ttft_per_prompt_token_ms: z.number().min(0).default(0.05).describe('prefill cost per prompt token'),
  itl_ms: z.number().min(0).default(12).describe('inter-token latency at batch size 1'),
  itl_jitter: z.number().min(0).max(0.3).default(0.1).describe('relative standard deviation of each token gap'),
  load_factor: z.number().min(1).default(2).describe('token gaps are this much longer with max_num_seqs running'),
  max_num_seqs: z.int().positive().default(64).describe('sequences decoded at once; more wait in the queue'),
  max_waiting: z.int().positive().default(100_000).describe('waiting requests beyond this get HTTP 503'),
  max_model_len: z.int().positive().default(32_768),
  default_output_tokens: z.int().positive().default(128).describe('reply length when the prompt is not a known benchmark question and ignore_eos is off'),
  accuracy: z.record(z.string(), z.number().min(0).max(1)).default({ default: 0.8 }).describe('probability of a correct answer per benchmark; key default for the rest'),
  unparseable_rate: z.number().min(0).max(1).default(0.03).describe('of the wrong answers, the fraction with no parseable final answer'),
  seed: z.int().nonnegative().default(0),
  faults: SimulatorFaults.default(SimulatorFaults.parse({})),
  deadline_s: z.number().positive().nullable().default(null).describe('hard cap on the server lifetime (like activeDeadlineSeconds)'),
});
export type SimulatorOptions = z.infer<typeof SimulatorOptions>;

/**
 * How one model behaves on the simulator in a sweep (sweep.yaml simulated_models): a simulated scaling
 * sweep would otherwise give every size the same accuracy and speed. Invented figures for demos and
 * tests, never measurements; GPU backends ignore them.
 */
export const SimulatedModelProfile = z.strictObject({
  accuracy: SimulatorOptions.shape.accuracy.unwrap().optional().describe('merged over the suite simulator accuracy, key by key'),
  itl_ms: SimulatorOptions.shape.itl_ms.unwrap().optional(),
  ttft_base_ms: SimulatorOptions.shape.ttft_base_ms.unwrap().optional(),
});
export type SimulatedModelProfile = z.infer<typeof SimulatedModelProfile>;
