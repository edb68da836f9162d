import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { snapshotResults } from '../../../chaos/results.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'evalflow-chaos-results-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
}

const manifest = (step: string, status: 'running' | 'complete'): string => JSON.stringify({ step, key: 'k', status, workflow_id: 'w', run_id: 'r', planned_at: '', completed_at: null, summary: null });
const line = (id: string, error: unknown = null): string => `${JSON.stringify({ id, prompt_hash: 'h', correct: true, ambiguity_reason: null, error })}\n`;

describe('snapshotResults', () => {
  it('reads finished examples, failed ones, complete steps, finished stages and file verdicts from a sweep tree', async () => {
    const m = 'qwen2.5-3b-instruct';
    await put(`${m}/throughput/throughput-20260101T000000Z/.evalflow-step.json`, manifest('throughput', 'complete'));
    await put(`${m}/throughput/throughput-20260101T000000Z/throughput_results.json`, JSON.stringify({ failed: 2 }));
    await put(`${m}/online/online-20260101T000000Z/.evalflow-step.json`, manifest('online', 'running'));
    await put(`${m}/online/online-20260101T000000Z/rate_2/summary.json`, JSON.stringify({ failed: 0 }));
    await put(`${m}/online/online-20260101T000000Z/rate_8/summary.json`, JSON.stringify({ failed: 3 }));
    await put(`${m}/quality/quality-20260101T000000Z/.evalflow-step.json`, manifest('quality', 'running'));
    await put(`${m}/quality/quality-20260101T000000Z/gsm8k/.evalflow-step.json`, manifest('gsm8k', 'running'));
    await put(`${m}/quality/quality-20260101T000000Z/gsm8k/gsm8k_results.jsonl`, `${line('a')}${line('b', { kind: 'connect' })}${line('b')}${line('c', { kind: 'closed' })}{"id":"d"`);
    await put('scaling_comparison.csv', 'model,status\nx,"done\n');
    await put('.scaling_comparison.json.0a1b2c.tmp', '{"half');

    const snap = await snapshotResults(root, [{ model: m, servedModel: 'Qwen/Qwen2.5-3B-Instruct' }]);

    expect(snap.models).toEqual([
      {
        model: m,
        servedModel: 'Qwen/Qwen2.5-3B-Instruct',
        examples: { gsm8k: ['a', 'b'] },
        failedExamples: { gsm8k: ['c'] },
        completeSteps: ['throughput'],
        finishedStages: ['rate_2'],
        failedRequests: 2,
        missing: ['throughput/throughput-20260101T000000Z: complete throughput step without throughput_results.csv', ...['raw_results.json', 'vllm_bench_raw.json', 'stdout.txt', 'stderr.txt'].map((f) => `throughput/throughput-20260101T000000Z: complete throughput step without ${f}`)],
      },
    ]);
    const byPath = new Map(snap.files.map((f) => [f.path, f]));
    expect(byPath.get(`${m}/quality/quality-20260101T000000Z/gsm8k/gsm8k_results.jsonl`)).toMatchObject({ kind: 'jsonl', problem: null, tornTail: true });
    expect(byPath.get('scaling_comparison.csv')).toMatchObject({ kind: 'csv', problem: 'unbalanced quotes' });
    expect(byPath.get('.scaling_comparison.json.0a1b2c.tmp')).toMatchObject({ kind: 'tmp', problem: null });
  });

  it('is empty for a sweep that has written nothing yet', async () => {
    const snap = await snapshotResults(join(root, 'missing'), [{ model: 'm', servedModel: 'M' }]);
    expect(snap.files).toEqual([]);
    expect(snap.models[0]).toMatchObject({ examples: {}, completeSteps: [], finishedStages: [] });
  });
});
