import type { WorkflowExecutionStatusName } from '@temporalio/client';

/**
 * The chaos suite's verdicts: pure functions over what the runner observed (simulator request records,
 * results-tree snapshots, workflow outcomes, pods left), so each rule is unit-tested without a cluster.
 */

/** One request a pod's simulator received (server side), tagged with the model the pod served. */
export interface ChaosRequest {
  /** The served model name (vLLM --served-model-name). */
  model: string;
  /** Which simulator process (pod incarnation) received it. */
  instance: number;
  /** x-request-id: `<benchmark>/<example id>/a<attempt>` for quality, `<stage>-<index>` for throughput and online. */
  id: string;
  /** Epoch ms, the same clock as the runner's (the simulators run in its process). */
  arrivalMs: number;
  status: number | null;
}

export type FileKind = 'json' | 'jsonl' | 'csv' | 'tmp' | 'other';

export interface FileState {
  /** Relative to the sweep's results root. */
  path: string;
  kind: FileKind;
  /** Why it does not parse, or null. JSONL read mid-append may end in a partial line; see `tornTail`. */
  problem: string | null;
  /** JSONL only: the last line has no newline yet (an append in progress, or one a crash cut). */
  tornTail: boolean;
}

/** One model's results at one moment. */
export interface ModelResults {
  /** Short name (models.yaml). */
  model: string;
  servedModel: string;
  /** Benchmark → ids of examples answered: a whole line in `<benchmark>_results.jsonl` without a request error. */
  examples: Record<string, string[]>;
  /** Benchmark → examples that have lines, all of them recording a failed request (the server was gone). */
  failedExamples: Record<string, string[]>;
  /** Steps whose `.evalflow-step.json` says complete. */
  completeSteps: string[];
  /** Online stages (e.g. rate_8) whose summary.json exists with no failed request: finished, never to be re-run. */
  finishedStages: string[];
  /** Requests that failed inside finished throughput and online stages. */
  failedRequests: number;
  /** Files a complete step must have and does not. */
  missing: string[];
}

/** The results tree of one sweep at one moment. */
export interface ResultsSnapshot {
  takenAtMs: number;
  files: FileState[];
  models: ModelResults[];
}

/** What a request id says it was for. */
export type RequestTarget = { kind: 'example'; benchmark: string; example: string } | { kind: 'throughput' } | { kind: 'online'; stage: string } | { kind: 'unknown' };

/** Parses `<benchmark>[@seed_<n>]/<example id>/a<n>` (example ids may hold slashes; a seed counts as its own benchmark) and `<stage>-<index>`. */
export function requestTarget(id: string): RequestTarget {
  const first = id.indexOf('/');
  const last = id.lastIndexOf('/');
  if (first > 0 && last > first && /^a\d+$/.test(id.slice(last + 1))) return { kind: 'example', benchmark: id.slice(0, first), example: id.slice(first + 1, last) };
  const dash = id.lastIndexOf('-');
  // Stage names (throughput, rate_<N>, synchronous, saturation) never hold a slash.
  if (first < 0 && dash > 0 && /^\d+$/.test(id.slice(dash + 1))) {
    const stage = id.slice(0, dash);
    return stage === 'throughput' ? { kind: 'throughput' } : { kind: 'online', stage };
  }
  return { kind: 'unknown' };
}

export interface RepeatReport {
  /** Requests sent after the fault for work that was finished before it. */
  repeatedRequests: number;
  /** Distinct finished examples and stages among them, e.g. `qwen2.5-3b-instruct gsm8k/17`. */
  repeated: string[];
}

/**
 * Finished work that was sent again: every request that reached a simulator after `faultAtMs` whose example
 * (a whole line in the results JSONL), online stage (summary.json) or step (complete manifest) was already
 * finished in the snapshot taken just before the fault.
 */
export function repeatedWork(before: ResultsSnapshot, requests: readonly ChaosRequest[], faultAtMs: number): RepeatReport {
  const byServed = new Map(before.models.map((m) => [m.servedModel, m]));
  const finished = new Map(before.models.map((m) => [m.servedModel, new Map(Object.entries(m.examples).map(([b, ids]) => [b, new Set(ids)]))]));
  let repeatedRequests = 0;
  const repeated = new Set<string>();
  for (const r of requests) {
    if (r.arrivalMs <= faultAtMs) continue;
    const model = byServed.get(r.model);
    if (model === undefined) continue;
    const target = requestTarget(r.id);
    let what: string | null = null;
    if (target.kind === 'example' && (finished.get(r.model)?.get(target.benchmark)?.has(target.example) || model.completeSteps.includes(target.benchmark))) {
      what = `${target.benchmark}/${target.example}`;
    } else if (target.kind === 'throughput' && model.completeSteps.includes('throughput')) {
      what = 'throughput';
    } else if (target.kind === 'online' && (model.finishedStages.includes(target.stage) || model.completeSteps.includes('online'))) {
      what = `online ${target.stage}`;
    }
    if (what === null) continue;
    repeatedRequests += 1;
    repeated.add(`${model.model} ${what}`);
  }
  return { repeatedRequests, repeated: [...repeated].sort() };
}

/** Why a result file's text does not parse as its kind, or null. A JSONL's partial last line is reported by `tornTail`, not here. */
export function fileProblem(kind: FileKind, text: string): { problem: string | null; tornTail: boolean } {
  switch (kind) {
    case 'json':
      try {
        JSON.parse(text);
        return { problem: null, tornTail: false };
      } catch (err) {
        return { problem: `not JSON: ${(err as Error).message}`, tornTail: false };
      }
    case 'jsonl': {
      const lines = text.split('\n');
      const tail = lines.pop() ?? '';
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (line.trim() === '') continue;
        try {
          JSON.parse(line);
        } catch {
          return { problem: `line ${i + 1} is not JSON`, tornTail: tail !== '' };
        }
      }
      return { problem: null, tornTail: tail !== '' };
    }
    case 'csv':
      return { problem: csvProblem(text), tornTail: false };
    case 'tmp':
    case 'other':
      return { problem: null, tornTail: false };
    default:
      return kind satisfies never;
  }
}

/** RFC 4180: quotes balanced, every record as wide as the header, text ends with a newline. */
export function csvProblem(text: string): string | null {
  if (text === '') return 'empty';
  if (!text.endsWith('\n')) return 'no newline at the end (cut short?)';
  const widths: number[] = [];
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      fields++;
    } else if (c === '\n') {
      widths.push(fields);
      fields = 1;
    }
  }
  if (quoted) return 'unbalanced quotes';
  const header = widths[0] ?? 0;
  const bad = widths.findIndex((w) => w !== header);
  return bad < 0 ? null : `record ${bad + 1} has ${widths[bad]} fields, the header ${header}`;
}

/** The kind of check a results file gets, from its name. Atomic writes leave `.<name>.<random>.tmp` files only when killed mid-write. */
export function fileKind(name: string): FileKind {
  if (name.endsWith('.tmp')) return 'tmp';
  if (name.endsWith('.jsonl')) return 'jsonl';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv')) return 'csv';
  return 'other';
}

/**
 * Lost or half-written results: a file that existed before the fault is gone; a file does not parse at the end
 * (JSON, every JSONL line and a whole last line, CSV); a finished example's line is gone; a complete step lacks
 * a file it must have. `.tmp` files are not results and are not counted. `writersMayRun`: activities of a
 * terminated workflow may still be appending, so a partial last line is not yet a verdict (the resume trims it).
 */
export function fileProblems(before: ResultsSnapshot, after: ResultsSnapshot, opts: { writersMayRun?: boolean } = {}): string[] {
  const problems: string[] = [];
  const now = new Map(after.files.map((f) => [f.path, f]));
  for (const f of before.files) {
    if (f.kind === 'tmp') continue;
    if (!now.has(f.path)) problems.push(`${f.path}: existed before the fault, gone after`);
    if (f.problem !== null) problems.push(`${f.path}: did not parse before the fault (${f.problem})`);
  }
  for (const f of after.files) {
    if (f.kind === 'tmp') continue;
    if (f.problem !== null) problems.push(`${f.path}: ${f.problem}`);
    if (f.tornTail && opts.writersMayRun !== true) problems.push(`${f.path}: ends in a partial line`);
  }
  const afterModels = new Map(after.models.map((m) => [m.model, m]));
  for (const m of before.models) {
    const later = afterModels.get(m.model);
    for (const [benchmark, ids] of Object.entries(m.examples)) {
      const kept = new Set(later?.examples[benchmark] ?? []);
      const lost = ids.filter((id) => !kept.has(id));
      if (lost.length > 0) problems.push(`${m.model} ${benchmark}: ${lost.length} finished example(s) lost (${lost.slice(0, 3).join(', ')})`);
    }
  }
  for (const m of after.models) for (const missing of m.missing) problems.push(`${m.model}: ${missing}`);
  return problems;
}

/** Requests recorded as failed in the results: a model "completed" on a server that was gone is not complete. */
export function failedResults(after: ResultsSnapshot): { count: number; where: string[] } {
  let count = 0;
  const where: string[] = [];
  for (const m of after.models) {
    for (const [benchmark, ids] of Object.entries(m.failedExamples)) {
      if (ids.length === 0) continue;
      count += ids.length;
      where.push(`${m.model} ${benchmark}: ${ids.length} example(s) recorded with a failed request`);
    }
    if (m.failedRequests > 0) {
      count += m.failedRequests;
      where.push(`${m.model}: ${m.failedRequests} failed request(s) in throughput/online results`);
    }
  }
  return { count, where };
}

/** A workflow run's status as Temporal names it; UNKNOWN also while Temporal does not answer; NOT_FOUND: no such id. */
export type WorkflowStatus = WorkflowExecutionStatusName | 'NOT_FOUND';

/** What the sweep ended as, and each model's row in scaling_comparison.json. */
export interface ObservedOutcome {
  phase: string;
  sweep: WorkflowStatus;
  /** The failure's type (e.g. sweep_incomplete) when it failed. */
  failureType: string | null;
  models: { model: string; status: string; reason: string | null }[];
  /** Child workflows still running once the sweep closed. */
  openChildren: string[];
}

export interface ExpectedOutcome {
  sweep: WorkflowStatus;
  failureType?: string;
  /** Models that must be recorded as failed, with a word their reason must contain; every other model must be done. Ignored for stops. */
  failedModels?: readonly { model: string; reasonIncludes: string }[];
}

/** Differences between what a scenario phase expected and what happened. */
export function outcomeProblems(expected: ExpectedOutcome, observed: ObservedOutcome): string[] {
  const problems: string[] = [];
  const at = observed.phase;
  if (observed.sweep !== expected.sweep) problems.push(`${at}: sweep ${observed.sweep}, expected ${expected.sweep}`);
  if (expected.failureType !== undefined && observed.failureType !== expected.failureType) problems.push(`${at}: failure type ${observed.failureType ?? 'none'}, expected ${expected.failureType}`);
  if (observed.openChildren.length > 0) problems.push(`${at}: child workflow(s) still running: ${observed.openChildren.join(', ')}`);
  const stopped = expected.sweep === 'CANCELLED' || expected.sweep === 'TERMINATED';
  if (stopped) return problems;
  const failed = new Map((expected.failedModels ?? []).map((f) => [f.model, f.reasonIncludes]));
  for (const row of observed.models) {
    const reason = failed.get(row.model);
    if (reason === undefined && row.status !== 'done') problems.push(`${at}: ${row.model} is ${row.status}${row.reason ? ` (${row.reason})` : ''}, expected done`);
    if (reason !== undefined && (row.status !== 'failed' || !(row.reason ?? '').includes(reason))) problems.push(`${at}: ${row.model} is ${row.status} (${row.reason ?? 'no reason'}), expected failed with "${reason}"`);
  }
  for (const model of failed.keys()) if (!observed.models.some((r) => r.model === model)) problems.push(`${at}: ${model} has no row in scaling_comparison.json`);
  return problems;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  seconds: number;
  repeatedRequests: number;
  lostFiles: number;
  leakedPods: number;
  failedRequests: number;
  /** What was injected and when, in one line. */
  fault: string;
  problems: string[];
}

/** `PASS worker-sigkill  12.3s  repeated=0 lost=0 leaked=0 failed_requests=0  (fault)` */
export function formatScenarioLine(r: ScenarioResult): string {
  return `${r.passed ? 'PASS' : 'FAIL'} ${r.name.padEnd(18)} ${`${r.seconds.toFixed(1)}s`.padStart(7)}  repeated=${r.repeatedRequests} lost=${r.lostFiles} leaked=${r.leakedPods} failed_requests=${r.failedRequests}  ${r.fault}`;
}

export interface FinalLine {
  scenarios: number;
  passed: number;
  failed: string[];
  repeated_requests: number;
  lost_files: number;
  leaked_pods: number;
  failed_requests: number;
  seed: number;
  total_s: number;
  durations_s: Record<string, number>;
}

export function finalLine(results: readonly ScenarioResult[], seed: number, totalS: number): FinalLine {
  const sum = (f: (r: ScenarioResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return {
    scenarios: results.length,
    passed: results.filter((r) => r.passed).length,
    failed: results.filter((r) => !r.passed).map((r) => r.name),
    repeated_requests: sum((r) => r.repeatedRequests),
    lost_files: sum((r) => r.lostFiles),
    leaked_pods: sum((r) => r.leakedPods),
    failed_requests: sum((r) => r.failedRequests),
    seed,
    total_s: Math.round(totalS * 10) / 10,
    durations_s: Object.fromEntries(results.map((r) => [r.name, Math.round(r.seconds * 10) / 10])),
  };
}
