import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServingConfig } from '../../../configs/schema/serving.ts';
import { BackendConfig } from '../../../configs/schema/suite.ts';
import type { z } from 'zod';
import type { AllocationSpec, BackendContext } from '../../../backends/types.ts';
import { EvalflowError, type ErrorCode } from '../../../common/errors.ts';

export interface RecordingContext extends BackendContext {
  heartbeats: Record<string, unknown>[];
  logs: string[];
  abort(): void;
}

export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const heartbeats: Record<string, unknown>[] = [];
  const logs: string[] = [];
  return {
    heartbeats,
    logs,
    signal: controller.signal,
    heartbeat: (details) => void heartbeats.push(details),
    log: (message) => void logs.push(message),
    abort: () => controller.abort(),
  };
}

let counter = 0;

export async function makeSpec(backend: z.input<typeof BackendConfig>, overrides: Partial<Omit<AllocationSpec, 'serving'>> & { serving?: z.input<typeof ServingConfig> } = {}): Promise<AllocationSpec> {
  counter += 1;
  const logDir = await mkdtemp(join(tmpdir(), 'evalflow-backend-'));
  const { serving, ...rest } = overrides;
  return {
    workflowId: `suite-smoke/qwen-0.5b/${counter}-${Date.now()}`,
    runId: '0199a1b2-c3d4-7e5f-8a9b-0123456789ab',
    modelName: 'qwen-0.5b',
    serving: ServingConfig.parse({ model: 'Qwen/Qwen2.5-0.5B-Instruct', served_model_name: 'qwen-0.5b', ...serving }),
    backend: BackendConfig.parse(backend),
    logDir,
    stateDir: join(logDir, 'state'),
    ...rest,
  };
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Awaits the promise and returns the EvalflowError it rejects with (fails the test otherwise). */
export async function evalflowErrorOf(promise: Promise<unknown>): Promise<EvalflowError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EvalflowError) return err;
    throw new Error(`expected an EvalflowError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection, got success');
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<EvalflowError> {
  const err = await evalflowErrorOf(promise);
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`, { cause: err });
  return err;
}

/** The server answers /health and one completion, as a benchmark would need. */
export async function expectServing(baseUrl: string, model: string): Promise<{ health: number; text: string }> {
  const health = await fetch(`${baseUrl}/health`);
  const res = await fetch(`${baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'Hello', max_tokens: 4 }),
  });
  if (!res.ok) throw new Error(`completion failed: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { choices?: { text?: string }[] };
  return { health: health.status, text: body.choices?.[0]?.text ?? '' };
}

/** Polls until `check` returns true (for driving fakes at the right moment). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
