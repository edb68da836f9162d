import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns } from '../../../regression/verdict.ts';
import { renderVerdictMarkdown, writeVerdict } from '../../../regression/report.ts';
import { items, onlineRow, qualityData, runData } from './fixture.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function verdict(): ReturnType<typeof compareRuns> {
  const base = runData('nightly-0301', {
    quality: [qualityData('gsm8k', items('gsm8k', 100, (i) => i >= 10))],
    throughput: { values: { request_throughput_rps: 30, p99_ttft_ms: 180 }, self_check_ok: true },
    online: [onlineRow(8, { latency_p99_ms: 300 })],
  });
  const cand = runData('nightly-0302', {
    quality: [qualityData('gsm8k', items('gsm8k', 100, (i) => i >= 40))],
    throughput: { values: { request_throughput_rps: 31, p99_ttft_ms: 179 }, self_check_ok: true },
    online: [onlineRow(8, { latency_p99_ms: 310 })],
    notes: ['math: step not complete, left out'],
  });
  return compareRuns(base, cand);
}

describe('verdict report', () => {
  it('Markdown: the overall verdict, both runs, a table per section with markers, p-values and CI', () => {
    const md = renderVerdictMarkdown(verdict());
    expect(md).toMatch(/^# Regression verdict: ❌ regressed/);
    expect(md).toContain('- **baseline**: nightly-0301');
    expect(md).toContain('## Quality (paired tests per benchmark)');
    expect(md).toContain('## Offline throughput');
    expect(md).toContain('## Online sweep (per matching rate)');
    expect(md).toMatch(/\| gsm8k \| 90 \| 60 \| ↘ -30 \| -33\.3% \| 100 \|/);
    expect(md).toMatch(/\| request_throughput_rps \| higher \| 30 \| 31 \| ↗ \+1 \| \+3\.3% \| −5% \| ✔ pass \|/);
    expect(md).toMatch(/\| rate 8 \| latency_p99_ms \| lower \| 300 \| 310 \| ↘ \+10 \| \+3\.3% \| \+10% \| ✔ pass \|/);
    expect(md).toContain('- candidate: math: step not complete, left out');
  });

  it('writes verdict.json (the verdict plus generated_at) and verdict.md', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalflow-verdict-'));
    dirs.push(dir);
    const v = verdict();
    const files = await writeVerdict(join(dir, 'out'), v, new Date('2026-03-02T03:00:00Z'));
    const json = JSON.parse(await readFile(files.json, 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ schema: 'evalflow.regression-verdict/v1', overall: 'regressed', generated_at: '2026-03-02T03:00:00.000Z' });
    expect(await readFile(files.markdown, 'utf8')).toBe(renderVerdictMarkdown(v));
  });
});
