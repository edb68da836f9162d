import { mcnemarChi2, mcnemarExactP } from '../stats/mcnemar.ts';
import { adjustPValues } from '../stats/multiple.ts';
import { discordantCounts, pairedBootstrap, pairedStandardError } from '../stats/paired.ts';
import type { PairedSample } from '../stats/pairing.ts';
import { pairItems } from '../stats/pairing.ts';
import { absDelta, markerOf, relDeltaPct } from './delta.ts';
import type { QualityPolicy } from './policy.ts';
import type { MetricRow, QualityBenchmarkData, QualityStats, RunData, Verdict } from './types.ts';

const METRIC = 'accuracy_pct';

/** Every paired statistic of one benchmark; a = candidate, b = baseline, so Δ = candidate − baseline. */
export function qualityStats(sample: PairedSample, policy: QualityPolicy): QualityStats {
  const counts = discordantCounts(sample.a, sample.b);
  const chi2 = mcnemarChi2(counts.onlyB, counts.onlyA);
  const boot = pairedBootstrap(sample.a, sample.b, { resamples: policy.bootstrap_resamples, seed: policy.bootstrap_seed });
  const se = pairedStandardError(sample.a, sample.b);
  return {
    paired_items: sample.counts.paired,
    unscorable_dropped: sample.counts.unscorable_dropped,
    prompt_mismatch: sample.counts.prompt_mismatch,
    only_baseline: sample.counts.only_b,
    only_candidate: sample.counts.only_a,
    duplicates: sample.counts.duplicates,
    baseline_only_correct: counts.onlyB,
    candidate_only_correct: counts.onlyA,
    mcnemar_exact_p: mcnemarExactP(counts.onlyB, counts.onlyA),
    mcnemar_chi2: chi2.statistic,
    mcnemar_chi2_p: chi2.p,
    bootstrap: boot && {
      delta_pts: boot.delta * 100,
      ci_low_pts: boot.ciLow * 100,
      ci_high_pts: boot.ciHigh * 100,
      p: boot.p,
      resamples: boot.resamples,
      seed: boot.seed,
    },
    paired_se_pts: se === null ? null : se * 100,
    p: null,
    p_adjusted: null,
  };
}

function chosenP(stats: QualityStats, policy: QualityPolicy): number {
  switch (policy.test) {
    case 'mcnemar_exact':
      return stats.mcnemar_exact_p;
    case 'mcnemar_chi2':
      return stats.mcnemar_chi2_p;
    case 'bootstrap':
      // pairedBootstrap is null only without items, and untestable benchmarks never get here.
      return stats.bootstrap?.p ?? 1;
  }
}

function mean01(v: Uint8Array): number {
  let s = 0;
  for (const x of v) s += x;
  return (s / v.length) * 100;
}

interface Pending {
  row: MetricRow;
  testable: boolean;
}

function accuracyRow(benchmark: string, base: QualityBenchmarkData | undefined, cand: QualityBenchmarkData | undefined, sample: PairedSample | undefined, policy: QualityPolicy): Pending {
  const paired = sample && sample.counts.paired > 0 ? sample : null;
  // Paired accuracies when items pair (the test's own numbers); the metrics files' otherwise.
  const baseline = paired ? mean01(paired.b) : (base?.metrics?.[METRIC] ?? null);
  const candidate = paired ? mean01(paired.a) : (cand?.metrics?.[METRIC] ?? null);
  const stats = paired ? qualityStats(paired, policy) : null;
  let verdict: Verdict = 'inconclusive';
  let reason: string;
  if (!base || !cand) reason = `missing in ${base ? 'candidate' : 'baseline'}`;
  else if (!paired) reason = sample ? `no paired items (${describeDrops(sample)})` : 'no items';
  else if (paired.counts.paired < policy.min_paired_items) reason = `${paired.counts.paired} paired items < ${policy.min_paired_items}`;
  else {
    verdict = 'pass';
    reason = '';
  }
  const row: MetricRow = {
    section: 'quality',
    group: benchmark,
    metric: METRIC,
    better: 'higher',
    baseline,
    candidate,
    abs_delta: absDelta(baseline, candidate),
    rel_delta_pct: relDeltaPct(baseline, candidate),
    marker: markerOf('higher', baseline, candidate),
    verdict,
    reason,
    tolerance_pct: null,
    stats,
  };
  return { row, testable: verdict === 'pass' };
}

function describeDrops(sample: PairedSample): string {
  const c = sample.counts;
  return `${c.unscorable_dropped} unscorable, ${c.prompt_mismatch} prompt mismatches, ${c.only_b} baseline-only, ${c.only_a} candidate-only`;
}

/**
 * Quality rows: per benchmark, McNemar and the paired bootstrap on items paired by (benchmark, id)
 * with matching prompt hashes. The policy's p is corrected across the benchmarks with enough
 * pairs; a row is flagged only if that corrected p < α and |Δ| ≥ the minimum effect, because
 * greedy vLLM output is not bit-stable under batching and tiny significant shifts are noise.
 */
export function qualityRows(baseline: RunData, candidate: RunData, policy: QualityPolicy): MetricRow[] {
  if (!baseline.quality && !candidate.quality) return [];
  const base = new Map((baseline.quality ?? []).map((q) => [q.benchmark, q]));
  const cand = new Map((candidate.quality ?? []).map((q) => [q.benchmark, q]));
  const samples = pairItems(
    [...cand.values()].flatMap((q) => q.items),
    [...base.values()].flatMap((q) => q.items),
  );
  const names = [...new Set([...base.keys(), ...cand.keys()])].sort();
  const pending = names.map((name) => accuracyRow(name, base.get(name), cand.get(name), samples.get(name), policy));

  const tested = pending.filter((p) => p.testable);
  const adjusted = adjustPValues(
    tested.map((p) => chosenP(p.row.stats!, policy)),
    policy.correction,
  );
  tested.forEach(({ row }, i) => {
    const stats = row.stats!;
    stats.p = chosenP(stats, policy);
    stats.p_adjusted = adjusted[i]!;
    const delta = row.abs_delta ?? 0;
    const significant = stats.p_adjusted < policy.alpha;
    const large = Math.abs(delta) >= policy.min_effect_pts;
    const pText = `${policy.correction === 'none' ? 'p' : `${policy.correction}-corrected p`} ${stats.p_adjusted.toPrecision(3)}`;
    if (significant && large) {
      row.verdict = delta < 0 ? 'regressed' : 'improved';
      row.reason = `${pText} < ${policy.alpha} and |Δ| ${Math.abs(delta).toFixed(2)} ≥ ${policy.min_effect_pts} pts`;
    } else {
      row.verdict = 'pass';
      row.reason = !significant ? `${pText} ≥ ${policy.alpha}` : `|Δ| ${Math.abs(delta).toFixed(2)} < ${policy.min_effect_pts} pts minimum effect`;
    }
  });
  return pending.map((p) => p.row);
}
