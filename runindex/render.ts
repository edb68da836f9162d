import Table from 'cli-table3';
import { formatNumber, formatP } from '../regression/report.ts';
import type { MetricRow } from '../regression/types.ts';
import type { ConfigDiffRow, MetricDiffRow } from './compare.ts';
import type { RunRecord } from './record.ts';
import type { LeaderboardEntry } from './types.ts';

/** Plain text tables (no colours) so the output reads the same in a terminal, a pipe and a test. */
function table(head: string[]): Table.Table {
  // No rule between body rows: long metric lists stay readable.
  return new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
}

const BEST = '★';

function day(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/** The numbers a list row shows: each benchmark's accuracy and the offline request throughput. */
function headline(run: RunRecord): string {
  const parts: string[] = [];
  for (const [name, v] of Object.entries(run.metrics)) {
    if (name.endsWith('.accuracy_pct') && v !== null) parts.push(`${name.split('.')[0]} ${formatNumber(v, 1)}%`);
  }
  const rps = run.metrics['throughput.request_throughput_rps'];
  if (rps !== undefined && rps !== null) parts.push(`${formatNumber(rps)} req/s`);
  return parts.join(', ');
}

export function renderList(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'no runs indexed (evalflow runs scan --results <dir> indexes existing results)';
  const t = table(['id', 'created (UTC)', 'suite', 'model', 'preset', 'backend', 'status', 'headline']);
  for (const r of runs) t.push([r.id, day(r.created_at), r.suite ?? '', r.model ?? '', r.preset ?? '', r.backend ?? '', r.status, headline(r)]);
  return t.toString();
}

export function renderShow(run: RunRecord): string {
  const info = table(['field', 'value']);
  const fields: [string, string][] = [
    ['id', run.id],
    ['workflow id', run.workflow_id ?? '—'],
    ['run id', run.run_ids.length > 1 ? `${run.run_id ?? '—'} (also ${run.run_ids.filter((r) => r !== run.run_id).join(', ')})` : (run.run_id ?? '—')],
    ['suite', run.suite ?? '—'],
    ['model', run.model ?? '—'],
    ['preset', run.preset ?? '—'],
    ['backend', run.backend ?? '—'],
    ['config hash', run.config_hash ?? '—'],
    ['created', run.created_at],
    ['status', run.status],
    ['steps', run.steps.join(', ')],
    ...(['throughput', 'online', 'quality'] as const).flatMap((k): [string, string][] => (run.folders[k] ? [[`${k} folder`, run.folders[k]]] : [])),
  ];
  for (const f of fields) info.push(f);
  const metrics = table(['metric', 'value']);
  for (const name of Object.keys(run.metrics).sort()) metrics.push([name, formatNumber(run.metrics[name])]);
  return `${info.toString()}\n\nMetrics:\n${metrics.toString()}`;
}

function runHeads(runs: readonly RunRecord[]): string[] {
  return runs.map((r, i) => `[${i + 1}] ${r.id}`);
}

export function renderRunsLegend(runs: readonly RunRecord[]): string {
  return runs.map((r, i) => `  [${i + 1}] ${r.id}  ${r.model ?? ''}  ${r.preset ?? ''}  ${day(r.created_at)}  ${r.workflow_id ?? ''}`).join('\n');
}

export function renderConfigDiff(runs: readonly RunRecord[], rows: readonly ConfigDiffRow[]): string {
  if (rows.length === 0) return 'no configuration differences';
  const t = table(['parameter', ...runHeads(runs)]);
  for (const r of rows) t.push([r.key, ...r.values.map((v) => v ?? '(absent)')]);
  return t.toString();
}

function signed(v: number, digits = 2): string {
  return `${v > 0 ? '+' : ''}${formatNumber(v, digits)}`;
}

export function renderMetricDiff(runs: readonly RunRecord[], rows: readonly MetricDiffRow[]): string {
  if (rows.length === 0) return 'no metrics';
  const pair = runs.length === 2;
  const t = table(['metric', ...runHeads(runs), ...(pair ? ['Δ [2]−[1]', 'Δ rel'] : [])]);
  for (const r of rows) {
    const cells = r.values.map((v, i) => `${formatNumber(v)}${r.best.includes(i) ? ` ${BEST}` : ''}`);
    const delta = pair ? [r.abs_delta === null ? '—' : `${r.marker ?? ''} ${signed(r.abs_delta)}`.trim(), r.rel_delta_pct === null ? '—' : `${signed(r.rel_delta_pct, 1)}%`] : [];
    t.push([r.name, ...cells, ...delta]);
  }
  return t.toString();
}

export function renderSignificance(rows: readonly MetricRow[]): string {
  if (rows.length === 0) return 'no quality benchmarks on both sides';
  const t = table(['benchmark', 'paired n', 'baseline %', 'candidate %', 'Δ pts', 'McNemar p', 'χ² p', 'bootstrap 95% CI', 'p corrected', 'verdict']);
  for (const r of rows) {
    const s = r.stats;
    t.push([
      r.group,
      s ? String(s.paired_items) : '0',
      formatNumber(r.baseline),
      formatNumber(r.candidate),
      r.abs_delta === null ? '—' : `${r.marker} ${formatNumber(r.abs_delta)}`,
      formatP(s?.mcnemar_exact_p),
      formatP(s?.mcnemar_chi2_p),
      s?.bootstrap ? `[${formatNumber(s.bootstrap.ci_low_pts)}, ${formatNumber(s.bootstrap.ci_high_pts)}]` : '—',
      formatP(s?.p_adjusted),
      r.reason ? `${r.verdict}: ${r.reason}` : r.verdict,
    ]);
  }
  return t.toString();
}

export function renderLeaderboard(metric: string, entries: readonly LeaderboardEntry[]): string {
  if (entries.length === 0) return `no run has ${metric}`;
  const t = table(['rank', 'id', metric, 'model', 'preset', 'suite', 'created (UTC)']);
  for (const e of entries) t.push([String(e.rank), e.run.id, formatNumber(e.value), e.run.model ?? '', e.run.preset ?? '', e.run.suite ?? '', day(e.run.created_at)]);
  return t.toString();
}
