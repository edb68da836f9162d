import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOfSuite, registerRun, scanAndRegister, scanResultsRoot } from '../../../runindex/scan.ts';
import { openSqliteRunIndex } from '../../../runindex/sqlite.ts';
import { loadSuite } from '../../../configs/resolve.ts';
import { THROUGHPUT_BASE, lines, onlineRows, writeSyntheticRun } from '../regression/fixture.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempRoot(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-scan-'));
  dirs.push(d);
  return d;
}

const now = new Date('2026-03-05T00:00:00Z');

describe('scanResultsRoot', () => {
  it('groups folders by workflow id (a resumed run keeps both run ids), newest complete per kind', async () => {
    const root = await tempRoot();
    // Workflow A: throughput by run r1, then a crash; a resubmission (run r2) did online and quality.
    await writeSyntheticRun(root, { workflowId: 'wf-A', runId: 'r1', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE });
    await writeSyntheticRun(root, { workflowId: 'wf-A', runId: 'r2', ts: '20260301T030000Z', online: onlineRows(), quality: { gsm8k: lines(10, (i) => i < 8) } });
    // Workflow B: quality only, math still running.
    await writeSyntheticRun(root, { workflowId: 'wf-B', runId: 'r3', ts: '20260302T020000Z', model: 'meta-llama/Llama-3.1-8B-Instruct', quality: { gsm8k: lines(10, () => true), math: lines(4, () => true) }, partial: ['math'] });
    const records = await scanResultsRoot(root, now);
    expect(records).toHaveLength(2);
    const [a, b] = records;
    expect(a).toMatchObject({ workflow_id: 'wf-A', run_id: 'r2', run_ids: ['r1', 'r2'], status: 'complete', created_at: '2026-03-01T02:00:00.000Z', results_root: root, suite: 'phase1', preset: 'smoke', backend: 'sim' });
    expect(a!.steps).toEqual(['throughput', 'online', 'gsm8k']);
    expect(a!.folders).toEqual({ throughput: join(root, 'throughput', 'throughput-20260301T020000Z'), online: join(root, 'online', 'online-20260301T030000Z'), quality: join(root, 'quality', 'quality-20260301T030000Z') });
    expect(a!.metrics).toMatchObject({ 'throughput.request_throughput_rps': 30, 'online.rate_8.latency_p99_ms': 900, 'gsm8k.accuracy_pct': 80, 'gsm8k.scorable_examples': 10 });
    expect(a!.metrics).not.toHaveProperty('throughput.time_origin_ms');
    expect(a!.config).toMatchObject({ serving: { max_num_seqs: 256 }, benchmark: { throughput: { num_prompts: 32 } }, eval: { defaults: { concurrency: 8 } }, run: { suite: 'phase1', preset: 'smoke' } });
    expect(b).toMatchObject({ workflow_id: 'wf-B', status: 'partial', steps: ['gsm8k'], model: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(b!.metrics).not.toHaveProperty('math.accuracy_pct');
    expect(a!.id).not.toBe(b!.id);
  });

  it('skips runs with no finished step; an empty or missing root gives nothing', async () => {
    const root = await tempRoot();
    await writeSyntheticRun(root, { workflowId: 'wf', runId: 'r', ts: '20260301T020000Z', quality: { gsm8k: lines(3, () => true) }, partial: ['gsm8k'] });
    expect(await scanResultsRoot(root, now)).toEqual([]);
    expect(await scanResultsRoot(join(root, 'missing'), now)).toEqual([]);
  });

  it('rescanning refreshes the same entries (stable ids), not duplicates', async () => {
    const root = await tempRoot();
    await writeSyntheticRun(root, { workflowId: 'wf', runId: 'r', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE });
    const index = await openSqliteRunIndex(join(root, '.evalflow', 'runs.sqlite'));
    try {
      const first = await scanAndRegister(index, root, now);
      await scanAndRegister(index, root, now);
      expect(await index.list()).toHaveLength(1);
      expect((await index.list())[0]!.id).toBe(first[0]!.id);
    } finally {
      await index.close();
    }
  });
});

describe('registerRun (what an activity calls)', () => {
  it('registers the named folders with the resolved config', async () => {
    const root = await tempRoot();
    const ref = await writeSyntheticRun(root, { workflowId: 'wf', runId: 'r', ts: '20260301T020000Z', throughput: THROUGHPUT_BASE, quality: { gsm8k: lines(5, () => true) } });
    const suite = await loadSuite('configs/suites/phase1.yaml', { resultsDir: root });
    const index = await openSqliteRunIndex(join(root, 'idx.sqlite'));
    try {
      const rec = await registerRun(index, ref, { config: configOfSuite(suite), now });
      expect(rec.config).toMatchObject({ serving: { model: suite.serving.model }, run: { preset: suite.preset, backend: 'sim' } });
      expect((await index.get(rec.id))?.steps).toEqual(['throughput', 'gsm8k']);
      // Same workflow and root as a scan would find: the same entry.
      expect((await scanResultsRoot(root, now))[0]!.id).toBe(rec.id);
      await expect(registerRun(index, { throughput: ref.quality! })).rejects.toThrow(/not a throughput-<timestamp> run folder/);
    } finally {
      await index.close();
    }
  });
});
