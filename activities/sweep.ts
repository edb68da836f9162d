import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { StepName } from '../configs/schema/suite.ts';
import type { BenchmarkMetrics } from '../benchmarks/metrics.ts';
import { THROUGHPUT_FILES } from '../loadgen/steps/throughput.ts';
import type { ThroughputSummary } from '../loadgen/steps/throughput.ts';
import { ONLINE_FILES } from '../loadgen/steps/online.ts';
import type { StageSummary } from '../loadgen/steps/online.ts';
import { isQualityStep, kindRoot, qualityFiles, runKindOf } from '../store/layout.ts';
import { readManifest } from '../store/steps.ts';
import type { RunMeta } from '../store/run-meta.ts';
import { writeCsvAtomic, writeJsonAtomic, writeTextAtomic } from '../store/files.ts';
import { SCALING_COMPARISON_CSV, SCALING_COMPARISON_JSON } from '../common/constants.ts';
import { COMPARISON_COLUMNS, emptyRow, orderedRows } from '../sweep/comparison.ts';
import type { ComparisonInput, ComparisonRow } from '../sweep/comparison.ts';
import type { SweepPlan } from '../sweep/plan.ts';
import { failureReason } from '../sweep/failure.ts';
import type { Phase1Result } from '../workflows/phase1-suite.ts';
import { classified } from './context.ts';

/** What became of a sweep child that already existed when the sweep tried to start it. */
export type AdoptedChild = { status: 'completed'; result: Phase1Result } | { status: 'failed'; message: string };

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function subdirs(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => join(root, e.name))
      .sort();
  } catch {
    return [];
  }
}

/** The folder where a step with this key finished (the first, as planSteps picks it), or null. Read-only: claims nothing. */
export async function finishedStepDir(resultsRoot: string, step: StepName, key: string): Promise<string | null> {
  for (const runDir of await subdirs(kindRoot(resultsRoot, runKindOf(step)))) {
    const dir = isQualityStep(step) ? join(runDir, step) : runDir;
    const manifest = await readManifest(dir).catch(() => null);
    if (manifest?.key === key && manifest.status === 'complete') return dir;
  }
  return null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The online row at the highest target rate (the fixed-rate stages; the last stage when there are none). */
function highestRate(rows: readonly StageSummary[]): StageSummary | null {
  const rated = rows.filter((r) => r.mode === 'rate' && r.target_rate_rps !== null);
  if (rated.length === 0) return rows.at(-1) ?? null;
  return rated.reduce((best, r) => (r.target_rate_rps! > best.target_rate_rps! ? r : best));
}

/** One comparison row from a model's results on disk: whatever finished steps it has (a failed model keeps its partial numbers). */
export async function comparisonRow(input: ComparisonInput): Promise<ComparisonRow> {
  const row = emptyRow(input);
  if (input.resultsRoot === null) return row;
  const metaDirs: string[] = [];
  for (const { step, key } of input.stepKeys) {
    const dir = await finishedStepDir(input.resultsRoot, step, key);
    if (!dir) continue;
    metaDirs.push(isQualityStep(step) ? dirname(dir) : dir);
    if (step === 'throughput') {
      const t = await readJson<Partial<ThroughputSummary>>(join(dir, THROUGHPUT_FILES.results));
      row.request_throughput_rps = num(t?.request_throughput_rps);
      row.output_throughput_tps = num(t?.output_throughput_tps);
      row.mean_ttft_ms = num(t?.mean_ttft_ms);
      row.p99_ttft_ms = num(t?.p99_ttft_ms);
    } else if (step === 'online') {
      const top = highestRate((await readJson<StageSummary[]>(join(dir, ONLINE_FILES.results))) ?? []);
      row.latency_p50_ms = num(top?.latency_p50_ms);
      row.latency_p99_ms = num(top?.latency_p99_ms);
    } else {
      const metrics = await readJson<Partial<BenchmarkMetrics>>(join(dir, qualityFiles(step).metricsJson));
      row[`${step}_accuracy_pct`] = num(metrics?.accuracy_pct);
    }
  }
  let reservedGb: number | null = null;
  for (const dir of metaDirs) {
    const meta = await readJson<Partial<RunMeta>>(join(dir, 'run_meta.json'));
    if (!meta) continue;
    row.model_load_time_s ??= num(meta.model_load_time_s);
    const measured = meta.hardware ?? null;
    const peak = num(measured?.gpu_vram_peak_used_gb);
    if (peak !== null) row.gpu_memory_gb = Math.max(row.gpu_memory_gb ?? 0, peak);
    const energy = num(measured?.gpu_energy_wh);
    if (energy !== null) row.energy_wh = Math.round(((row.energy_wh ?? 0) + energy) * 1e4) / 1e4;
    const gpus = meta.gpus ?? [];
    if (reservedGb === null && gpus.length > 0 && gpus.every((g) => g.memory_mb !== null) && input.gpuMemoryUtilization !== null) {
      const totalGb = gpus.reduce((sum, g) => sum + g.memory_mb!, 0) / 1024;
      reservedGb = Math.round(totalGb * input.gpuMemoryUtilization * 10) / 10;
    }
  }
  // Without sampled memory, what vLLM reserves (GPU memory × gpu_memory_utilization) is the best estimate.
  row.gpu_memory_gb ??= reservedGb;
  return row;
}

export interface RecordArgs {
  sweepRoot: string;
  /** Rows already recorded (kept by the workflow); a settled model's new row replaces its old one. */
  known: ComparisonRow[];
  settled: ComparisonInput[];
}

/** Written again as each model settles, atomically, so a partial sweep is always readable. */
async function writeComparison(sweepRoot: string, rows: readonly ComparisonRow[]): Promise<void> {
  const ordered = orderedRows(rows);
  await writeJsonAtomic(join(sweepRoot, SCALING_COMPARISON_JSON), ordered);
  // With no row yet (nothing skipped, nothing finished) the CSV still has its header.
  if (ordered.length > 0) await writeCsvAtomic(join(sweepRoot, SCALING_COMPARISON_CSV), ordered);
  else await writeTextAtomic(join(sweepRoot, SCALING_COMPARISON_CSV), `${COMPARISON_COLUMNS.join(',')}\n`);
}

const TERMINAL: readonly WorkflowExecutionStatusName[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW'];

export function createSweepActivities() {
  return {
    /** Rows for the models that just settled (read from their results on disk), merged and written to scaling_comparison.csv/json. */
    async recordSweepModels(args: RecordArgs): Promise<ComparisonRow[]> {
      return classified(async () => {
        const fresh = await Promise.all(args.settled.map(comparisonRow));
        const names = new Set(fresh.map((r) => r.model));
        await writeComparison(args.sweepRoot, [...args.known.filter((r) => !names.has(r.model)), ...fresh]);
        return fresh;
      });
    },

    /** The plan and the sweep YAML next to the comparison, before any model runs. */
    async writeSweepPlan(args: { sweepRoot: string; plan: SweepPlan; configFile: { fileName: string; text: string } }): Promise<void> {
      return classified(async () => {
        await writeJsonAtomic(join(args.sweepRoot, 'sweep_plan.json'), args.plan);
        await writeTextAtomic(join(args.sweepRoot, 'sweep.yaml'), args.configFile.text);
      });
    },

    /**
     * A child the sweep could not start because its id exists (an earlier sweep run finished it, or left it running:
     * children are abandoned, not killed, when a sweep run closes). Waits for it through the worker's client and
     * returns its result, or why it did not succeed.
     */
    async adoptSweepChild(args: { workflowId: string; pollIntervalMs?: number }): Promise<AdoptedChild> {
      const ctx = Context.current();
      const handle = ctx.client.workflow.getHandle(args.workflowId);
      for (;;) {
        const description = await handle.describe();
        const status = description.status.name;
        if (status === 'COMPLETED') return { status: 'completed', result: (await handle.result()) as Phase1Result };
        if (TERMINAL.includes(status)) {
          const message = await handle.result().then(
            () => status,
            (err: unknown) => failureReason(err),
          );
          return { status: 'failed', message: `${status.toLowerCase()}: ${message}` };
        }
        ctx.heartbeat({ workflow_id: args.workflowId, status });
        await ctx.sleep(args.pollIntervalMs ?? 5000);
      }
    },
  };
}
