import type { EfficiencyPolicy, MetricRule } from './policy.ts';
import { resolveRule } from './policy.ts';
import { absDelta, markerOf, relDeltaPct } from './delta.ts';
import type { MetricRow, MetricValues, OnlineRowData, RunData, Section, Verdict } from './types.ts';

/** One side of an efficiency comparison: the values and whether the load generator vouched for them. */
interface Side {
  values: MetricValues | null;
  self_check_ok: boolean | null;
}

function decide(
  better: 'higher' | 'lower',
  tolerance: number,
  baseline: number | null,
  candidate: number | null,
  selfCheckFailed: string | null,
): { verdict: Verdict; reason: string } {
  if (baseline === null || candidate === null) {
    const where = baseline === null && candidate === null ? 'both runs' : baseline === null ? 'baseline' : 'candidate';
    return { verdict: 'inconclusive', reason: `missing in ${where}` };
  }
  if (selfCheckFailed) return { verdict: 'inconclusive', reason: `load generator self-check failed in ${selfCheckFailed}: timings may be late` };
  const rel = relDeltaPct(baseline, candidate);
  if (rel === null) return candidate === baseline ? { verdict: 'pass', reason: 'both 0' } : { verdict: 'inconclusive', reason: 'baseline is 0: no relative change' };
  // Positive: the candidate is worse by this many percent.
  const worsePct = better === 'higher' ? -rel : rel;
  const limit = `${tolerance}% tolerance`;
  if (worsePct > tolerance) return { verdict: 'regressed', reason: `${Math.abs(rel).toFixed(1)}% worse, beyond the ${limit}` };
  if (-worsePct > tolerance) return { verdict: 'improved', reason: `${Math.abs(rel).toFixed(1)}% better, beyond the ${limit}` };
  return { verdict: 'pass', reason: `within the ${limit}` };
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

function compareSides(section: Section, group: string, rules: Record<string, MetricRule>, policy: EfficiencyPolicy, base: Side, cand: Side): MetricRow[] {
  const failed = !policy.require_self_check
    ? null
    : [base.self_check_ok === false ? 'baseline' : null, cand.self_check_ok === false ? 'candidate' : null].filter((s) => s !== null).join(' and ') || null;
  return Object.entries(rules).map(([metric, rule]) => {
    const { better, tolerance_pct } = resolveRule(rule, policy);
    const baseline = finiteOrNull(base.values?.[metric]);
    const candidate = finiteOrNull(cand.values?.[metric]);
    const { verdict, reason } = decide(better, tolerance_pct, baseline, candidate, failed);
    return {
      section,
      group,
      metric,
      better,
      baseline,
      candidate,
      abs_delta: absDelta(baseline, candidate),
      rel_delta_pct: relDeltaPct(baseline, candidate),
      marker: markerOf(better, baseline, candidate),
      verdict,
      reason,
      tolerance_pct,
      stats: null,
    };
  });
}

/** Offline throughput rows; none when neither run measured throughput. */
export function throughputRows(baseline: RunData, candidate: RunData, policy: EfficiencyPolicy): MetricRow[] {
  if (!baseline.throughput && !candidate.throughput) return [];
  const side = (d: RunData): Side => ({ values: d.throughput?.values ?? null, self_check_ok: d.throughput?.self_check_ok ?? null });
  return compareSides('throughput', 'offline', policy.throughput_metrics, policy, side(baseline), side(candidate));
}

/** Rows of a sweep are matched by target rate; a stage without one (synchronous, saturation) by its name. */
function onlineKey(row: OnlineRowData): string {
  return row.target_rate_rps !== null ? `rate ${row.target_rate_rps}` : row.stage;
}

/** Online rows, compared per matching rate; a rate measured on one side only gives inconclusive rows. */
export function onlineRows(baseline: RunData, candidate: RunData, policy: EfficiencyPolicy): MetricRow[] {
  if (!baseline.online && !candidate.online) return [];
  const base = new Map((baseline.online ?? []).map((r) => [onlineKey(r), r]));
  const cand = new Map((candidate.online ?? []).map((r) => [onlineKey(r), r]));
  const keys = [...new Set([...base.keys(), ...cand.keys()])];
  // Numeric rates in ascending order, named stages after them in first-seen order.
  const rate = (k: string): number => base.get(k)?.target_rate_rps ?? cand.get(k)?.target_rate_rps ?? Number.POSITIVE_INFINITY;
  keys.sort((x, y) => (rate(x) === rate(y) ? 0 : rate(x) < rate(y) ? -1 : 1));
  const side = (r: OnlineRowData | undefined): Side => ({ values: r?.values ?? null, self_check_ok: r?.self_check_ok ?? null });
  return keys.flatMap((k) => compareSides('online', k, policy.online_metrics, policy, side(base.get(k)), side(cand.get(k))));
}
