import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { configureRunsCommand } from '../../../client/cli/commands/runs.ts';
import { RunRecord } from '../../../runindex/record.ts';
import { THROUGHPUT_BASE, lines, onlineRows, writeSyntheticRun } from '../regression/fixture.ts';

let root: string;
let index: string;
let out: string[];
let errors: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'evalflow-cli-'));
  index = join(root, '.evalflow', 'runs.sqlite');
  out = [];
  errors = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.map(String).join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
  // Two runs of one suite: the candidate served with max_num_seqs 128, lost 30 GSM8K answers and 15% throughput.
  await writeSyntheticRun(root, {
    workflowId: 'evalflow/phase1/qwen2.5-7b-instruct/aaaa',
    runId: '0194-base',
    ts: '20260301T020000Z',
    throughput: THROUGHPUT_BASE,
    online: onlineRows(),
    quality: { gsm8k: lines(100, (i) => i >= 10), math: lines(40, (i) => i % 2 === 0) },
  });
  await writeSyntheticRun(root, {
    workflowId: 'evalflow/phase1/qwen2.5-7b-instruct/bbbb',
    runId: '0194-cand',
    ts: '20260302T020000Z',
    configHash: 'cfg1111',
    servingYaml: 'model: Qwen/Qwen2.5-7B-Instruct\nmax_num_seqs: 128\ndtype: bfloat16\n',
    throughput: { ...THROUGHPUT_BASE, request_throughput_rps: 25.5 },
    online: onlineRows(0.95),
    quality: { gsm8k: lines(100, (i) => i >= 40), math: lines(40, (i) => i % 2 === 0) },
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await rm(root, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<string> {
  out.length = 0;
  const program = new Command('evalflow').exitOverride();
  configureRunsCommand(program);
  await program.parseAsync(['runs', ...args], { from: 'user' });
  return out.join('\n');
}

async function scanned(): Promise<{ base: string; cand: string }> {
  await cli('scan', '--results', root, '--index', index);
  const list = JSON.parse(await cli('list', '--json', '--index', index)) as unknown[];
  const runs = list.map((r) => RunRecord.parse(r));
  return { base: runs.find((r) => r.run_id === '0194-base')!.id, cand: runs.find((r) => r.run_id === '0194-cand')!.id };
}

describe('evalflow runs', () => {
  it('scan indexes the results root; list shows both runs, newest first, with headline numbers', async () => {
    const text = await cli('scan', '--results', root, '--index', index);
    expect(text).toMatch(/indexed 2 run\(s\)/);
    const list = await cli('list', '--index', index);
    const lines = list.split('\n').filter((l) => l.includes('phase1'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('2026-03-02 02:00');
    expect(lines[0]).toMatch(/gsm8k 60%, math 50%, 25\.50 req\/s/);
    expect(await cli('list', '--index', index, '--model', 'nothing-like-this')).toMatch(/no runs indexed/);
  });

  it('the index location may come from EVALFLOW_RUN_INDEX', async () => {
    vi.stubEnv('EVALFLOW_RUN_INDEX', index);
    try {
      await cli('scan', '--results', root);
      expect(await cli('list')).toContain('Qwen/Qwen2.5-7B-Instruct');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('show resolves a unique prefix of the Temporal run id and prints every metric', async () => {
    await scanned();
    const text = await cli('show', '0194-c', '--index', index);
    expect(text).toMatch(/workflow id\s*│\s*evalflow\/phase1\/qwen2\.5-7b-instruct\/bbbb/);
    expect(text).toMatch(/gsm8k\.accuracy_pct\s*│\s*60\s/);
    expect(text).toMatch(/online\.rate_8\.latency_p99_ms/);
    await cli('show', '0194', '--index', index);
    expect(process.exitCode).toBe(2);
    expect(errors.join('\n')).toMatch(/input_invalid: "0194" matches 2 runs/);
  });

  it('compare: config diff, metric diff with ★, and the paired test per benchmark', async () => {
    const { base, cand } = await scanned();
    const text = await cli('compare', base.slice(0, 6), cand.slice(0, 6), '--index', index);
    expect(text).toContain('Configuration differences:');
    expect(text).toMatch(/serving\.max_num_seqs\s*│\s*256\s*│\s*128/);
    expect(text).toMatch(/run\.config_hash\s*│\s*cfg0000\s*│\s*cfg1111/);
    expect(text).toMatch(/gsm8k\.accuracy_pct\s*│\s*90 ★\s*│\s*60\s*│\s*↘ -30\s*│\s*-33\.3%/);
    expect(text).toMatch(/throughput\.request_throughput_rps\s*│\s*30 ★\s*│\s*25\.50/);
    expect(text).toMatch(/math\.accuracy_pct\s*│\s*50\s*│\s*50\s*│\s*→/);
    expect(text).toContain(`Paired significance, [2] ${cand} vs [1] ${base}:`);
    expect(text).toMatch(/gsm8k\s*│\s*100\s*│\s*90\s*│\s*60\s*│\s*↘ -30\s*│\s*\d\.\de-\d+/);
    expect(text).toMatch(/regressed: holm-corrected p/);
    expect(text).toMatch(/math\s*│\s*40\s*│\s*50\s*│\s*50\s*│\s*→ 0\s*│\s*1\.0000/);
  });

  it('leaderboard ranks by the metric in its direction', async () => {
    const { base, cand } = await scanned();
    const acc = await cli('leaderboard', '--benchmark', 'gsm8k', '--index', index);
    expect(acc).toContain('gsm8k.accuracy_pct (higher is better)');
    expect(acc.indexOf(base)).toBeLessThan(acc.indexOf(cand));
    const ttft = await cli('leaderboard', '--benchmark', 'online', '--metric', 'rate_8.latency_p99_ms', '--top', '1', '--index', index);
    expect(ttft).toContain('(lower is better)');
    expect(ttft).toContain(base); // 900 ms beats 947 ms
    expect(ttft).not.toContain(cand);
  });

  it('export writes the record as JSON', async () => {
    const { cand } = await scanned();
    const file = join(root, 'export', 'run.json');
    await cli('export', cand, '--output', file, '--index', index);
    const rec = RunRecord.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(rec).toMatchObject({ id: cand, run_id: '0194-cand', metrics: { 'gsm8k.accuracy_pct': 60 } });
    expect(RunRecord.parse(JSON.parse(await cli('export', cand, '--index', index))).id).toBe(cand);
  });

  it('verdict: index ids or paths; writes verdict.json/.md; --fail-on-regression sets the exit code', async () => {
    const { base, cand } = await scanned();
    const dir = join(root, 'verdict');
    const text = await cli('verdict', base, cand, '--output', dir, '--fail-on-regression', '--index', index);
    expect(text).toContain('# Regression verdict: ❌ regressed');
    expect(process.exitCode).toBe(1);
    const json = JSON.parse(await readFile(join(dir, 'verdict.json'), 'utf8')) as { overall: string; sections: { throughput: { metric: string; verdict: string }[] } };
    expect(json.overall).toBe('regressed');
    expect(json.sections.throughput.find((r) => r.metric === 'request_throughput_rps')?.verdict).toBe('regressed');
    process.exitCode = undefined;

    // The same run on both sides, by path (a RunRef file and the run folder itself), with a policy file.
    const refFile = join(root, 'base.json');
    await writeFile(refFile, JSON.stringify({ label: 'base', quality: 'quality/quality-20260301T020000Z' }));
    const policy = join(root, 'policy.yaml');
    await writeFile(policy, 'quality:\n  bootstrap_resamples: 200\n');
    const same = await cli('verdict', refFile, join(root, 'quality', 'quality-20260301T020000Z'), '--policy', policy, '--fail-on-regression', '--index', index);
    expect(same).toContain('# Regression verdict: ✔ pass');
    expect(same).toContain('B = 200');
    expect(process.exitCode).toBeUndefined();
  });
});
