import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { request } from 'undici';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { Allocation, AllocationSpec, Backend, ServerEndpoint } from '../backends/types.ts';
import type { BackendKind } from '../configs/schema/suite.ts';
import type { ServerInfo } from '../store/run-meta.ts';
import { EvalflowError } from '../common/errors.ts';
import { activityBackendContext, classified, temporalIds } from './context.ts';

export interface ServerRef {
  suite: ResolvedSuite;
  /** Where server logs are saved. */
  logDir: string;
}

export type BackendRegistry = Partial<Record<BackendKind, Backend>>;

export function backendFor(backends: BackendRegistry, kind: BackendKind): Backend {
  const backend = backends[kind];
  if (!backend) throw new EvalflowError('config_invalid', `backend "${kind}" is not available in this worker`);
  return backend;
}

export function allocationSpec(ref: ServerRef): AllocationSpec {
  const ids = temporalIds();
  return {
    workflowId: ids.workflowId,
    runId: ids.runId,
    modelName: ref.suite.model.name,
    serving: ref.suite.serving,
    backend: ref.suite.backend,
    logDir: ref.logDir,
    stateDir: join(ref.suite.resultsRoot, '.evalflow', 'backends'),
  };
}

async function getText(url: string, signal: AbortSignal, apiKey: string | undefined): Promise<{ status: number; body: string }> {
  const res = await request(url, { signal, headersTimeout: 5000, bodyTimeout: 5000, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  return { status: res.statusCode, body: await res.body.text() };
}

export function createServerActivities(backends: BackendRegistry) {
  return {
    async allocateServer(ref: ServerRef): Promise<Allocation> {
      return classified(() => backendFor(backends, ref.suite.backend.kind).allocate(allocationSpec(ref), activityBackendContext()));
    },

    async startServer(ref: ServerRef & { allocation: Allocation; afterServerLoss?: boolean }): Promise<ServerEndpoint> {
      return classified(() => backendFor(backends, ref.suite.backend.kind).start(allocationSpec(ref), ref.allocation, activityBackendContext(), { afterServerLoss: ref.afterServerLoss === true }));
    },

    /** Polls /health until 200 or the deadline; then reads /version and /v1/models. */
    async waitHealthy(args: { endpoint: ServerEndpoint; timeoutS: number }): Promise<ServerInfo> {
      return classified(async () => {
        const ctx = activityBackendContext();
        const { endpoint } = args;
        const apiKey = endpoint.apiKeyEnv ? process.env[endpoint.apiKeyEnv] : undefined;
        const started = Date.now();
        const deadline = started + args.timeoutS * 1000;
        let lastError: string;
        let delayMs = 100;
        for (;;) {
          ctx.signal.throwIfAborted();
          try {
            const res = await getText(`${endpoint.baseUrl}/health`, ctx.signal, apiKey);
            if (res.status === 200) break;
            lastError = `HTTP ${res.status}`;
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            lastError = (err as Error).message;
          }
          const elapsedS = (Date.now() - started) / 1000;
          ctx.heartbeat({ url: `${endpoint.baseUrl}/health`, elapsed_s: Math.round(elapsedS), last_error: lastError });
          if (Date.now() >= deadline) {
            throw new EvalflowError('server_unhealthy', `${endpoint.baseUrl}/health did not answer 200 within ${args.timeoutS}s; last error: ${lastError}`, { url: endpoint.baseUrl, lastError });
          }
          await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())), undefined, { signal: ctx.signal });
          delayMs = Math.min(delayMs * 2, 2000);
        }
        const healthyAtMs = Date.now();
        let vllmVersion: string | null = null;
        let model = endpoint.model;
        let maxModelLen: number | null = null;
        try {
          const v = await getText(`${endpoint.baseUrl}/version`, ctx.signal, apiKey);
          if (v.status === 200) vllmVersion = (JSON.parse(v.body) as { version?: string }).version ?? null;
          const m = await getText(`${endpoint.baseUrl}/v1/models`, ctx.signal, apiKey);
          if (m.status === 200) {
            const first = (JSON.parse(m.body) as { data?: { id?: string; max_model_len?: number }[] }).data?.[0];
            if (first?.id) model = first.id;
            maxModelLen = first?.max_model_len ?? null;
          }
        } catch (err) {
          ctx.log(`could not read /version or /v1/models: ${(err as Error).message}`);
        }
        return { baseUrl: endpoint.baseUrl, model, vllmVersion, maxModelLen, healthyAtMs };
      });
    },

    /** Saves logs, then releases the server. Idempotent: safe after a failure, a cancel or a previous teardown. */
    async teardownServer(ref: ServerRef & { allocation: Allocation | null }): Promise<void> {
      return classified(async () => {
        const backend = backendFor(backends, ref.suite.backend.kind);
        const spec = allocationSpec(ref);
        const ctx = activityBackendContext();
        if (ref.allocation) await backend.saveLogs(spec, ref.allocation, ctx).catch((err: unknown) => ctx.log(`saving logs failed: ${String(err)}`));
        await backend.teardown(spec, ref.allocation, ctx);
      });
    },
  };
}
