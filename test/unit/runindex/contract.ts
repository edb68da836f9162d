import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../runindex/record.ts';
import type { RunIndex } from '../../../runindex/types.ts';
import { isEvalflowError } from '../../../common/errors.ts';

export function record(over: Partial<RunRecord> & { id: string }): RunRecord {
  return {
    workflow_id: `evalflow/phase1/qwen/${over.id}`,
    run_id: `0194-${over.id}`,
    run_ids: [`0194-${over.id}`],
    suite: 'phase1',
    model: 'Qwen/Qwen2.5-7B-Instruct',
    preset: 'smoke',
    backend: 'sim',
    config_hash: 'cfg',
    created_at: '2026-03-01T02:00:00.000Z',
    status: 'complete',
    results_root: '/r',
    folders: { quality: `/r/quality/quality-${over.id}` },
    steps: ['gsm8k'],
    metrics: { 'gsm8k.accuracy_pct': 80, 'throughput.p99_ttft_ms': 180 },
    config: { serving: { max_num_seqs: 256 } },
    registered_at: '2026-03-01T03:00:00.000Z',
    verdict: null,
    ...over,
  };
}

/**
 * What every RunIndex must do, run against each implementation. `fresh` opens an empty index;
 * `reopen` opens the same store again (a restarted process).
 */
export function runIndexContract(name: string, fresh: () => Promise<{ index: RunIndex; reopen: () => Promise<RunIndex> }>): void {
  describe(`${name}: RunIndex contract`, () => {
    it('round trip: a registered run survives closing and reopening', async () => {
      const { index, reopen } = await fresh();
      const r = record({ id: 'aaa111', metrics: { 'gsm8k.accuracy_pct': 81.25, 'online.rate_8.latency_p99_ms': null } });
      await index.register(r);
      await index.close();
      const again = await reopen();
      try {
        expect(await again.get('aaa111')).toEqual(r);
        expect(await again.get('nope')).toBeNull();
      } finally {
        await again.close();
      }
    });

    it('register replaces an entry (metrics too) and keeps a recorded verdict', async () => {
      const { index } = await fresh();
      try {
        await index.register(record({ id: 'x1', metrics: { 'gsm8k.accuracy_pct': 50, 'math.accuracy_pct': 40 } }));
        await index.setVerdict('x1', { overall: 'regressed', baseline_id: 'x0', decided_at: '2026-03-01T04:00:00.000Z', report: null });
        await index.register(record({ id: 'x1', metrics: { 'gsm8k.accuracy_pct': 55 } }));
        const got = await index.get('x1');
        expect(got?.metrics).toEqual({ 'gsm8k.accuracy_pct': 55 });
        expect(got?.verdict?.overall).toBe('regressed');
        expect(await index.leaderboard({ metric: 'math.accuracy_pct', better: 'higher', top: 5 })).toEqual([]);
        await expect(index.setVerdict('missing', { overall: 'pass', baseline_id: null, decided_at: 'x', report: null })).rejects.toThrow(/no run missing/);
      } finally {
        await index.close();
      }
    });

    it('lists newest first, filtered by suite, model (substring, any case) and status, limited', async () => {
      const { index } = await fresh();
      try {
        await index.register(record({ id: 'r1', created_at: '2026-03-01T00:00:00Z' }));
        await index.register(record({ id: 'r2', created_at: '2026-03-03T00:00:00Z', model: 'meta-llama/Llama-3.1-8B_Instruct' }));
        await index.register(record({ id: 'r3', created_at: '2026-03-02T00:00:00Z', suite: 'other', status: 'partial' }));
        expect((await index.list()).map((r) => r.id)).toEqual(['r2', 'r3', 'r1']);
        expect((await index.list({ limit: 1 })).map((r) => r.id)).toEqual(['r2']);
        expect((await index.list({ suite: 'phase1' })).map((r) => r.id)).toEqual(['r2', 'r1']);
        expect((await index.list({ model: 'LLAMA' })).map((r) => r.id)).toEqual(['r2']);
        expect((await index.list({ model: '8b_i' })).map((r) => r.id)).toEqual(['r2']); // _ is literal, not a wildcard
        expect((await index.list({ model: '8%' })).map((r) => r.id)).toEqual([]);
        expect((await index.list({ status: 'partial' })).map((r) => r.id)).toEqual(['r3']);
      } finally {
        await index.close();
      }
    });

    it('resolves an id, a unique prefix of an id, run id or workflow id; ambiguous and unknown are input_invalid', async () => {
      const { index } = await fresh();
      try {
        await index.register(record({ id: 'abc123', run_id: '0194aaaa', workflow_id: 'evalflow/phase1/qwen/h1' }));
        await index.register(record({ id: 'abd456', run_id: '0194bbbb', workflow_id: 'evalflow/phase1/qwen/h2' }));
        expect((await index.resolve('abc123')).id).toBe('abc123');
        expect((await index.resolve('abc')).id).toBe('abc123');
        expect((await index.resolve('0194b')).id).toBe('abd456');
        expect((await index.resolve('evalflow/phase1/qwen/h2')).id).toBe('abd456');
        const ambiguous: unknown = await index.resolve('ab').catch((e: unknown) => e);
        expect(isEvalflowError(ambiguous) && ambiguous.code).toBe('input_invalid');
        expect(String((ambiguous as Error).message)).toMatch(/"ab" matches 2 runs/);
        await expect(index.resolve('zzz')).rejects.toThrow(/no run .* matches "zzz"/);
      } finally {
        await index.close();
      }
    });

    it('leaderboard: by value in the metric’s direction, top N, runs without the metric left out', async () => {
      const { index } = await fresh();
      try {
        await index.register(record({ id: 'l1', metrics: { 'gsm8k.accuracy_pct': 70, 'throughput.p99_ttft_ms': 150 } }));
        await index.register(record({ id: 'l2', metrics: { 'gsm8k.accuracy_pct': 90, 'throughput.p99_ttft_ms': 250 } }));
        await index.register(record({ id: 'l3', metrics: { 'gsm8k.accuracy_pct': 80 } }));
        await index.register(record({ id: 'l4', metrics: { 'gsm8k.accuracy_pct': null } }));
        const acc = await index.leaderboard({ metric: 'gsm8k.accuracy_pct', better: 'higher', top: 2 });
        expect(acc.map((e) => [e.rank, e.run.id, e.value])).toEqual([
          [1, 'l2', 90],
          [2, 'l3', 80],
        ]);
        const ttft = await index.leaderboard({ metric: 'throughput.p99_ttft_ms', better: 'lower', top: 10 });
        expect(ttft.map((e) => e.run.id)).toEqual(['l1', 'l2']);
        expect((await index.leaderboard({ metric: 'gsm8k.accuracy_pct', better: 'higher', top: 10, model: 'nothing' })).length).toBe(0);
      } finally {
        await index.close();
      }
    });

    it('many metrics register in chunks', async () => {
      const { index } = await fresh();
      try {
        const metrics = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`online.rate_${i}.latency_p99_ms`, i]));
        await index.register(record({ id: 'big', metrics }));
        expect(Object.keys((await index.get('big'))!.metrics)).toHaveLength(450);
        expect((await index.leaderboard({ metric: 'online.rate_449.latency_p99_ms', better: 'lower', top: 1 }))[0]?.value).toBe(449);
      } finally {
        await index.close();
      }
    });
  });
}
