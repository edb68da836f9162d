/**
 * The OpenAI request bodies the simulator understands, parsed once at the boundary into a
 * plain GenerationRequest. Unknown fields are ignored, as vLLM ignores them.
 */
import { z } from 'zod';
import type { Endpoint } from '../configs/schema/benchmark.ts';
import { SimulatorHttpError } from './errors.ts';
import { countChatTokens, countTokens } from './tokens.ts';

const StreamOptions = z.object({
  include_usage: z.boolean().nullish(),
  continuous_usage_stats: z.boolean().nullish(),
});

const common = {
  model: z.string().nullish(),
  max_tokens: z.int().nullish(),
  ignore_eos: z.boolean().nullish(),
  temperature: z.number().min(0).nullish(),
  seed: z.int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptions.nullish(),
  n: z.int().nullish(),
};

const CompletionBody = z.object({
  ...common,
  // One prompt: text, a one-element list of text, or token ids.
  prompt: z.union([z.string(), z.array(z.string()).length(1), z.array(z.int()).min(1)]),
});

const ContentPart = z.object({ type: z.string(), text: z.string().nullish() });

const ChatBody = z.object({
  ...common,
  max_completion_tokens: z.int().nullish(),
  messages: z
    .array(
      z.object({
        role: z.string(),
        content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
      }),
    )
    .min(1),
});

/** Everything the simulator needs from a completions or chat body. */
export interface GenerationRequest {
  endpoint: Endpoint;
  /** Model named in the body, if any. */
  model: string | null;
  promptTokens: number;
  /** Where to look for a known question: the prompt, or the last user message. */
  questionText: string;
  /** The whole prompt, hashed to seed the request's randomness. */
  seedText: string;
  /** null: as many as the context allows (chat) */
  maxTokens: number | null;
  ignoreEos: boolean;
  temperature: number | null;
  seed: number | null;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

/** vLLM's CompletionRequest default; chat defaults to the rest of the context. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

function firstIssue(error: z.ZodError): SimulatorHttpError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return new SimulatorHttpError(400, `invalid request: ${path === '' ? '' : `${path}: `}${issue?.message ?? 'bad body'}`, path || null);
}

function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : stop.filter((s) => s.length > 0);
}

function sampling(body: z.infer<typeof CompletionBody> | z.infer<typeof ChatBody>): Omit<GenerationRequest, 'endpoint' | 'promptTokens' | 'questionText' | 'seedText' | 'maxTokens'> {
  if (body.n !== null && body.n !== undefined && body.n !== 1) throw new SimulatorHttpError(400, 'the simulator supports only n = 1', 'n');
  return {
    model: body.model ?? null,
    ignoreEos: body.ignore_eos ?? false,
    temperature: body.temperature ?? null,
    seed: body.seed ?? null,
    stop: stopList(body.stop),
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    continuousUsage: body.stream_options?.continuous_usage_stats ?? false,
  };
}

export function parseCompletionRequest(raw: unknown): GenerationRequest {
  const parsed = CompletionBody.safeParse(raw);
  if (!parsed.success) throw firstIssue(parsed.error);
  const body = parsed.data;
  const prompt = body.prompt;
  let text: string;
  let promptTokens: number;
  if (typeof prompt === 'string') {
    text = prompt;
    promptTokens = countTokens(prompt);
  } else if (typeof prompt[0] === 'string') {
    text = prompt[0];
    promptTokens = countTokens(text);
  } else {
    text = prompt.join(' ');
    promptTokens = prompt.length;
  }
  if (promptTokens === 0) throw new SimulatorHttpError(400, 'Prompt cannot be empty.', 'prompt');
  return {
    endpoint: 'completions',
    promptTokens,
    questionText: text,
    seedText: text,
    maxTokens: body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS,
    ...sampling(body),
  };
}

function contentText(content: string | z.infer<typeof ContentPart>[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text ?? '').join(' ');
}

export function parseChatRequest(raw: unknown): GenerationRequest {
  const parsed = ChatBody.safeParse(raw);
  if (!parsed.success) throw firstIssue(parsed.error);
  const body = parsed.data;
  const contents = body.messages.map((m) => contentText(m.content));
  let questionText = '';
  for (let i = body.messages.length - 1; i >= 0; i--) {
    if (body.messages[i]?.role === 'user') {
      questionText = contents[i] ?? '';
      break;
    }
  }
  return {
    endpoint: 'chat',
    promptTokens: countChatTokens(contents),
    questionText,
    seedText: contents.join('\n'),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    ...sampling(body),
  };
}

/** Resolves the token budget against the context window, with vLLM's error messages. */
export function resolveMaxTokens(request: GenerationRequest, maxModelLen: number): number {
  if (request.promptTokens > maxModelLen) {
    throw new SimulatorHttpError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${request.promptTokens} input tokens. Please reduce the length of the input messages.`,
      'input_tokens',
    );
  }
  const room = maxModelLen - request.promptTokens;
  if (request.maxTokens === null) {
    if (room < 1) throw new SimulatorHttpError(400, `This model's maximum context length is ${maxModelLen} tokens and your request has ${request.promptTokens} input tokens, leaving no room for output.`, 'input_tokens');
    return room;
  }
  if (request.maxTokens < 1) throw new SimulatorHttpError(400, `max_tokens must be at least 1, got ${request.maxTokens}.`, 'max_tokens');
  if (request.maxTokens > room) {
    throw new SimulatorHttpError(
      400,
      `'max_tokens' or 'max_completion_tokens' is too large: ${request.maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${request.promptTokens} input tokens (${request.maxTokens} > ${maxModelLen} - ${request.promptTokens}).`,
      'max_tokens',
    );
  }
  return request.maxTokens;
}
