/**
 * One completions or chat request from arrival to the last byte: parse, inject faults, plan
 * the reply, queue it in the engine, then write each token when the engine says it is due.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from '../configs/schema/benchmark.ts';
import type { SimulatorOptions } from '../configs/schema/simulator.ts';
import type { AnswerBook } from './answer-book.ts';
import { decideVerdict, renderAnswer, type Decision } from './answer-replies.ts';
import type { Engine, SequenceSink, Slot } from './engine.ts';
import { isSimulatorHttpError } from './errors.ts';
import type { FaultInjector, RequestFault } from './faults.ts';
import { createRng, hash2, hashString } from './hash.ts';
import { readJson, sendError, sendText, writeNow } from './http-io.ts';
import type { SimulatorMetrics } from './metrics.ts';
import { parseChatRequest, parseCompletionRequest, resolveMaxTokens, type GenerationRequest } from './openai-request.ts';
import { epochMs, type ServerRequestRecord } from './records.ts';
import { planReply, type Reply } from './reply.ts';
import { ChunkEncoder, completionBody, GARBAGE_EVENT, responseId, SSE_DONE, streamErrorEvent, usageOf, type ResponseHead } from './wire-format.ts';

/** What a generation needs from the running server. */
export interface GenerationContext {
  readonly options: SimulatorOptions;
  readonly model: string;
  readonly engine: Engine;
  readonly metrics: SimulatorMetrics;
  readonly answers: AnswerBook;
  readonly faults: FaultInjector;
  record(entry: ServerRequestRecord): void;
  completed(): void;
  /** The crash fault fired: exit or drop every connection. */
  crash(): void;
}

const PARSERS = { completions: parseCompletionRequest, chat: parseChatRequest } satisfies Record<Endpoint, (raw: unknown) => GenerationRequest>;

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

export async function handleGeneration(ctx: GenerationContext, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, arrivalPerf: number): Promise<void> {
  const header = req.headers['x-request-id'];
  const givenId = typeof header === 'string' && header.length > 0 ? header : null;
  const requestId = givenId ?? randomUUID().replaceAll('-', '');
  const record: ServerRequestRecord = {
    id: requestId,
    endpoint,
    arrivalMs: epochMs(arrivalPerf),
    admittedMs: null,
    firstTokenMs: null,
    endMs: null,
    promptTokens: 0,
    completionTokens: 0,
    finishReason: null,
    status: null,
  };
  ctx.record(record);
  const arrival = ctx.faults.arrive();
  if (arrival.crash) {
    record.fault = 'crash';
    ctx.crash();
    return;
  }
  const fail = (status: 400 | 404 | 413 | 500 | 503, message: string, param: string | null = null): void => {
    record.status = status;
    record.endMs = epochMs(performance.now());
    sendError(res, status, message, param);
  };
  let request: GenerationRequest;
  let maxTokens: number;
  try {
    request = PARSERS[endpoint](await readJson(req));
    record.promptTokens = request.promptTokens;
    if (arrival.hang) {
      // Accepted and never answered; close() or the client ends it.
      record.fault = 'hang';
      return;
    }
    if (request.model !== null && request.model !== ctx.model) {
      fail(404, `The model \`${request.model}\` does not exist.`, 'model');
      return;
    }
    maxTokens = resolveMaxTokens(request, ctx.options.max_model_len);
  } catch (err) {
    if (isSimulatorHttpError(err)) fail(err.status, err.message, err.param);
    else fail(500, err instanceof Error ? err.message : String(err));
    return;
  }
  const fault = ctx.faults.decide(arrival.index, request.stream);
  if (fault === 'error') {
    record.fault = 'error';
    fail(500, 'simulated server error (fault injection)');
    return;
  }
  if (fault !== null) record.fault = fault;

  // Randomness comes from the seed, the prompt and the client's request id, never from the clock, so reruns match.
  const promptHash = hashString(request.seedText, ctx.options.seed);
  const idHash = givenId === null ? 0 : hashString(givenId);
  const timingHash = hash2(promptHash, idHash);
  // Greedy decoding says the same thing to the same prompt; sampling varies with the request seed (or id).
  const sampled = request.temperature === null || request.temperature > 0;
  const replyHash = sampled ? hash2(promptHash, request.seed ?? idHash) : promptHash;
  const reply = planRequestReply(ctx, request, maxTokens, record, replyHash);
  const head: ResponseHead = { id: responseId(endpoint, requestId), created: Math.floor(Date.now() / 1000), model: ctx.model };
  const generation = new Generation(ctx, res, record, request, reply, head, fault, arrivalPerf);
  const slot = ctx.engine.submit({ promptTokens: request.promptTokens, outputTokens: reply.count, rng: createRng(timingHash), sink: generation });
  if (slot === null) {
    fail(503, `the waiting queue is full (${ctx.options.max_waiting} requests)`);
    return;
  }
  generation.attach(slot);
}

function planRequestReply(ctx: GenerationContext, request: GenerationRequest, maxTokens: number, record: ServerRequestRecord, replyHash: number): Reply {
  const entry = ctx.answers.find(request.questionText);
  let text: string | null = null;
  if (entry !== null) {
    // A sampled request with its own seed may answer differently; greedy or unseeded ones never do.
    const sampled = request.temperature === null || request.temperature > 0;
    const decision: Decision = decideVerdict(ctx.options, entry, sampled ? request.seed : null);
    text = renderAnswer(entry, decision, ctx.answers.answersOf(entry.benchmark));
    record.answer = decision.verdict;
    record.benchmark = entry.benchmark;
  } else {
    record.answer = null;
    record.benchmark = null;
  }
  return planReply({
    text,
    fillerLength: ctx.options.default_output_tokens,
    fillerSeed: replyHash,
    maxTokens,
    ignoreEos: request.ignoreEos,
    stop: request.stop,
  });
}

/** The engine's sink for one request: turns due tokens into bytes on the response. */
class Generation implements SequenceSink {
  private readonly ctx: GenerationContext;
  private readonly res: ServerResponse;
  private readonly record: ServerRequestRecord;
  private readonly request: GenerationRequest;
  private readonly reply: Reply;
  private readonly head: ResponseHead;
  private readonly encoder: ChunkEncoder | null;
  private readonly fault: RequestFault | null;
  /** Token index at which a stream fault fires. */
  private readonly faultAt: number;
  private readonly arrivalPerf: number;
  private admittedPerf = 0;
  private firstPerf = 0;
  private slot: Slot | null = null;
  private done = false;

  constructor(ctx: GenerationContext, res: ServerResponse, record: ServerRequestRecord, request: GenerationRequest, reply: Reply, head: ResponseHead, fault: RequestFault | null, arrivalPerf: number) {
    this.ctx = ctx;
    this.res = res;
    this.record = record;
    this.request = request;
    this.reply = reply;
    this.head = head;
    this.encoder = request.stream ? new ChunkEncoder(request.endpoint, this.head) : null;
    this.fault = fault;
    this.faultAt = reply.count > 1 ? Math.max(1, Math.floor(reply.count / 2)) : 0;
    this.arrivalPerf = arrivalPerf;
  }

  /** Called once the engine accepted it: streams send headers now, before the first token, as vLLM does. */
  attach(slot: Slot): void {
    this.slot = slot;
    if (this.encoder !== null && !this.done) {
      this.record.status = 200;
      this.res.writeHead(200, SSE_HEADERS);
      this.res.flushHeaders();
    }
    this.res.on('close', this.onClose);
  }

  onAdmit(nowMs: number): void {
    this.admittedPerf = nowMs;
    this.record.admittedMs = epochMs(nowMs);
  }

  onToken(index: number, last: boolean, nowMs: number, gapMs: number): void {
    if (this.done) return;
    const metrics = this.ctx.metrics;
    if (index === 0) {
      this.firstPerf = nowMs;
      this.record.firstTokenMs = epochMs(nowMs);
      metrics.firstToken((nowMs - this.arrivalPerf) / 1000, this.request.promptTokens);
      metrics.firstGenerated();
    } else {
      metrics.token(gapMs / 1000);
    }
    const encoder = this.encoder;
    if (encoder === null) {
      if (last) this.finishJson(nowMs);
      return;
    }
    const continuous = this.request.continuousUsage ? usageOf(this.request.promptTokens, index + 1) : null;
    let out = index === 0 ? encoder.preamble(this.request.continuousUsage ? usageOf(this.request.promptTokens, 0) : null) : '';
    if (index === this.faultAt && this.fault !== null) {
      if (this.fault === 'stream_error') {
        this.abortWithError(out, index, nowMs);
        return;
      }
      out += GARBAGE_EVENT;
    }
    const text = this.reply.tokenText(index);
    if (!last) {
      writeNow(this.res, out + encoder.token(text, continuous));
      return;
    }
    out += encoder.last(text, this.reply.finishReason, this.reply.stopReason, continuous);
    if (this.request.includeUsage) out += encoder.usage(usageOf(this.request.promptTokens, this.reply.count));
    this.res.end(out + SSE_DONE);
    this.finish(nowMs, this.reply.finishReason);
  }

  private finishJson(nowMs: number): void {
    const body = completionBody(this.request.endpoint, this.head, this.reply.text(), this.reply.finishReason, this.reply.stopReason, usageOf(this.request.promptTokens, this.reply.count));
    this.record.status = 200;
    sendText(this.res, 200, body, 'application/json');
    this.finish(nowMs, this.reply.finishReason);
  }

  private finish(nowMs: number, reason: string): void {
    this.done = true;
    const record = this.record;
    record.endMs = epochMs(nowMs);
    record.completionTokens = this.reply.count;
    record.finishReason = reason;
    const tokens = this.reply.count;
    const tpot = tokens > 1 ? (nowMs - this.firstPerf) / (tokens - 1) / 1000 : null;
    this.ctx.metrics.finished(reason, (nowMs - this.arrivalPerf) / 1000, (this.admittedPerf - this.arrivalPerf) / 1000, tpot);
    this.ctx.completed();
  }

  /** vLLM yields an error event and then [DONE] when generation fails mid-stream. */
  private abortWithError(prefix: string, emitted: number, nowMs: number): void {
    this.done = true;
    this.res.end(prefix + streamErrorEvent('simulated generation failure (fault injection)') + SSE_DONE);
    this.record.endMs = epochMs(nowMs);
    this.record.completionTokens = emitted;
    if (this.slot !== null) this.ctx.engine.cancel(this.slot);
  }

  /** The client went away (or the response ended, when done is already set). */
  private readonly onClose = (): void => {
    if (this.done) return;
    this.done = true;
    this.record.finishReason = 'abort';
    this.record.endMs = epochMs(performance.now());
    this.ctx.metrics.aborted();
    if (this.slot !== null) this.ctx.engine.cancel(this.slot);
  };
}
