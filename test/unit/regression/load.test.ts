import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunData, readRunRefFile, runRefFromPath } from '../../../regression/load.ts';
import { compareRuns } from '../../../regression/verdict.ts';
import { isEvalflowError } from '../../../common/errors.ts';
import { THROUGHPUT_BASE, lines, onlineRows, writeSyntheticRun } from './fixture.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempRoot(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-load-'));
  dirs.push(d);
  return d;
}

describe('loadRunData', () => {
  it('reads throughput, online and quality (items, metrics) from the run folders', async () => {
    const root = await tempRoot();
    const ref = await writeSyntheticRun(root, {
      workflowId: 'evalflow/phase1/m/abc',
      runId: 'r1',
      ts: '20260301T020000Z',
      throughput: THROUGHPUT_BASE,
      online: onlineRows(),
      quality: { gsm8k: lines(30, (i) => i % 3 !== 0), routerbench: lines(5, () => null) },
      tornTail: true,
    });
    const data = await loadRunData(ref);
    expect(data.label).toMatchObject({ workflow_id: 'evalflow/phase1/m/abc', run_id: 'r1', model: 'Qwen/Qwen2.5-7B-Instruct', config_hash: 'cfg0000', name: 'throughput-20260301T020000Z + online-20260301T020000Z + quality-20260301T020000Z' });
    expect(data.throughput?.values).toMatchObject({ request_throughput_rps: 30, p99_ttft_ms: 185 });
    expect(data.throughput?.values).not.toHaveProperty('time_origin_ms');
    expect(data.throughput?.self_check_ok).toBe(true);
    expect(data.online?.map((r) => r.target_rate_rps)).toEqual([2, 8]);
    expect(data.quality?.map((q) => q.benchmark)).toEqual(['gsm8k', 'routerbench']);
    const gsm8k = data.quality![0]!;
    expect(gsm8k.items).toHaveLength(30); // the torn last line is ignored, not an error
    expect(gsm8k.items[0]).toEqual({ benchmark: 'gsm8k', id: '0', prompt_hash: 'h0', correct: false });
    expect(gsm8k.metrics?.accuracy_pct).toBeCloseTo(66.67, 2);
  });

  it('leaves out a benchmark whose step is not complete, with a note', async () => {
    const root = await tempRoot();
    const ref = await writeSyntheticRun(root, { workflowId: 'w', runId: 'r', ts: '20260301T020000Z', quality: { gsm8k: lines(5, () => true), math: lines(5, () => true) }, partial: ['math'] });
    const data = await loadRunData(ref);
    expect(data.quality?.map((q) => q.benchmark)).toEqual(['gsm8k']);
    expect(data.notes).toEqual(['math: step not complete, left out']);
  });

  it('a folder that does not exist is input_invalid; a malformed results file names itself', async () => {
    const root = await tempRoot();
    const err: unknown = await loadRunData({ throughput: join(root, 'nope') }).catch((e: unknown) => e);
    expect(isEvalflowError(err) && err.code).toBe('input_invalid');
    const ref = await writeSyntheticRun(root, { workflowId: 'w', runId: 'r', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE });
    await writeFile(join(ref.throughput!, 'throughput_results.json'), '{oops');
    await expect(loadRunData(ref)).rejects.toThrow(/throughput_results\.json: not valid JSON/);
  });
});

describe('RunRef', () => {
  it('a RunRef file: relative folders resolve against the file', async () => {
    const root = await tempRoot();
    await writeSyntheticRun(root, { workflowId: 'w', runId: 'r', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE });
    const file = join(root, 'baseline.json');
    await writeFile(file, JSON.stringify({ label: 'base', throughput: 'throughput/throughput-20260301T020000Z' }));
    expect(await readRunRefFile(file)).toEqual({ label: 'base', throughput: join(root, 'throughput', 'throughput-20260301T020000Z') });
    await writeFile(file, JSON.stringify({ label: 'nothing' }));
    await expect(readRunRefFile(file)).rejects.toThrow(/names no run folder/);
    await writeFile(file, JSON.stringify({ throughput: 'x', qualty: 'y' }));
    await expect(readRunRefFile(file)).rejects.toThrow(/unknown key "qualty"/);
  });

  it('a results root means its latest finished run, kinds from the same workflow only', async () => {
    const root = await tempRoot();
    await writeSyntheticRun(root, { workflowId: 'wf-a', runId: 'r1', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE, quality: { gsm8k: lines(5, () => true) } });
    await writeSyntheticRun(root, { workflowId: 'wf-b', runId: 'r2', ts: '20260302T020000Z', throughput: THROUGHPUT_BASE });
    const ref = await runRefFromPath(root);
    expect(ref).toEqual({ throughput: join(root, 'throughput', 'throughput-20260302T020000Z') });
    expect(await runRefFromPath(join(root, 'quality', 'quality-20260301T020000Z'))).toEqual({ quality: join(root, 'quality', 'quality-20260301T020000Z') });
  });

  it('end to end: two runs on disk → a verdict', async () => {
    const root = await tempRoot();
    const a = await writeSyntheticRun(root, { workflowId: 'a', runId: 'r', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE, quality: { gsm8k: lines(100, (i) => i >= 10) } });
    const b = await writeSyntheticRun(root, { workflowId: 'b', runId: 'r', ts: '20260302T020000Z', throughput: { ...THROUGHPUT_BASE, request_throughput_rps: 25 }, quality: { gsm8k: lines(100, (i) => i >= 40) } });
    const v = compareRuns(await loadRunData(a), await loadRunData(b));
    expect(v.overall).toBe('regressed');
    expect(v.sections.quality[0]).toMatchObject({ verdict: 'regressed', baseline: 90, candidate: 60 });
    expect(v.sections.throughput.find((r) => r.metric === 'request_throughput_rps')?.verdict).toBe('regressed');
  });
});
