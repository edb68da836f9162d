import { basename } from 'node:path';
import { accuracyChart, latencyVsRate, rateStages, throughputVsRate, ttftHistogram } from './charts.ts';
import { benchmarkLabel, formatCompact, formatGpus, formatMetric, formatNumber } from './format.ts';
import type { Card, Page, Section, Table } from './html.ts';
import type { RunFolder, RunReportData, ThroughputRun } from './model.ts';
import type { OnlineRow, QualitySummaryFile, RunMetaFile } from './schema.ts';

export interface PageContext {
  generatedAt: Date;
  /** evalflow's version, for the footer. */
  version: string;
}

const dash = (v: string | null | undefined): string => (v === null || v === undefined || v === '' ? '—' : v);

function sourceLine(run: RunFolder<unknown>): string {
  const parts = [run.dir];
  if (run.meta?.timestamp_utc) parts.push(`run at ${run.meta.timestamp_utc}`);
  if (run.meta?.temporal?.workflow_id) parts.push(`workflow ${run.meta.temporal.workflow_id}`);
  return parts.join(' · ');
}

function metas(data: RunReportData): RunMetaFile[] {
  return [data.throughput, data.online, data.quality].flatMap((r) => (r?.meta ? [r.meta] : []));
}

/** Header fields from the run folders; a field the folders disagree on lists each value. */
export function headerMeta(data: RunReportData): [string, string][] {
  const all = metas(data);
  const values = (pick: (m: RunMetaFile) => string | null): string => dash([...new Set(all.map(pick).filter((v): v is string => v !== null))].join(' / '));
  const stamps = all.map((m) => m.timestamp_utc).filter((t): t is string => t !== null).sort();
  const timestamp = stamps.length === 0 ? '—' : stamps[0] === stamps.at(-1) ? stamps[0]! : `${stamps[0]} → ${stamps.at(-1)}`;
  return [
    ['Suite', values((m) => m.suite)],
    ['Model', values((m) => m.model)],
    ['Backend', values((m) => m.backend)],
    ['Preset', values((m) => m.preset)],
    ['vLLM version', values((m) => m.vllm_version)],
    ['GPUs', values((m) => formatGpus(m.gpus))],
    ['Config hash', values((m) => m.config_hash)],
    ['Temporal workflow', values((m) => m.temporal?.workflow_id ?? null)],
    ['Timestamp (UTC)', timestamp],
    ['Model load time', values((m) => (m.model_load_time_s === null ? null : `${formatMetric(m.model_load_time_s)} s`))],
  ];
}

/** Folders picked as "latest of each kind" can come from different suites; say so rather than mix silently. */
export function mixedRunWarnings(data: RunReportData): string[] {
  const all = metas(data);
  const warnings: string[] = [];
  const distinct = (pick: (m: RunMetaFile) => string | null): string[] => [...new Set(all.map(pick).filter((v): v is string => v !== null))];
  const models = distinct((m) => m.model);
  if (models.length > 1) warnings.push(`These run folders served different models (${models.join(', ')}); compare their numbers with care.`);
  const workflows = distinct((m) => m.temporal?.workflow_id ?? null);
  if (models.length <= 1 && workflows.length > 1) warnings.push(`These run folders come from ${workflows.length} different workflows: ${workflows.join(', ')}.`);
  return warnings;
}

function selfCheckWarnings(data: RunReportData): string[] {
  const warnings: string[] = [];
  const tp = data.throughput?.data.self_check;
  if (tp && !tp.ok) warnings.push(`Offline throughput: the load generator's self-check failed (${tp.reasons.join('; ')}); timings may be inflated.`);
  const failed = (data.online?.data ?? []).filter((r) => r.self_check && !r.self_check.ok);
  if (failed.length > 0) {
    const reasons = [...new Set(failed.flatMap((r) => r.self_check?.reasons ?? []))];
    warnings.push(`Online: the load generator's self-check failed in ${failed.map((r) => r.stage).join(', ')}, so those stages may not have offered their target rate${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}.`);
  }
  return warnings;
}

export function runCards(data: RunReportData): Card[] {
  const cards: Card[] = [];
  const tp = data.throughput?.data;
  if (tp) {
    cards.push({
      label: 'Output throughput',
      value: formatMetric(tp.output_throughput_tps),
      unit: 'tok/s',
      detail: `${formatMetric(tp.request_throughput_rps)} req/s · ${formatMetric(tp.input_throughput_tps)} input tok/s`,
    });
    cards.push({ label: 'Mean TTFT', value: formatMetric(tp.mean_ttft_ms), unit: 'ms', detail: `p99 ${formatMetric(tp.p99_ttft_ms)} ms · offline run` });
  }
  const stages = rateStages(data.online?.data ?? []).filter((r) => r.effective_throughput_tps !== null && r.effective_throughput_tps > 0);
  const peak = stages.reduce<(typeof stages)[number] | null>((best, r) => (best === null || r.effective_throughput_tps! > best.effective_throughput_tps! ? r : best), null);
  if (peak) {
    cards.push({ label: 'Online peak', value: formatMetric(peak.effective_throughput_tps), unit: 'tok/s', detail: `at ${formatMetric(peak.target_rate_rps)} req/s · p99 latency ${formatMetric(peak.latency_p99_ms)} ms` });
  }
  for (const b of data.quality?.data.benchmarks ?? []) {
    const interval = b.ci95_low_pct !== null && b.ci95_high_pct !== null ? `95% CI ${formatNumber(b.ci95_low_pct, 1)}–${formatNumber(b.ci95_high_pct, 1)}` : b.accuracy_pct_std !== null ? `± ${formatNumber(b.accuracy_pct_std, 1)} s.d.` : null;
    const detail = b.accuracy_pct === null ? dash(b.note) : [interval, `${formatMetric(b.scorable_examples)} scorable`].filter((s) => s !== null).join(' · ');
    cards.push({ label: `${benchmarkLabel(b.benchmark)} accuracy`, value: b.accuracy_pct === null ? '—' : formatNumber(b.accuracy_pct, 1), unit: b.accuracy_pct === null ? '' : '%', detail });
  }
  return cards;
}

function throughputTable(run: ThroughputRun): Table {
  const d = run.data;
  const row = (label: string, value: number | null, unit: string): string[] => [label, formatMetric(value), unit];
  return {
    caption: 'Offline throughput (throughput_results.json)',
    inline: true,
    columns: [{ label: 'Metric' }, { label: 'Value', numeric: true }, { label: 'Unit' }],
    rows: [
      row('Request throughput', d.request_throughput_rps, 'req/s'),
      row('Input throughput', d.input_throughput_tps, 'tok/s'),
      row('Output throughput', d.output_throughput_tps, 'tok/s'),
      row('Total time', d.total_time_s, 's'),
      row('Mean TTFT', d.mean_ttft_ms, 'ms'),
      row('Median TTFT', d.median_ttft_ms, 'ms'),
      row('P99 TTFT', d.p99_ttft_ms, 'ms'),
      row('Mean TPOT', d.mean_tpot_ms, 'ms'),
      row('P99 TPOT', d.p99_tpot_ms, 'ms'),
      row('Mean end-to-end latency', d.mean_e2el_ms, 'ms'),
      row('P99 end-to-end latency', d.p99_e2el_ms, 'ms'),
      row('Prompts', d.num_prompts, ''),
      row('Completed', d.completed, ''),
      row('Failed', d.failed, ''),
    ].filter((r) => r[1] !== '—'),
  };
}

function checkCell(r: OnlineRow): string {
  if (r.self_check === null) return '—';
  // The reasons are in the warning above the cards; a long reason here would stretch every row.
  return r.self_check.ok ? 'ok' : '⚠ failed';
}

function onlineTable(rows: readonly OnlineRow[]): Table {
  const stages = rateStages(rows);
  // Fixed-rate stages in rate order, then the auto-rate probes as written.
  const charted = new Set<OnlineRow>(stages);
  const ordered = [...stages, ...rows.filter((r) => !charted.has(r))];
  const ms = (v: number | null): string => formatNumber(v, 0);
  const rps = (v: number | null): string => formatNumber(v, 2);
  return {
    caption: 'Online rate sweep (online_results.json), one row per stage',
    columns: [
      { label: 'Target req/s' },
      { label: 'Achieved req/s', numeric: true },
      { label: 'Done / failed', numeric: true },
      { label: 'p50 ms', numeric: true },
      { label: 'p95 ms', numeric: true },
      { label: 'p99 ms', numeric: true },
      { label: 'TTFT p50 ms', numeric: true },
      { label: 'TTFT p99 ms', numeric: true },
      { label: 'tok/s', numeric: true },
      { label: 'Goodput req/s', numeric: true },
      { label: 'Check' },
    ],
    rows: ordered.map((r) => [
      // Probe stages of `rates: auto` have no target; their mode says what they measured.
      r.target_rate_rps === null ? `${r.mode ?? r.stage} probe` : formatCompact(r.target_rate_rps, 3),
      rps(r.achieved_rate_rps),
      `${formatNumber(r.completed, 0)} / ${formatNumber(r.failed, 0)}`,
      ms(r.latency_p50_ms),
      ms(r.latency_p95_ms),
      ms(r.latency_p99_ms),
      formatNumber(r.ttft_p50_ms, 1),
      formatNumber(r.ttft_p99_ms, 1),
      formatNumber(r.effective_throughput_tps, 0),
      rps(r.goodput_rps),
      checkCell(r),
    ]),
  };
}

function qualityTable(summary: QualitySummaryFile): Table {
  return {
    caption: 'Quality (quality_summary.json)',
    columns: [
      { label: 'Benchmark' },
      { label: 'Accuracy %', numeric: true },
      { label: '95% CI', numeric: true },
      { label: 'Seeds', numeric: true },
      { label: 'Correct', numeric: true },
      { label: 'Scorable', numeric: true },
      { label: 'Unscorable', numeric: true },
      { label: 'Note' },
    ],
    rows: summary.benchmarks.map((b) => [
      benchmarkLabel(b.benchmark),
      b.accuracy_pct === null ? '—' : `${formatNumber(b.accuracy_pct, 1)}${b.accuracy_pct_std === null ? '' : ` ± ${formatNumber(b.accuracy_pct_std, 1)}`}`,
      b.ci95_low_pct === null || b.ci95_high_pct === null ? '—' : `${formatNumber(b.ci95_low_pct, 1)} – ${formatNumber(b.ci95_high_pct, 1)}`,
      formatNumber(b.n_seeds, 0),
      formatNumber(b.correct, 0),
      formatNumber(b.scorable_examples, 0),
      formatNumber(b.unscorable_examples, 0),
      dash(b.note),
    ]),
  };
}

function missing(kind: string, file: string): string {
  return `No ${kind} run folder with ${file} was found.`;
}

export function runSections(data: RunReportData): Section[] {
  const { throughput, online, quality } = data;
  return [
    throughput
      ? { id: 'throughput', title: 'Offline throughput', source: sourceLine(throughput), empty: null, charts: [ttftHistogram(throughput.records)], tables: [throughputTable(throughput)] }
      : { id: 'throughput', title: 'Offline throughput', source: null, empty: missing('throughput', 'throughput_results.json'), charts: [], tables: [] },
    online
      ? { id: 'online', title: 'Online rate sweep', source: sourceLine(online), empty: null, charts: [latencyVsRate(online.data), throughputVsRate(online.data)], tables: [onlineTable(online.data)] }
      : { id: 'online', title: 'Online rate sweep', source: null, empty: missing('online', 'online_results.json'), charts: [], tables: [] },
    quality
      ? { id: 'quality', title: 'Quality', source: sourceLine(quality), empty: null, charts: [accuracyChart(quality.data)], tables: [qualityTable(quality.data)] }
      : { id: 'quality', title: 'Quality', source: null, empty: missing('quality', 'quality_summary.json'), charts: [], tables: [] },
  ];
}

/** The whole run report as data; html.ts turns it into markup. */
export function runPage(data: RunReportData, ctx: PageContext): Page {
  const header = headerMeta(data);
  const suite = header.find(([k]) => k === 'Suite')?.[1] ?? '—';
  const model = header.find(([k]) => k === 'Model')?.[1] ?? '—';
  const folders = [data.throughput, data.online, data.quality].flatMap((r) => (r ? [basename(r.dir)] : []));
  return {
    title: `evalflow · ${suite} · ${model}`,
    heading: `${suite} · ${model}`,
    meta: header,
    warnings: [...mixedRunWarnings(data), ...selfCheckWarnings(data)],
    cards: runCards(data),
    sections: runSections(data),
    footer: `Generated ${ctx.generatedAt.toISOString()} by evalflow ${ctx.version} from ${folders.join(', ') || 'no run folders'}.`,
  };
}
