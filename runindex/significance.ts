import { loadRunData } from '../regression/load.ts';
import type { QualityPolicy } from '../regression/policy.ts';
import { qualityRows } from '../regression/quality.ts';
import type { MetricRow } from '../regression/types.ts';
import type { RunRecord } from './record.ts';

/**
 * The paired test per benchmark between two indexed runs (McNemar, bootstrap CI, corrected p and
 * the verdict), read from their quality folders. Empty when either run has no quality folder.
 */
export async function pairedSignificance(baseline: RunRecord, candidate: RunRecord, policy: QualityPolicy): Promise<MetricRow[]> {
  if (!baseline.folders.quality || !candidate.folders.quality) return [];
  const [base, cand] = await Promise.all([loadRunData({ quality: baseline.folders.quality }), loadRunData({ quality: candidate.folders.quality })]);
  return qualityRows(base, cand, policy);
}
