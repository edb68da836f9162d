import { join } from 'node:path';
import { writeJsonAtomic, writeTextAtomic } from '../store/files.ts';
import type { MetricRow, RegressionVerdict, RunLabel, Section } from './types.ts';

export const VERDICT_FILES = { json: 'verdict.json', markdown: 'verdict.md' } as const;

const SECTION_TITLES: Record<Section, string> = {
  quality: 'Quality (paired tests per benchmark)',
  throughput: 'Offline throughput',
  online: 'Online sweep (per matching rate)',
};

const VERDICT_BADGE = { regressed: '❌ regressed', improved: '✅ improved', pass: '✔ pass', inconclusive: '❔ inconclusive' } as const;

/** Numbers for people: integers as they are, others with `digits` decimals (none from 1000 up). */
export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(digits);
}

function signed(v: number | null, digits = 2, suffix = ''): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return `${v > 0 ? '+' : ''}${formatNumber(v, digits)}${suffix}`;
}

export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  return p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
}

/** Table cells must not break the Markdown table. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The marker only beside a delta: with a side missing, → would claim "unchanged". */
function deltaCell(r: MetricRow): string {
  return r.abs_delta === null ? '—' : `${r.marker} ${signed(r.abs_delta)}`;
}

function qualityTable(rows: MetricRow[]): string {
  return table(
    ['benchmark', 'baseline %', 'candidate %', 'Δ pts', 'Δ rel', 'paired n', 'McNemar p', 'χ² p', 'bootstrap 95% CI (pts)', 'p (corrected)', 'verdict', 'why'],
    rows.map((r) => [
      r.group,
      formatNumber(r.baseline),
      formatNumber(r.candidate),
      deltaCell(r),
      signed(r.rel_delta_pct, 1, '%'),
      r.stats ? String(r.stats.paired_items) : '—',
      formatP(r.stats?.mcnemar_exact_p),
      formatP(r.stats?.mcnemar_chi2_p),
      r.stats?.bootstrap ? `[${signed(r.stats.bootstrap.ci_low_pts)}, ${signed(r.stats.bootstrap.ci_high_pts)}]` : '—',
      formatP(r.stats?.p_adjusted),
      VERDICT_BADGE[r.verdict],
      r.reason,
    ]),
  );
}

function efficiencyTable(rows: MetricRow[], grouped: boolean): string {
  const header = [...(grouped ? ['rate'] : []), 'metric', 'better', 'baseline', 'candidate', 'Δ', 'Δ rel', 'tolerance', 'verdict', 'why'];
  return table(
    header,
    rows.map((r) => [
      ...(grouped ? [r.group] : []),
      r.metric,
      r.better,
      formatNumber(r.baseline),
      formatNumber(r.candidate),
      deltaCell(r),
      signed(r.rel_delta_pct, 1, '%'),
      r.tolerance_pct === null ? '—' : `${r.better === 'higher' ? '−' : '+'}${r.tolerance_pct}%`,
      VERDICT_BADGE[r.verdict],
      r.reason,
    ]),
  );
}

function labelLine(role: string, l: RunLabel): string {
  const ids = [l.model, l.workflow_id && `workflow ${l.workflow_id}`, l.run_id && `run ${l.run_id}`, l.config_hash && `config ${l.config_hash}`].filter(Boolean).join(', ');
  return `- **${role}**: ${l.name}${ids ? ` (${ids})` : ''}`;
}

/** verdict.md: the overall verdict, both runs, the policy in one line, and a table per section. */
export function renderVerdictMarkdown(v: RegressionVerdict): string {
  const q = v.policy.quality;
  const e = v.policy.efficiency;
  const parts = [
    `# Regression verdict: ${VERDICT_BADGE[v.overall]}`,
    '',
    labelLine('baseline', v.baseline),
    labelLine('candidate', v.candidate),
    '',
    `${v.counts.regressed} regressed · ${v.counts.improved} improved · ${v.counts.pass} pass · ${v.counts.inconclusive} inconclusive`,
    '',
    `Policy: quality flagged when ${q.correction}-corrected ${q.test} p < ${q.alpha} and |Δ| ≥ ${q.min_effect_pts} pts ` +
      `(≥ ${q.min_paired_items} paired items; bootstrap B = ${q.bootstrap_resamples}, seed ${q.bootstrap_seed}); ` +
      `efficiency tolerances −${e.throughput_drop_pct}% throughput, +${e.latency_rise_pct}% latency. Markers: ↗ better, ↘ worse, → unchanged.`,
  ];
  for (const section of ['quality', 'throughput', 'online'] as const) {
    const rows = v.sections[section];
    if (rows.length === 0) continue;
    parts.push('', `## ${SECTION_TITLES[section]}`, '', section === 'quality' ? qualityTable(rows) : efficiencyTable(rows, section === 'online'));
  }
  if (v.notes.length > 0) parts.push('', '## Notes', '', ...v.notes.map((n) => `- ${n}`));
  return `${parts.join('\n')}\n`;
}

/** Write verdict.json and verdict.md into dir; returns their paths. */
export async function writeVerdict(dir: string, verdict: RegressionVerdict, now: Date = new Date()): Promise<{ json: string; markdown: string }> {
  const json = join(dir, VERDICT_FILES.json);
  const markdown = join(dir, VERDICT_FILES.markdown);
  await writeJsonAtomic(json, { ...verdict, generated_at: now.toISOString() });
  await writeTextAtomic(markdown, renderVerdictMarkdown(verdict));
  return { json, markdown };
}
