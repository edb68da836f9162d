import { createHash } from 'node:crypto';
import type { BenchmarkEval, EvalConfig } from '../configs/schema/eval.ts';
import type { ChatMessage } from '../loadgen/record.ts';
import type { Example, PromptConfig, PromptRequest } from './types.ts';

/** The benchmark's own settings win; `system_prompt: null` means none even when defaults set one. */
export function resolvePromptConfig(bench: BenchmarkEval, defaults: EvalConfig['defaults']): PromptConfig {
  return {
    systemPrompt: bench.system_prompt === undefined ? defaults.system_prompt : bench.system_prompt,
    template: bench.prompt_template,
    endpoint: bench.endpoint ?? defaults.endpoint,
    sampling: { ...defaults.sampling, ...bench.sampling },
  };
}

/** Replace every `{question}`; a function replacement so `$` in questions is taken literally. */
export function renderTemplate(template: string, question: string): string {
  return template.replaceAll('{question}', () => question);
}

/** Blank line between few-shot blocks (lm-eval's fewshot_delimiter). */
const SHOT_DELIMITER = '\n\n';
/** Between a block's question and its answer (lm-eval's target_delimiter). */
const TARGET_DELIMITER = ' ';

/**
 * Chat: system, then each exemplar as a user turn (the template filled with its question) and an
 * assistant turn (its worked answer), then the question. Completions: the same as text blocks.
 */
export function buildPrompt(
  example: Example,
  cfg: PromptConfig,
  fewShot: readonly Example[],
  exemplarAnswer: (e: Example) => string,
): PromptRequest {
  const s = cfg.sampling;
  const sampling = { maxTokens: s.max_tokens, temperature: s.temperature, topP: s.top_p, seed: s.seed, stop: [...s.stop] };
  if (cfg.endpoint === 'chat') {
    const messages: ChatMessage[] = [];
    if (cfg.systemPrompt !== null) messages.push({ role: 'system', content: cfg.systemPrompt });
    for (const shot of fewShot) {
      messages.push({ role: 'user', content: renderTemplate(cfg.template, shot.question) });
      messages.push({ role: 'assistant', content: exemplarAnswer(shot) });
    }
    messages.push({ role: 'user', content: renderTemplate(cfg.template, example.question) });
    return { endpoint: 'chat', messages, ...sampling };
  }
  const blocks: string[] = [];
  if (cfg.systemPrompt !== null) blocks.push(cfg.systemPrompt);
  for (const shot of fewShot) blocks.push(`${renderTemplate(cfg.template, shot.question)}${TARGET_DELIMITER}${exemplarAnswer(shot)}`);
  blocks.push(renderTemplate(cfg.template, example.question));
  return { endpoint: 'completions', prompt: blocks.join(SHOT_DELIMITER), ...sampling };
}

/** sha256 prefix of what the model reads (endpoint and text, not sampling), so runs pair only on equal prompts. */
export function promptHash(req: PromptRequest): string {
  const body = req.endpoint === 'chat' ? { endpoint: 'chat', messages: req.messages ?? [] } : { endpoint: 'completions', prompt: req.prompt ?? '' };
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}

/** Exemplars are the first `n` of the few-shot split (lm-eval's `first_n`): fixed, so the prompt hash is stable. */
export function pickFewShot(pool: readonly Example[], n: number): Example[] {
  if (n > pool.length) throw new RangeError(`few_shot is ${n} but the few-shot split has only ${pool.length} examples`);
  return pool.slice(0, n);
}
