import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Endpoint, PromptSource } from '../configs/schema/benchmark.ts';
import { EvalflowError } from '../common/errors.ts';
import { createRng, hashSeed } from './random.ts';
import type { Rng } from './random.ts';
import type { RequestSpec } from './record.ts';

/**
 * What to send (the *what*, apart from *when* and *who*): prompts of known
 * length. A token here is a whitespace-separated word — exactly what the
 * simulator counts — and the words are common English words, which real BPE
 * tokenizers mostly keep as one token each, so lengths stay close on vLLM too;
 * the server's usage counts are authoritative either way.
 */

export interface PromptSample {
  prompt: string;
  promptTokens: number;
  outputTokens: number;
}

/** Counts tokens the way the simulator does. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

// Common, mostly single-token English words (no whitespace inside any of them).
const VOCABULARY = (
  'the of and to in is was he for it with as his on be at by had are but from or have an they which one you were her all she there would ' +
  'their we him been has when who will more no if out so said what up its about into than them can only other new some could time these ' +
  'two may then do first any my now such like our over man me even most made after also did many before must through back years where much ' +
  'your way well down should because each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since against go came right used ' +
  'take three states himself few house use during without again place american around however home small found thought went say part once ' +
  'general high upon school every does got united left number course war until always away something fact though water less public put ' +
  'think almost hand enough far took head yet government system better set told nothing night end why called didn eyes find going look ' +
  'asked later knew point next program city business give group toward young days let room president side social present given several ' +
  'order national possible rather second face per among form important often things looked early white case john become large big need four ' +
  'within felt along children saw best church ever least power development light thing seemed family interest want members mind country area ' +
  'others done turned although open problem certain kind began different door thus help sense means whole matter perhaps itself york times'
).split(' ');

/** A prompt of exactly `words` words (≥ 1), starting with the stage's prefix word. */
function randomText(rng: Rng, words: number, prefix: string): string {
  const parts = new Array<string>(words);
  parts[0] = prefix;
  for (let k = 1; k < words; k++) parts[k] = VOCABULARY[rng.int(0, VOCABULARY.length - 1)]!;
  return parts.join(' ');
}

/** vLLM's random-dataset length draw: uniform integer on [⌊L(1−r)⌋, ⌊L(1+r)⌋], at least 1. */
export function drawLength(rng: Rng, length: number, rangeRatio: number): number {
  const low = Math.max(1, Math.floor(length * (1 - rangeRatio)));
  const high = Math.max(low, Math.floor(length * (1 + rangeRatio)));
  return rng.int(low, high);
}

/**
 * A word no other stage starts its prompts with. Each rate of a sweep gets
 * fresh prefixes, so the prefix cache cannot flatter later rates with blocks
 * cached by earlier ones: block hashes chain from the first token.
 */
export function stagePrefix(seed: number, stage: string): string {
  return `q${hashSeed('prefix', seed, stage).toString(36)}`;
}

/** The i-th random prompt of a stage, independent of every other index (lazy stages draw on demand). */
export function randomPrompt(source: Extract<PromptSource, { kind: 'random' }>, seed: number, stage: string, index: number): PromptSample {
  const rng = createRng(hashSeed('random-prompt', seed, stage, index));
  const promptTokens = drawLength(rng, source.input_len, source.range_ratio);
  const outputTokens = drawLength(rng, source.output_len, source.range_ratio);
  return { prompt: randomText(rng, promptTokens, stagePrefix(seed, stage)), promptTokens, outputTokens };
}

// ShareGPT: [{conversations: [{from, value}, ...]}]; other keys (id, model...) are allowed.
const ShareGptFile = z.array(
  z.looseObject({
    conversations: z.array(z.looseObject({ from: z.string(), value: z.string() })),
  }),
);

export interface ShareGptPair {
  prompt: string;
  completion: string;
  promptTokens: number;
  completionTokens: number;
}

/** vLLM's ShareGPT filters (is_valid_sequence): prompt ≥ 4, output ≥ 4, prompt ≤ 1024, total ≤ 2048 tokens. */
export const SHAREGPT_LIMITS = { minPrompt: 4, minOutput: 4, maxPrompt: 1024, maxTotal: 2048 } as const;

/** Load ShareGPT pairs (the first two turns of each conversation), filtered like vLLM. Errors name the file. */
export async function loadShareGpt(path: string, fixedOutputLen?: number): Promise<ShareGptPair[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalflowError(code === 'ENOENT' ? 'dataset_missing' : 'dataset_invalid', `ShareGPT file ${path}: cannot read (${(err as Error).message})`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EvalflowError('dataset_invalid', `ShareGPT file ${path}: not valid JSON (${(err as Error).message})`, { path });
  }
  const parsed = ShareGptFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new EvalflowError('dataset_invalid', `ShareGPT file ${path}: entry ${where || '(root)'}: ${issue?.message ?? 'invalid'}`, { path });
  }
  const pairs: ShareGptPair[] = [];
  for (const entry of parsed.data) {
    const [first, second] = entry.conversations;
    if (first === undefined || second === undefined) continue; // vLLM drops conversations with fewer than two turns
    const promptTokens = countWords(first.value);
    const completionTokens = fixedOutputLen ?? countWords(second.value);
    if (promptTokens < SHAREGPT_LIMITS.minPrompt || completionTokens < SHAREGPT_LIMITS.minOutput) continue;
    if (promptTokens > SHAREGPT_LIMITS.maxPrompt || promptTokens + completionTokens > SHAREGPT_LIMITS.maxTotal) continue;
    pairs.push({ prompt: first.value, completion: second.value, promptTokens, completionTokens });
  }
  if (pairs.length === 0) throw new EvalflowError('dataset_invalid', `ShareGPT file ${path}: no conversation passes the length filters`, { path, entries: parsed.data.length });
  return pairs;
}

/** A seeded permutation of 0..n−1 (Fisher–Yates). */
function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** A lazy, deterministic list of requests for one stage: request i is the same on every retry. */
export interface PromptSet {
  readonly length: number;
  at(index: number): RequestSpec | undefined;
}

export interface PromptSetOptions {
  source: PromptSource;
  endpoint: Endpoint;
  count: number;
  seed: number;
  /** Stage name: part of every request id and of the prompt prefix. */
  stage: string;
  /** Loaded ShareGPT pairs, when source.kind is 'sharegpt'. */
  sharegpt?: readonly ShareGptPair[];
}

/**
 * Requests for a stage. Fixed-length output (ignore_eos) and greedy sampling
 * keep the load the same from run to run. ShareGPT pairs are shuffled with
 * the seed and the stage, and reused in turn when the stage needs more.
 */
export function createPromptSet(options: PromptSetOptions): PromptSet {
  const { source, endpoint, count, seed, stage } = options;
  const sample = ((): ((i: number) => PromptSample) => {
    switch (source.kind) {
      case 'random':
        return (i) => randomPrompt(source, seed, stage, i);
      case 'sharegpt': {
        const pairs = options.sharegpt;
        if (pairs === undefined || pairs.length === 0) throw new EvalflowError('input_invalid', `stage ${stage}: ShareGPT prompts requested but ${source.path} was not loaded`);
        const order = permutation(pairs.length, hashSeed('sharegpt', seed, stage));
        return (i) => {
          const pair = pairs[order[i % pairs.length]!]!;
          return { prompt: pair.prompt, promptTokens: pair.promptTokens, outputTokens: pair.completionTokens };
        };
      }
    }
  })();
  return {
    length: count,
    at(index) {
      if (!(index >= 0 && index < count)) return undefined;
      const s = sample(index);
      const spec: RequestSpec = {
        id: `${stage}-${index}`,
        endpoint,
        maxTokens: s.outputTokens,
        ignoreEos: true,
        temperature: 0,
        expectedPromptTokens: s.promptTokens,
      };
      if (endpoint === 'chat') spec.messages = [{ role: 'user', content: s.prompt }];
      else spec.prompt = s.prompt;
      return spec;
    },
  };
}
