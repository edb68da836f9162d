/**
 * The route table: "METHOD path" to handler. vLLM's surface plus /admin/* for tests and
 * evalflow's sim backend.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SimulatorFaults } from '../configs/schema/simulator.ts';
import { AnswerEntry } from './answer-book.ts';
import { SIMULATED_VLLM_VERSION, SIMULATOR_PATHS } from './constants.ts';
import { SimulatorHttpError } from './errors.ts';
import { handleGeneration, type GenerationContext } from './generation.ts';
import { readJson, sendJson, sendText } from './http-io.ts';
import type { ServerRequestRecord } from './records.ts';

export interface RouteContext extends GenerationContext {
  /** Past startup_delay_s: the model is "loaded". */
  ready(): boolean;
  /** Epoch seconds when the server started, for /v1/models. */
  readonly createdS: number;
  requests: () => ServerRequestRecord[];
  resetRequests: () => number;
  setFaults: (patch: Partial<SimulatorFaults>) => void;
}

export type Route = (ctx: RouteContext, req: IncomingMessage, res: ServerResponse, arrivalPerf: number) => void | Promise<void>;

const AnswersBody = z.strictObject({ answers: z.array(AnswerEntry) });
const FaultsPatch = SimulatorFaults.partial();

function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new SimulatorHttpError(400, z.prettifyError(parsed.error));
  return parsed.data;
}

/** A partial's defaults would reset the fields the caller left out, so keep only the keys sent. */
export function parseFaultsPatch(raw: unknown): Partial<SimulatorFaults> {
  const parsed = parseOrThrow(FaultsPatch, raw);
  const sent = new Set(typeof raw === 'object' && raw !== null ? Object.keys(raw) : []);
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => sent.has(key)));
}

function notReady(res: ServerResponse): void {
  sendJson(res, 503, { error: { message: 'model is loading', type: 'ServiceUnavailableError', param: null, code: 503 } });
}

const generation =
  (endpoint: 'completions' | 'chat'): Route =>
  (ctx, req, res, arrivalPerf) => {
    if (!ctx.ready()) {
      notReady(res);
      return;
    }
    return handleGeneration(ctx, endpoint, req, res, arrivalPerf);
  };

export const ROUTES: Readonly<Record<string, Route>> = {
  [`GET ${SIMULATOR_PATHS.health}`]: (ctx, _req, res) => {
    res.writeHead(ctx.ready() ? 200 : 503, { 'content-length': 0 });
    res.end();
  },
  [`GET ${SIMULATOR_PATHS.version}`]: (_ctx, _req, res) => sendJson(res, 200, { version: SIMULATED_VLLM_VERSION }),
  [`GET ${SIMULATOR_PATHS.models}`]: (ctx, _req, res) => {
    if (!ctx.ready()) {
      notReady(res);
      return;
    }
    sendJson(res, 200, {
      object: 'list',
      data: [{ id: ctx.model, object: 'model', created: ctx.createdS, owned_by: 'vllm', root: ctx.model, parent: null, max_model_len: ctx.options.max_model_len, permission: [] }],
    });
  },
  [`GET ${SIMULATOR_PATHS.metrics}`]: async (ctx, _req, res) => {
    sendText(res, 200, await ctx.metrics.text(), ctx.metrics.contentType);
  },
  [`POST ${SIMULATOR_PATHS.completions}`]: generation('completions'),
  [`POST ${SIMULATOR_PATHS.chat}`]: generation('chat'),
  [`POST ${SIMULATOR_PATHS.adminAnswers}`]: async (ctx, req, res) => {
    const body = parseOrThrow(AnswersBody, await readJson(req));
    ctx.answers.add(body.answers);
    sendJson(res, 200, { added: body.answers.length, total: ctx.answers.size });
  },
  [`POST ${SIMULATOR_PATHS.adminFaults}`]: async (ctx, req, res) => {
    ctx.setFaults(parseFaultsPatch(await readJson(req)));
    sendJson(res, 200, { faults: ctx.faults.current() });
  },
  [`GET ${SIMULATOR_PATHS.adminRequests}`]: (ctx, _req, res) => sendJson(res, 200, { requests: ctx.requests() }),
  [`POST ${SIMULATOR_PATHS.adminResetRequests}`]: (ctx, _req, res) => sendJson(res, 200, { cleared: ctx.resetRequests() }),
};
