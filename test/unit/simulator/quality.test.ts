import { describe, expect, it } from 'vitest';
import type { AnswerEntry } from '../../../simulator/answer-book.ts';
import { SIMULATOR_PATHS as P } from '../../../simulator/constants.ts';
import type { SimulatorHandle } from '../../../simulator/server.ts';
import { post, startTestSim } from './helpers.ts';

const QUESTIONS = 300;
const entries: AnswerEntry[] = Array.from({ length: QUESTIONS }, (_, i) => ({
  question: `Tom has ${i} apples and buys ${i + 3} more boxes of ${(i % 7) + 2} apples each. How many apples does Tom have now, case ${i}?`,
  answer: String(i + (i + 3) * ((i % 7) + 2)),
  benchmark: 'gsm8k',
}));
const FEW_SHOT = `Question: ${entries[1]?.question}\nAnswer: reasoning #### ${entries[1]?.answer}\n\n`;
const options = { accuracy: { default: 0.5, gsm8k: 0.7 }, unparseable_rate: 0.2, itl_ms: 0, ttft_base_ms: 0, max_num_seqs: 512, seed: 11 };

async function askAll(sim: SimulatorHandle): Promise<string[]> {
  const replies: string[] = [];
  for (let start = 0; start < QUESTIONS; start += 50) {
    const batch = entries.slice(start, start + 50).map(async (entry) => {
      const res = await post(sim, P.completions, { prompt: `${FEW_SHOT}Question: ${entry.question}\nAnswer:`, max_tokens: 256, temperature: 0 });
      const body = (await res.json()) as { choices: { text: string }[] };
      return body.choices[0]?.text ?? '';
    });
    replies.push(...(await Promise.all(batch)));
  }
  return replies;
}

function grade(reply: string, gold: string): 'correct' | 'wrong' | 'unparseable' {
  const match = /#### (\S+)\s*$/.exec(reply);
  if (match === null) return 'unparseable';
  return match[1] === gold ? 'correct' : 'wrong';
}

describe('known questions', () => {
  it('answers at the configured accuracy, reproducibly across instances', async () => {
    const a = await startTestSim(options);
    const b = await startTestSim(options);
    a.setAnswers(entries);
    expect(await (await post(b, P.adminAnswers, { answers: entries })).json()).toEqual({ added: QUESTIONS, total: QUESTIONS });
    const [repliesA, repliesB] = await Promise.all([askAll(a), askAll(b)]);
    expect(repliesB).toEqual(repliesA);
    const grades = repliesA.map((reply, i) => grade(reply, entries[i]?.answer ?? ''));
    const correct = grades.filter((g) => g === 'correct').length / QUESTIONS;
    expect(correct).toBeGreaterThan(0.62);
    expect(correct).toBeLessThan(0.78);
    const wrong = grades.filter((g) => g !== 'correct');
    const unparseable = wrong.filter((g) => g === 'unparseable').length / wrong.length;
    expect(unparseable).toBeGreaterThan(0.05);
    expect(unparseable).toBeLessThan(0.4);
    // The server's own verdicts agree with what a grader sees.
    const records = a.requests();
    expect(records.every((r) => r.benchmark === 'gsm8k')).toBe(true);
    const byPrompt = new Map(records.map((r) => [r.id, r.answer]));
    expect(byPrompt.size).toBe(QUESTIONS);
    expect(records.filter((r) => r.answer === 'correct').length / QUESTIONS).toBe(correct);
  });

  it('chat looks only at the last user message', async () => {
    const sim = await startTestSim(options);
    sim.setAnswers(entries);
    const [first, second] = entries;
    if (first === undefined || second === undefined) throw new Error('no entries');
    const messages = [
      { role: 'user', content: first.question },
      { role: 'assistant', content: `#### ${first.answer}` },
      { role: 'user', content: second.question },
    ];
    await post(sim, P.chat, { messages, max_tokens: 256 });
    expect(sim.requests()[0]?.benchmark).toBe('gsm8k');
    const verdict = sim.requests()[0]?.answer;
    const body = (await (await post(sim, P.chat, { messages: [{ role: 'user', content: second.question }], max_tokens: 256 })).json()) as { choices: { message: { content: string } }[] };
    expect(sim.requests()[1]?.answer).toBe(verdict);
    expect(grade(body.choices[0]?.message.content ?? '', second.answer)).toBe(verdict);
  });

  it('a reply cut by max_tokens loses its final answer', async () => {
    const sim = await startTestSim({ ...options, accuracy: { default: 1 } });
    sim.setAnswers(entries);
    const body = (await (await post(sim, P.completions, { prompt: entries[5]?.question, max_tokens: 3 })).json()) as { choices: { text: string; finish_reason: string }[] };
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.choices[0]?.text).not.toContain('####');
  });

  it('math replies box the answer and routerbench replies are the bare answer', async () => {
    const sim = await startTestSim({ ...options, accuracy: { default: 1 } });
    sim.setAnswers([
      { question: 'Compute the sum of the first ten positive integers, please.', answer: '55', benchmark: 'math' },
      { question: 'Which option best describes the capital of France? A) Rome B) Paris', answer: 'B', benchmark: 'routerbench' },
    ]);
    const ask = async (prompt: string) => ((await (await post(sim, P.completions, { prompt, max_tokens: 100 })).json()) as { choices: { text: string }[] }).choices[0]?.text;
    expect(await ask('Problem: Compute the sum of the first ten positive integers, please.\nSolution:')).toMatch(/The final answer is \$\\boxed\{55\}\$$/);
    expect(await ask('Which option best describes the capital of France? A) Rome B) Paris')).toBe('B');
  });
});
