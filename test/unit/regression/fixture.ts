import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ItemOutcome } from '../../../stats/pairing.ts';
import type { OnlineRowData, QualityBenchmarkData, RunData } from '../../../regression/types.ts';

/** Items 0..n−1 of one benchmark; `correct(i)` decides each, prompt hashes p<i> unless overridden. */
export function items(benchmark: string, n: number, correct: (i: number) => boolean | null, hash: (i: number) => string = (i) => `p${i}`): ItemOutcome[] {
  return Array.from({ length: n }, (_, i) => ({ benchmark, id: String(i), prompt_hash: hash(i), correct: correct(i) }));
}

export function qualityData(benchmark: string, list: ItemOutcome[]): QualityBenchmarkData {
  const scorable = list.filter((i) => i.correct !== null);
  const correct = scorable.filter((i) => i.correct).length;
  return { benchmark, metrics: { accuracy_pct: scorable.length ? (correct / scorable.length) * 100 : null, scorable_examples: scorable.length }, items: list };
}

export function runData(name: string, parts: Partial<Omit<RunData, 'label'>> = {}): RunData {
  return {
    label: { name, workflow_id: null, run_id: null, model: null, config_hash: null, folders: {} },
    throughput: parts.throughput ?? null,
    online: parts.online ?? null,
    quality: parts.quality ?? null,
    notes: parts.notes ?? [],
  };
}

export function onlineRow(rate: number, values: Record<string, number | null>, selfCheck: boolean | null = true): OnlineRowData {
  return { stage: `rate_${rate}`, target_rate_rps: rate, values, self_check_ok: selfCheck };
}

/** What one synthetic suite run writes: the README's results layout, small. */
export interface SyntheticRun {
  workflowId: string;
  runId: string;
  /** Folder timestamp, e.g. 20260301T020000Z; run_meta's timestamp_utc is derived from it. */
  ts: string;
  model?: string;
  suite?: string;
  preset?: string;
  configHash?: string;
  servingYaml?: string;
  throughput?: Record<string, unknown>;
  online?: Record<string, unknown>[];
  /** Per benchmark: result lines (id, prompt_hash, correct). */
  quality?: Record<string, { id: string; prompt_hash: string; correct: boolean | null }[]>;
  /** Benchmarks whose manifest says running. */
  partial?: string[];
  /** Append a torn (unterminated) line to every results JSONL. */
  tornTail?: boolean;
}

function isoOf(ts: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(ts);
  if (!m) throw new Error(`bad ts ${ts}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}

async function json(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function writeSyntheticRun(root: string, run: SyntheticRun): Promise<{ throughput?: string; online?: string; quality?: string }> {
  const at = isoOf(run.ts);
  const meta = (step: string): Record<string, unknown> => ({
    timestamp_utc: at,
    model: run.model ?? 'Qwen/Qwen2.5-7B-Instruct',
    suite: run.suite ?? 'phase1',
    preset: run.preset ?? 'smoke',
    step,
    backend: 'sim',
    seed: 42,
    temporal: { workflow_id: run.workflowId, run_id: run.runId, namespace: 'default', task_queue: 'evalflow' },
    config_hash: run.configHash ?? 'cfg0000',
  });
  const manifest = (step: string, complete: boolean): Record<string, unknown> => ({
    step,
    key: `k-${step}`,
    status: complete ? 'complete' : 'running',
    workflow_id: run.workflowId,
    run_id: run.runId,
    planned_at: at,
    completed_at: complete ? at : null,
    summary: null,
  });
  const serving = run.servingYaml ?? 'model: Qwen/Qwen2.5-7B-Instruct\nmax_num_seqs: 256\ndtype: bfloat16\n';
  const out: { throughput?: string; online?: string; quality?: string } = {};
  if (run.throughput) {
    const dir = join(root, 'throughput', `throughput-${run.ts}`);
    await mkdir(dir, { recursive: true });
    await json(join(dir, 'throughput_results.json'), run.throughput);
    await json(join(dir, 'run_meta.json'), meta('throughput'));
    await writeFile(join(dir, 'serving.yaml'), serving);
    await writeFile(join(dir, 'benchmark.yaml'), 'throughput:\n  num_prompts: 32\n');
    await json(join(dir, '.evalflow-step.json'), manifest('throughput', true));
    out.throughput = dir;
  }
  if (run.online) {
    const dir = join(root, 'online', `online-${run.ts}`);
    await mkdir(dir, { recursive: true });
    await json(join(dir, 'online_results.json'), run.online);
    await json(join(dir, 'run_meta.json'), meta('online'));
    await writeFile(join(dir, 'serving.yaml'), serving);
    await json(join(dir, '.evalflow-step.json'), manifest('online', true));
    out.online = dir;
  }
  if (run.quality) {
    const dir = join(root, 'quality', `quality-${run.ts}`);
    await mkdir(dir, { recursive: true });
    await json(join(dir, 'run_meta.json'), meta('gsm8k'));
    await writeFile(join(dir, 'serving.yaml'), serving);
    await writeFile(join(dir, 'eval.yaml'), 'defaults:\n  concurrency: 8\n');
    // The quality folder's own manifest stays a claim (running), as the workflow leaves it.
    await json(join(dir, '.evalflow-step.json'), manifest('quality', false));
    for (const [bench, lines] of Object.entries(run.quality)) {
      const bdir = join(dir, bench);
      await mkdir(bdir, { recursive: true });
      const text = lines.map((l) => JSON.stringify({ ...l, response: 'x', extracted: null })).join('\n') + '\n';
      await writeFile(join(bdir, `${bench}_results.jsonl`), run.tornTail ? `${text}{"id":"torn","prompt_ha` : text);
      const scorable = lines.filter((l) => l.correct !== null);
      const correct = scorable.filter((l) => l.correct).length;
      await json(join(bdir, `${bench}_metrics.json`), {
        benchmark: bench,
        accuracy_pct: scorable.length ? Math.round((correct / scorable.length) * 10000) / 100 : null,
        correct,
        scorable_examples: scorable.length,
        unscorable_examples: lines.length - scorable.length,
        total_examples: lines.length,
        note: null,
      });
      await json(join(bdir, '.evalflow-step.json'), manifest(bench, !(run.partial ?? []).includes(bench)));
    }
    out.quality = dir;
  }
  return out;
}

/** Result lines for a synthetic benchmark: n items, correct where `correct(i)`. */
export function lines(n: number, correct: (i: number) => boolean | null, hash: (i: number) => string = (i) => `h${i}`): { id: string; prompt_hash: string; correct: boolean | null }[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(i), prompt_hash: hash(i), correct: correct(i) }));
}

export const THROUGHPUT_BASE = { request_throughput_rps: 30, output_throughput_tps: 3800, mean_ttft_ms: 150, median_ttft_ms: 145, p99_ttft_ms: 185, median_e2el_ms: 1000, p99_e2el_ms: 1050, completed: 32, failed: 0, self_check_ok: true, time_origin_ms: 1.7e12 };

export function onlineRows(scale = 1): Record<string, unknown>[] {
  return [2, 8].map((rate) => ({
    stage: `rate_${rate}`,
    mode: 'rate',
    target_rate_rps: rate,
    achieved_rate_rps: rate,
    effective_throughput_tps: 100 * rate * scale,
    latency_p50_ms: 500 / scale,
    latency_p99_ms: 900 / scale,
    ttft_p99_ms: 200 / scale,
    self_check_ok: true,
  }));
}
