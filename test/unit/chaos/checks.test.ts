import { describe, expect, it } from 'vitest';
import { csvProblem, failedResults, fileKind, fileProblem, fileProblems, finalLine, formatScenarioLine, outcomeProblems, repeatedWork, requestTarget } from '../../../chaos/checks.ts';
import type { ChaosRequest, FileState, ModelResults, ObservedOutcome, ResultsSnapshot, ScenarioResult } from '../../../chaos/checks.ts';

const SERVED = 'Qwen/Qwen2.5-3B-Instruct';

function model(over: Partial<ModelResults> = {}): ModelResults {
  return { model: 'qwen2.5-3b-instruct', servedModel: SERVED, examples: {}, failedExamples: {}, completeSteps: [], finishedStages: [], failedRequests: 0, missing: [], ...over };
}

function snapshot(models: ModelResults[], files: FileState[] = []): ResultsSnapshot {
  return { takenAtMs: 1000, files, models };
}

function file(path: string, over: Partial<FileState> = {}): FileState {
  return { path, kind: fileKind(path), problem: null, tornTail: false, ...over };
}

function req(id: string, arrivalMs: number, servedModel = SERVED): ChaosRequest {
  return { model: servedModel, instance: 0, id, arrivalMs, status: 200 };
}

describe('requestTarget', () => {
  it.each([
    ['gsm8k/test-3/a1', { kind: 'example', benchmark: 'gsm8k', example: 'test-3' }],
    ['math/algebra/12.json/a2', { kind: 'example', benchmark: 'math', example: 'algebra/12.json' }],
    ['throughput-15', { kind: 'throughput' }],
    ['rate_8-0', { kind: 'online', stage: 'rate_8' }],
    ['rate_0.5-12', { kind: 'online', stage: 'rate_0.5' }],
    ['saturation-3', { kind: 'online', stage: 'saturation' }],
    ['cmpl-abc', { kind: 'unknown' }],
    ['gsm8k/test-3', { kind: 'unknown' }],
  ])('%s', (id, target) => {
    expect(requestTarget(id)).toEqual(target);
  });
});

describe('repeatedWork', () => {
  const before = snapshot([model({ examples: { gsm8k: ['test-0', 'test-1'] }, completeSteps: ['throughput'], finishedStages: ['rate_2'] })]);

  it('counts requests after the fault for examples, stages and steps finished before it', () => {
    const report = repeatedWork(
      before,
      [
        req('gsm8k/test-0/a1', 500), // before the fault: its first send
        req('gsm8k/test-0/a1', 2000), // finished, sent again
        req('gsm8k/test-0/a2', 2100),
        req('gsm8k/test-2/a1', 2000), // not finished at the fault: resuming it is right
        req('throughput-3', 2000), // the step was complete
        req('rate_2-0', 2000), // the stage had its summary.json
        req('rate_8-0', 2000), // a later stage
      ],
      1000,
    );
    expect(report.repeatedRequests).toBe(4);
    expect(report.repeated).toEqual(['qwen2.5-3b-instruct gsm8k/test-0', 'qwen2.5-3b-instruct online rate_2', 'qwen2.5-3b-instruct throughput']);
  });

  it('keeps models apart by the model their pod served', () => {
    expect(repeatedWork(before, [req('gsm8k/test-0/a1', 2000, 'Qwen/Qwen2.5-7B-Instruct')], 1000).repeatedRequests).toBe(0);
  });

  it('treats every request of a complete quality step or online step as a repeat', () => {
    const done = snapshot([model({ completeSteps: ['gsm8k', 'online'] })]);
    expect(repeatedWork(done, [req('gsm8k/test-9/a1', 2000), req('rate_8-1', 2000)], 1000).repeatedRequests).toBe(2);
  });

  it('finds nothing when nothing was sent after the fault', () => {
    expect(repeatedWork(before, [req('gsm8k/test-0/a1', 999)], 1000)).toEqual({ repeatedRequests: 0, repeated: [] });
  });
});

describe('fileProblem', () => {
  it.each([
    ['json', '{"a": 1}\n', null, false],
    ['json', '{"a": ', 'not JSON', false],
    ['jsonl', '{"id":"a"}\n{"id":"b"}\n', null, false],
    ['jsonl', '{"id":"a"}\n{"id":', null, true],
    ['jsonl', '{"id":"a"}\n{"id"\n{"id":"c"}\n', 'line 2 is not JSON', false],
    ['jsonl', '', null, false],
    ['csv', 'a,b\n1,2\n', null, false],
    ['csv', 'a,b\n1,2', 'no newline at the end', false],
    ['other', 'anything', null, false],
  ] as const)('%s %j', (kind, text, problem, torn) => {
    const got = fileProblem(kind, text);
    if (problem === null) expect(got.problem).toBeNull();
    else expect(got.problem).toContain(problem);
    expect(got.tornTail).toBe(torn);
  });
});

describe('csvProblem', () => {
  it.each([
    ['quoted commas and newlines', 'model,note\nq,"a, b"\nr,"line\nbreak"\n', null],
    ['escaped quotes', 'a,b\n"say ""hi""",2\n', null],
    ['a short record', 'a,b,c\n1,2\n', 'record 2 has 2 fields, the header 3'],
    ['an open quote', 'a,b\n"1,2\n', 'unbalanced quotes'],
    ['nothing', '', 'empty'],
  ])('%s', (_what, text, problem) => {
    expect(csvProblem(text)).toBe(problem);
  });
});

describe('fileKind', () => {
  it.each([
    ['gsm8k/gsm8k_results.jsonl', 'jsonl'],
    ['throughput_results.json', 'json'],
    ['scaling_comparison.csv', 'csv'],
    ['.scaling_comparison.json.1a2b3c.tmp', 'tmp'],
    ['stdout.txt', 'other'],
  ] as const)('%s is %s', (name, kind) => {
    expect(fileKind(name)).toBe(kind);
  });
});

describe('fileProblems', () => {
  it('passes a tree that only grew', () => {
    const before = snapshot([model({ examples: { gsm8k: ['a'] } })], [file('m/quality/q/gsm8k/gsm8k_results.jsonl', { tornTail: true })]);
    const after = snapshot([model({ examples: { gsm8k: ['a', 'b'] } })], [file('m/quality/q/gsm8k/gsm8k_results.jsonl'), file('scaling_comparison.json')]);
    expect(fileProblems(before, after)).toEqual([]);
  });

  it('reports lost files, unparseable ones, partial last lines, lost example lines and incomplete steps', () => {
    const before = snapshot([model({ examples: { gsm8k: ['a', 'b'] } })], [file('sweep_plan.json'), file('m/throughput/t/throughput_results.json', { problem: 'not JSON: x' })]);
    const after = snapshot(
      [model({ examples: { gsm8k: ['a'] }, missing: ['online/o: complete online step without online_results.csv'] })],
      [file('m/throughput/t/throughput_results.json'), file('m/quality/q/gsm8k/gsm8k_results.jsonl', { tornTail: true }), file('scaling_comparison.csv', { problem: 'unbalanced quotes' })],
    );
    expect(fileProblems(before, after)).toEqual([
      'sweep_plan.json: existed before the fault, gone after',
      'm/throughput/t/throughput_results.json: did not parse before the fault (not JSON: x)',
      'm/quality/q/gsm8k/gsm8k_results.jsonl: ends in a partial line',
      'scaling_comparison.csv: unbalanced quotes',
      'qwen2.5-3b-instruct gsm8k: 1 finished example(s) lost (b)',
      'qwen2.5-3b-instruct: online/o: complete online step without online_results.csv',
    ]);
  });

  it('does not count temporary files of atomic writes as results', () => {
    const before = snapshot([], [file('.x.json.abc.tmp', { problem: 'whatever' })]);
    expect(fileProblems(before, snapshot([], [file('.y.json.def.tmp')]))).toEqual([]);
  });
});

describe('failedResults', () => {
  it('counts examples recorded with a failed request and failed efficiency requests', () => {
    const after = snapshot([model({ failedExamples: { gsm8k: ['a', 'b'] }, failedRequests: 3 }), model({ model: 'other', failedExamples: { gsm8k: [] } })]);
    expect(failedResults(after)).toEqual({
      count: 5,
      where: ['qwen2.5-3b-instruct gsm8k: 2 example(s) recorded with a failed request', 'qwen2.5-3b-instruct: 3 failed request(s) in throughput/online results'],
    });
  });
});

describe('outcomeProblems', () => {
  const observed = (over: Partial<ObservedOutcome>): ObservedOutcome => ({
    phase: 'after the fault',
    sweep: 'COMPLETED',
    failureType: null,
    models: [
      { model: 'a', status: 'done', reason: null },
      { model: 'b', status: 'done', reason: null },
    ],
    openChildren: [],
    ...over,
  });

  it('accepts a completed sweep with every model done', () => {
    expect(outcomeProblems({ sweep: 'COMPLETED' }, observed({}))).toEqual([]);
  });

  it('names a model that did not finish, and children still running', () => {
    expect(outcomeProblems({ sweep: 'COMPLETED' }, observed({ models: [{ model: 'a', status: 'failed', reason: 'evicted: gone' }], openChildren: ['b'] }))).toEqual([
      'after the fault: child workflow(s) still running: b',
      'after the fault: a is failed (evicted: gone), expected done',
    ]);
  });

  it('expects the OOM-killed model failed for that reason, and the others done', () => {
    const expected = { sweep: 'FAILED', failureType: 'sweep_incomplete', failedModels: [{ model: 'a', reasonIncludes: 'oom_killed' }] } as const;
    const oom = observed({ sweep: 'FAILED', failureType: 'sweep_incomplete', models: [{ model: 'a', status: 'failed', reason: 'oom_killed: container vllm was OOM-killed' }, { model: 'b', status: 'done', reason: null }] });
    expect(outcomeProblems(expected, oom)).toEqual([]);
    expect(outcomeProblems(expected, observed({}))).toEqual([
      'after the fault: sweep COMPLETED, expected FAILED',
      'after the fault: failure type none, expected sweep_incomplete',
      'after the fault: a is done (no reason), expected failed with "oom_killed"',
    ]);
  });

  it('checks only the status and open children of a stopped sweep', () => {
    expect(outcomeProblems({ sweep: 'CANCELLED' }, observed({ sweep: 'CANCELLED', models: [{ model: 'a', status: 'failed', reason: 'cancelled' }] }))).toEqual([]);
    expect(outcomeProblems({ sweep: 'CANCELLED' }, observed({ sweep: 'RUNNING', openChildren: ['a'] }))).toHaveLength(2);
  });
});

describe('the output lines', () => {
  const result = (name: string, over: Partial<ScenarioResult> = {}): ScenarioResult => ({
    name, passed: true, seconds: 12.34, repeatedRequests: 0, lostFiles: 0, leakedPods: 0, failedRequests: 0, fault: 'SIGKILL 1 worker(s)', problems: [], ...over,
  });

  it('prints one line per scenario', () => {
    expect(formatScenarioLine(result('worker-sigkill'))).toBe('PASS worker-sigkill       12.3s  repeated=0 lost=0 leaked=0 failed_requests=0  SIGKILL 1 worker(s)');
  });

  it('sums the scenarios into the final JSON line', () => {
    const line = finalLine([result('a'), result('b', { passed: false, repeatedRequests: 2, leakedPods: 1, seconds: 3 })], 7, 15.36);
    expect(line).toEqual({ scenarios: 2, passed: 1, failed: ['b'], repeated_requests: 2, lost_files: 0, leaked_pods: 1, failed_requests: 0, seed: 7, total_s: 15.4, durations_s: { a: 12.3, b: 3 } });
  });
});

describe('fileProblems while a terminated workflow may still write', () => {
  it('does not judge a partial last line yet', () => {
    const after = snapshot([], [file('m/quality/q/gsm8k/gsm8k_results.jsonl', { tornTail: true })]);
    expect(fileProblems(snapshot([]), after, { writersMayRun: true })).toEqual([]);
    expect(fileProblems(snapshot([]), after)).toHaveLength(1);
  });
});
