import { join } from 'node:path';
import type { PromptSource } from '../../configs/schema/benchmark.ts';
import { EvalflowError } from '../../common/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../store/files.ts';
import { loadShareGpt } from '../prompts.ts';
import type { ShareGptPair } from '../prompts.ts';
import type { RequestErrorKind, RequestRecord, Sender } from '../record.ts';
import { createSender } from '../sender.ts';
import type { SenderOptions } from '../sender.ts';
import type { ServerMetricsLog } from '../server-metrics.ts';
import type { SelfCheck } from '../self-check.ts';

/** The OpenAI-compatible server a step talks to. */
export interface StepEndpoint {
  baseUrl: string;
  model: string;
  /** Environment variable holding the API key (never the key itself). */
  apiKeyEnv?: string;
}

/** What the activity lends a step: logging, progress and cancellation. */
export interface StepHooks {
  log: (message: string) => void;
  heartbeat: (details: Record<string, unknown>) => void;
  signal: AbortSignal;
}

/** Seams for tests: a fake sender instead of HTTP, or no /metrics scraping. */
export interface StepDeps {
  createSender?: (options: SenderOptions) => Sender;
  /** Default true. */
  scrapeMetrics?: boolean;
}

export const defaultCreateSender = createSender;

export function resolveApiKey(endpoint: StepEndpoint): string | undefined {
  if (endpoint.apiKeyEnv === undefined) return undefined;
  const key = process.env[endpoint.apiKeyEnv];
  if (key === undefined || key === '') {
    throw new EvalflowError('config_invalid', `environment variable ${endpoint.apiKeyEnv} (the endpoint's api_key_env) is not set`);
  }
  return key;
}

export async function loadPromptData(source: PromptSource): Promise<readonly ShareGptPair[] | undefined> {
  return source.kind === 'sharegpt' ? loadShareGpt(source.path, source.output_len) : undefined;
}

/** Cancellation: stop with the activity's own reason (Temporal's CancelledFailure). */
export function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : new Error(`cancelled: ${String(reason)}`);
}

/** One record per line inside a JSON array: readable, diffable, and a tenth of the size of indent-2 output. */
export async function writeRecords(path: string, records: readonly RequestRecord[]): Promise<void> {
  const body = records.length === 0 ? '[]\n' : `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
  await writeFileAtomic(path, body);
}

export async function writeServerMetricsFile(dir: string, log: ServerMetricsLog | null): Promise<void> {
  if (log !== null) await writeJsonAtomic(join(dir, 'server_metrics.json'), log);
}

/** Up to `perKind` distinct messages of each error kind, for stderr and logs. */
export function errorSamples(records: readonly RequestRecord[], perKind = 5): string[] {
  const seen = new Map<RequestErrorKind, Set<string>>();
  for (const r of records) {
    if (r.error === null) continue;
    const set = seen.get(r.error.kind) ?? new Set<string>();
    seen.set(r.error.kind, set);
    if (set.size < perKind) set.add(`${r.error.kind}: ${r.error.message} (request ${r.id})`);
  }
  return [...seen.values()].flatMap((s) => [...s]);
}

export function selfCheckWarnings(stage: string, check: SelfCheck): string[] {
  return check.reasons.map((r) => `WARNING: ${stage}: client self-check failed: ${r}`);
}

/** Round for the summary files: ms and rates to 3 decimals is below any clock's resolution here. */
export function round(x: number | null | undefined, digits = 3): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
