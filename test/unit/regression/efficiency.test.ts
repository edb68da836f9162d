import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../regression/verdict.ts';
import { RegressionPolicy } from '../../../regression/policy.ts';
import type { MetricRow } from '../../../regression/types.ts';
import { onlineRow, runData } from './fixture.ts';

function throughputRun(values: Record<string, number | null>, selfCheck: boolean | null = true): ReturnType<typeof runData> {
  return runData('x', { throughput: { values, self_check_ok: selfCheck } });
}

function metric(rows: MetricRow[], name: string, group?: string): MetricRow {
  const r = rows.find((x) => x.metric === name && (group === undefined || x.group === group));
  if (!r) throw new Error(`no row ${name}`);
  return r;
}

describe('throughput tolerances, direction-aware', () => {
  it.each([
    // metric, baseline, candidate, verdict, marker
    ['request_throughput_rps', 100, 96, 'pass', '↘'], // −4% within −5%
    ['request_throughput_rps', 100, 95, 'pass', '↘'], // exactly at the tolerance
    ['request_throughput_rps', 100, 94, 'regressed', '↘'],
    ['request_throughput_rps', 100, 106, 'improved', '↗'],
    ['request_throughput_rps', 100, 100, 'pass', '→'],
    ['p99_ttft_ms', 200, 218, 'pass', '↘'], // +9% within +10%
    ['p99_ttft_ms', 200, 224, 'regressed', '↘'], // +12%
    ['p99_ttft_ms', 200, 170, 'improved', '↗'], // −15%
    ['median_e2el_ms', 1000, 1050, 'pass', '↘'],
  ] as const)('%s %d → %d: %s %s', (name, base, cand, verdict, marker) => {
    const v = compareRuns(throughputRun({ [name]: base }), throughputRun({ [name]: cand }));
    const r = metric(v.sections.throughput, name);
    expect(r).toMatchObject({ verdict, marker, baseline: base, candidate: cand, abs_delta: cand - base });
    expect(r.rel_delta_pct).toBeCloseTo(((cand - base) / base) * 100, 10);
  });

  it('a missing value, a zero baseline or a failed self-check is inconclusive', () => {
    const v = compareRuns(throughputRun({ request_throughput_rps: 0, output_throughput_tps: 10 }), throughputRun({ request_throughput_rps: 5, output_throughput_tps: null }));
    expect(metric(v.sections.throughput, 'request_throughput_rps')).toMatchObject({ verdict: 'inconclusive', rel_delta_pct: null, reason: 'baseline is 0: no relative change' });
    expect(metric(v.sections.throughput, 'output_throughput_tps')).toMatchObject({ verdict: 'inconclusive', reason: 'missing in candidate' });
    expect(metric(v.sections.throughput, 'p99_ttft_ms')).toMatchObject({ verdict: 'inconclusive', reason: 'missing in both runs', marker: '→', abs_delta: null });
    const late = compareRuns(throughputRun({ request_throughput_rps: 100 }), throughputRun({ request_throughput_rps: 50 }, false));
    expect(metric(late.sections.throughput, 'request_throughput_rps').verdict).toBe('inconclusive');
    const trusted = compareRuns(throughputRun({ request_throughput_rps: 100 }), throughputRun({ request_throughput_rps: 50 }, false), RegressionPolicy.parse({ efficiency: { require_self_check: false } }));
    expect(metric(trusted.sections.throughput, 'request_throughput_rps').verdict).toBe('regressed');
  });

  it('per-metric rules override the section tolerance', () => {
    const policy = RegressionPolicy.parse({ efficiency: { throughput_metrics: { request_throughput_rps: { better: 'higher', tolerance_pct: 1 } } } });
    const v = compareRuns(throughputRun({ request_throughput_rps: 100 }), throughputRun({ request_throughput_rps: 98 }), policy);
    expect(v.sections.throughput).toHaveLength(1);
    expect(v.sections.throughput[0]).toMatchObject({ verdict: 'regressed', tolerance_pct: 1 });
  });
});

describe('online sweep, compared per matching rate', () => {
  it('matches rows by target rate and reports a rate measured on one side as inconclusive', () => {
    const base = runData('a', { online: [onlineRow(2, { latency_p99_ms: 100, effective_throughput_tps: 200 }), onlineRow(8, { latency_p99_ms: 300, effective_throughput_tps: 800 })] });
    const cand = runData('b', { online: [onlineRow(8, { latency_p99_ms: 400, effective_throughput_tps: 800 }), onlineRow(2, { latency_p99_ms: 101, effective_throughput_tps: 200 }), onlineRow(16, { latency_p99_ms: 900 })] });
    const v = compareRuns(base, cand);
    const rows = v.sections.online;
    expect([...new Set(rows.map((r) => r.group))]).toEqual(['rate 2', 'rate 8', 'rate 16']);
    expect(metric(rows, 'latency_p99_ms', 'rate 2').verdict).toBe('pass');
    expect(metric(rows, 'latency_p99_ms', 'rate 8')).toMatchObject({ verdict: 'regressed', marker: '↘' });
    expect(metric(rows, 'effective_throughput_tps', 'rate 8')).toMatchObject({ verdict: 'pass', marker: '→' });
    expect(metric(rows, 'latency_p99_ms', 'rate 16')).toMatchObject({ verdict: 'inconclusive', reason: 'missing in baseline' });
    expect(v.overall).toBe('regressed');
  });

  it('no efficiency data on either side: no rows', () => {
    const v = compareRuns(runData('a'), runData('b'));
    expect(v.sections).toEqual({ quality: [], throughput: [], online: [] });
    expect(v.overall).toBe('inconclusive');
  });
});
