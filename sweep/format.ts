// Text tables for the CLI: the plan (--dry-run and before a run) and the per-model results after it.
import { relative } from 'node:path';
import Table from 'cli-table3';
import type { ResolvedSweep } from './load.ts';
import type { ComparisonRow } from './comparison.ts';

const fmt = (v: number | null, digits = 1): string => (v === null ? '' : String(Number(v.toFixed(digits))));

/** The sweep plan: what runs (GPUs, tensor parallelism, pool, whether it starts at once), what is skipped and why. */
export function formatPlan(sweep: ResolvedSweep): string {
  const { plan } = sweep;
  const runs = plan.models.filter((m) => m.action === 'run');
  const pools = plan.pools.map((p) => `${p.name}: ${p.nodes} node${p.nodes === 1 ? '' : 's'} × ${p.gpus_per_node} × ${p.gpu_memory_gb} GB ${p.gpu_name}`).join('; ');
  const header = [
    `Sweep ${sweep.name}: ${runs.length} to run, ${plan.models.length - runs.length} skipped, at most ${plan.maxGpus} GPU${plan.maxGpus === 1 ? '' : 's'} at once (${plan.order.replace('_', ' ')})`,
    `Pools: ${pools}`,
    `Fit: params × bytes/param × (1 + ${plan.fit.kvHeadroomFraction} KV headroom) + ${plan.fit.overheadGb} GB, on GPUs used to ${plan.fit.gpuMemoryUtilization} (gpu_memory_utilization)`,
    `Results: ${relative(process.cwd(), sweep.resultsRoot) || '.'}/<model>/${sweep.skipExisting ? ' (finished models are adopted, not run again)' : ` (re-run: ${sweep.runTag ?? ''}, new folders)`}`,
  ];
  const table = new Table({ head: ['#', 'model', 'params (B)', 'dtype', 'needs (GB)', 'action', 'pool', 'GPUs = TP', 'start', 'note'], wordWrap: true, colWidths: [null, null, null, null, null, null, null, null, null, 48], style: { compact: true } });
  for (const m of plan.models) {
    const note = m.action === 'skip' ? (m.skipReason ?? '') : m.registryGpus !== m.gpus ? `models.yaml says ${m.registryGpus} GPU${m.registryGpus === 1 ? '' : 's'}` : '';
    table.push([m.order, m.model, m.params_b, m.dtype, m.needGb, m.action, m.pool ?? '', m.action === 'run' ? m.gpus : '', m.action === 'run' ? (m.startsAtOnce ? 'at once' : 'when GPUs free') : '', note]);
  }
  return `${header.join('\n')}\n${table.toString()}`;
}

/** One line per model after the run: status and headline numbers (the full set is in scaling_comparison.csv). */
export function formatComparison(rows: readonly ComparisonRow[]): string {
  const table = new Table({
    head: ['model', 'status', 'GPUs', 'gsm8k %', 'math %', 'routerbench %', 'req/s', 'out tok/s', 'p99 TTFT ms', 'p99 latency ms', 'load s', 'note'],
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, null, null, null, null, null, 40],
    style: { compact: true },
  });
  for (const r of [...rows].sort((a, b) => a.params_b - b.params_b)) {
    table.push([
      r.model,
      r.status,
      r.gpus ?? '',
      fmt(r.gsm8k_accuracy_pct),
      fmt(r.math_accuracy_pct),
      fmt(r.routerbench_accuracy_pct),
      fmt(r.request_throughput_rps, 2),
      fmt(r.output_throughput_tps),
      fmt(r.p99_ttft_ms),
      fmt(r.latency_p99_ms),
      fmt(r.model_load_time_s),
      r.skip_reason ?? '',
    ]);
  }
  return table.toString();
}
