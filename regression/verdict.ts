import { throughputRows, onlineRows } from './efficiency.ts';
import type { RegressionPolicy } from './policy.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { qualityRows } from './quality.ts';
import type { MetricRow, RegressionVerdict, RunData, Section, Verdict } from './types.ts';

/** regressed if any row regressed, else improved if any improved, else pass if any passed, else inconclusive. */
export function overallVerdict(rows: readonly MetricRow[]): Verdict {
  for (const v of ['regressed', 'improved', 'pass'] as const) if (rows.some((r) => r.verdict === v)) return v;
  return 'inconclusive';
}

/**
 * Compare a candidate run with a baseline run: quality by paired tests per benchmark, efficiency by
 * direction-aware relative tolerances, online per matching rate. Pure: the inputs come from
 * load.ts (or a test), the output is what report.ts writes.
 */
export function compareRuns(baseline: RunData, candidate: RunData, policy: RegressionPolicy = DEFAULT_POLICY): RegressionVerdict {
  const sections: Record<Section, MetricRow[]> = {
    quality: qualityRows(baseline, candidate, policy.quality),
    throughput: throughputRows(baseline, candidate, policy.efficiency),
    online: onlineRows(baseline, candidate, policy.efficiency),
  };
  const rows = [...sections.quality, ...sections.throughput, ...sections.online];
  const counts: Record<Verdict, number> = { regressed: 0, improved: 0, pass: 0, inconclusive: 0 };
  for (const r of rows) counts[r.verdict]++;
  return {
    schema: 'evalflow.regression-verdict/v1',
    baseline: baseline.label,
    candidate: candidate.label,
    policy,
    overall: overallVerdict(rows),
    counts,
    sections,
    notes: [...baseline.notes.map((n) => `baseline: ${n}`), ...candidate.notes.map((n) => `candidate: ${n}`)],
  };
}
