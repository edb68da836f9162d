import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeRunReport, writeSweepReport } from '../../../reports/write.ts';
import { configureReportCommand } from '../../../client/cli/commands/report.ts';
import { buildResultsTree, buildSweep, WORKFLOW_ID } from './fixture.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-report-write-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const svgCount = (html: string): number => (html.match(/<svg\b/g) ?? []).length;

describe('writeRunReport', () => {
  it('writes report.html at the results root with the header, cards, four charts and the tables', async () => {
    const tree = await buildResultsTree(await tmp());
    const now = new Date('2026-02-24T15:00:00Z');
    const path = await writeRunReport(tree.root, { now });
    expect(path).toBe(join(tree.root, 'report.html'));
    const html = await readFile(path, 'utf8');
    expect(svgCount(html)).toBe(4);
    for (const text of ['phase1 · Qwen/Qwen2.5-72B-Instruct', 'kubernetes', '0.11.0', '4 × NVIDIA H100 80GB HBM3 (80 GB)', '3f9a1c2b7d4e6f80', WORKFLOW_ID, '2026-02-24T12:00:00.000Z']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('GSM8K accuracy');
    expect(html).toContain('Generated 2026-02-24T15:00:00.000Z');
    expect(html.match(/<table/g)).toHaveLength(3);
    // No stray temp file from the atomic write.
    expect((await readdir(tree.root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('warns when the chosen folders served different models', async () => {
    const tree = await buildResultsTree(await tmp());
    const path = await writeRunReport({ throughput: tree.throughput, online: join(tree.root, 'online', 'online-20260223T090000Z') });
    expect(path).toBe(join(tree.root, 'report.html'));
    expect(await readFile(path, 'utf8')).toContain('These run folders served different models');
  });
});

describe('writeSweepReport', () => {
  it('writes sweep_report.html in the sweep folder with five charts against model size', async () => {
    const dir = await buildSweep(await tmp());
    const path = await writeSweepReport(dir);
    expect(path).toBe(join(dir, 'sweep_report.html'));
    const html = await readFile(path, 'utf8');
    expect(svgCount(html)).toBe(5);
    expect(html).toContain('Model size (billions of parameters)');
    expect(html).toContain('Qwen/Qwen2.5-32B-Instruct');
  });
});

describe('evalflow report', () => {
  async function run(args: string[]): Promise<string[]> {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const program = new Command('evalflow').exitOverride();
    configureReportCommand(program);
    await program.parseAsync(['report', ...args], { from: 'user' });
    return out;
  }

  it('prints the path it wrote, for a run, chosen folders and a sweep', async () => {
    const tree = await buildResultsTree(await tmp());
    expect(await run(['--results', tree.root])).toEqual([join(tree.root, 'report.html')]);
    const out = join(await tmp(), 'nested', 'mine.html');
    expect(await run([tree.quality, '--output', out])).toEqual([out]);
    expect(await readFile(out, 'utf8')).toContain('Accuracy per benchmark');
    const sweep = await buildSweep(await tmp());
    expect(await run(['--sweep', sweep])).toEqual([join(sweep, 'sweep_report.html')]);
  });

  it('exits 2 with a readable error when there is nothing to report', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await run(['--results', await tmp()])).toEqual([]);
    expect(process.exitCode).toBe(2);
    expect(errors.join('\n')).toMatch(/input_invalid: no run folders under/);
  });
});
