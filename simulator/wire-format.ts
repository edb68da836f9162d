/**
 * Response bodies shaped like vLLM 0.11's OpenAI server. Stream chunks are assembled from
 * strings fixed per request, so a token costs one JSON.stringify of its text.
 */
import type { Endpoint } from '../configs/schema/benchmark.ts';
import type { FinishReason } from './reply.ts';

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens };
}

interface EndpointWire {
  idPrefix: string;
  chunkObject: string;
  /** Where the token's JSON string goes inside a choice. */
  tokenOpen: string;
  tokenClose: string;
  /** Set fields only, as vLLM dumps chat chunks with exclude_unset (no stop_reason until the end). */
  pendingTail: string;
  /** Chat opens with an assistant role delta. */
  preamble: string | null;
  body(head: ResponseHead, text: string, finish: FinishReason, stopReason: string | null, usage: Usage): unknown;
}

export interface ResponseHead {
  id: string;
  created: number;
  model: string;
}

const WIRE = {
  completions: {
    idPrefix: 'cmpl-',
    chunkObject: 'text_completion',
    tokenOpen: '"text":',
    tokenClose: '',
    pendingTail: ',"logprobs":null,"finish_reason":null,"stop_reason":null}',
    preamble: null,
    body: (head, text, finish, stopReason, usage) => ({
      id: head.id,
      object: 'text_completion',
      created: head.created,
      model: head.model,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finish, stop_reason: stopReason, prompt_logprobs: null }],
      usage: { ...usage, prompt_tokens_details: null },
      kv_transfer_params: null,
    }),
  },
  chat: {
    idPrefix: 'chatcmpl-',
    chunkObject: 'chat.completion.chunk',
    tokenOpen: '"delta":{"content":',
    tokenClose: '}',
    pendingTail: ',"logprobs":null,"finish_reason":null}',
    preamble: '"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}',
    body: (head, text, finish, stopReason, usage) => ({
      id: head.id,
      object: 'chat.completion',
      created: head.created,
      model: head.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: [], reasoning_content: null },
          logprobs: null,
          finish_reason: finish,
          stop_reason: stopReason,
        },
      ],
      service_tier: null,
      system_fingerprint: null,
      usage: { ...usage, prompt_tokens_details: null },
      prompt_logprobs: null,
      kv_transfer_params: null,
    }),
  },
} satisfies Record<Endpoint, EndpointWire>;

export function responseId(endpoint: Endpoint, requestId: string): string {
  return `${WIRE[endpoint].idPrefix}${requestId}`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** Builds every SSE event of one streamed response. */
export class ChunkEncoder {
  private readonly wire: EndpointWire;
  private readonly head: string;
  private readonly envelope: string;

  constructor(endpoint: Endpoint, head: ResponseHead) {
    this.wire = WIRE[endpoint];
    this.envelope = `data: {"id":${JSON.stringify(head.id)},"object":"${this.wire.chunkObject}","created":${head.created},"model":${JSON.stringify(head.model)},`;
    this.head = `${this.envelope}"choices":[{"index":0,`;
  }

  /** The role delta that opens a chat stream; empty for completions. */
  preamble(usage: Usage | null): string {
    return this.wire.preamble === null ? '' : `${this.head}${this.wire.preamble}]${usageField(usage)}}\n\n`;
  }

  token(text: string, usage: Usage | null): string {
    return `${this.head}${this.wire.tokenOpen}${JSON.stringify(text)}${this.wire.tokenClose}${this.wire.pendingTail}]${usageField(usage)}}\n\n`;
  }

  last(text: string, finish: FinishReason, stopReason: string | null, usage: Usage | null): string {
    return `${this.head}${this.wire.tokenOpen}${JSON.stringify(text)}${this.wire.tokenClose},"logprobs":null,"finish_reason":"${finish}","stop_reason":${JSON.stringify(stopReason)}}]${usageField(usage)}}\n\n`;
  }

  /** stream_options.include_usage: a final chunk with no choices. */
  usage(usage: Usage): string {
    return `${this.envelope}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
  }
}

function usageField(usage: Usage | null): string {
  return usage === null ? '' : `,"usage":${JSON.stringify(usage)}`;
}

/** What vLLM yields when generation fails mid-stream. */
export function streamErrorEvent(message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'InternalServerError', param: null, code: 500 } })}\n\n`;
}

/** A deliberately malformed event, for clients' parser tests. */
export const GARBAGE_EVENT = 'data: {not json\n\n';

export function completionBody(endpoint: Endpoint, head: ResponseHead, text: string, finish: FinishReason, stopReason: string | null, usage: Usage): string {
  return JSON.stringify(WIRE[endpoint].body(head, text, finish, stopReason, usage));
}
