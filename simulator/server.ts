/**
 * A vLLM-compatible HTTP server with a simulated engine: the composition root of simulator/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SimulatorFaults, SimulatorOptions } from '../configs/schema/simulator.ts';
import { AnswerBook, type AnswerEntry } from './answer-book.ts';
import { DEFAULT_HOST, KEEP_ALIVE_TIMEOUT_MS } from './constants.ts';
import { Engine } from './engine.ts';
import { isSimulatorHttpError } from './errors.ts';
import { FaultInjector } from './faults.ts';
import { sendError, sendJson } from './http-io.ts';
import { SimulatorMetrics } from './metrics.ts';
import { RequestLog, type ServerRequestRecord } from './records.ts';
import { ROUTES, type RouteContext } from './routes.ts';

export type { AnswerEntry } from './answer-book.ts';
export type { ServerRequestRecord } from './records.ts';

export interface SimulatorStats {
  running: number;
  waiting: number;
  /** Requests that ran to their last token. */
  completed: number;
  /** Completions and chat requests recorded since the last reset. */
  recorded: number;
  /** Oldest records dropped to stay under the cap (see RequestLog). */
  recordsDropped: number;
  /** Prompt and generated tokens held by running sequences. */
  tokensHeld: number;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  /** Idempotent; ends every open response, hung ones included. */
  close(): Promise<void>;
  requests(): ServerRequestRecord[];
  setFaults(faults: Partial<SimulatorFaults>): void;
  /** Adds to the known answers (a question seen before gets the new answer), like POST /admin/answers. */
  setAnswers(answers: AnswerEntry[]): void;
  stats(): SimulatorStats;
}

export interface StartSimulatorOptions {
  options: SimulatorOptions;
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The crash fault: exit the process (standalone) or drop every connection and stop (in-process tests). */
  onCrash?: 'exit' | 'close';
  /** Called after deadline_s closed the server; the standalone process exits here. */
  onDeadline?: () => void;
}

/** A load generator opens hundreds of connections at once; an overflowing accept queue drops SYNs and costs a 1 s retransmit. */
const LISTEN_BACKLOG = 4096;

/** Exit status of the crash fault in 'exit' mode. */
export const CRASH_EXIT_CODE = 1;

export async function startSimulator(opts: StartSimulatorOptions): Promise<SimulatorHandle> {
  const { options, model } = opts;
  const host = opts.host ?? DEFAULT_HOST;
  const onCrash = opts.onCrash ?? 'close';
  const readyAtPerf = performance.now() + options.startup_delay_s * 1000;
  const engine = new Engine(options);
  const metrics = new SimulatorMetrics(model, {
    running: () => engine.running,
    waiting: () => engine.waiting,
    kvCacheUsage: () => Math.min(1, engine.tokensHeld / engine.capacityTokens),
  });
  const answers = new AnswerBook();
  const faults = new FaultInjector(options.faults, options.seed);
  const records = new RequestLog();
  let completed = 0;
  let closing: Promise<void> | null = null;

  const ctx: RouteContext = {
    options,
    model,
    engine,
    metrics,
    answers,
    faults,
    createdS: Math.floor(Date.now() / 1000),
    record: (entry) => {
      records.push(entry);
    },
    completed: () => {
      completed++;
    },
    crash: () => {
      if (onCrash === 'exit') process.exit(CRASH_EXIT_CODE);
      void close();
    },
    ready: () => performance.now() >= readyAtPerf,
    requests: () => records.list(),
    resetRequests: () => records.clear(),
    setFaults: (patch) => faults.update(patch),
  };

  const server = createServer({ keepAlive: true, noDelay: true, requestTimeout: 0, headersTimeout: 0 }, (req, res) => handle(ctx, req, res));
  // Long streams and idle pooled connections must never be cut by the server.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxRequestsPerSocket = 0;
  server.timeout = 0;
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const deadline =
    options.deadline_s === null
      ? null
      : setTimeout(() => {
          void close().then(() => opts.onDeadline?.());
        }, options.deadline_s * 1000);
  deadline?.unref();

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      if (deadline !== null) clearTimeout(deadline);
      engine.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close,
    requests: ctx.requests,
    setFaults: ctx.setFaults,
    setAnswers: (entries) => answers.add(entries),
    stats: () => ({ running: engine.running, waiting: engine.waiting, completed, recorded: records.length, recordsDropped: records.dropped, tokensHeld: engine.tokensHeld }),
  };
}

function handle(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const arrivalPerf = performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const route = ROUTES[`${req.method ?? 'GET'} ${q < 0 ? url : url.slice(0, q)}`];
  if (route === undefined) {
    // FastAPI's body for an unknown path.
    sendJson(res, 404, { detail: 'Not Found' });
    return;
  }
  try {
    const pending = route(ctx, req, res, arrivalPerf);
    if (pending !== undefined) pending.catch((err: unknown) => fail(res, err));
  } catch (err) {
    fail(res, err);
  }
}

function fail(res: ServerResponse, err: unknown): void {
  if (isSimulatorHttpError(err)) sendError(res, err.status, err.message, err.param);
  else sendError(res, 500, err instanceof Error ? err.message : String(err));
}
