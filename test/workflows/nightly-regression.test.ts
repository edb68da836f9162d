import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { loadSchedule } from '../../configs/resolve-schedule.ts';
import type { ResolvedSchedule } from '../../configs/resolve-schedule.ts';
import { scheduleOptions, scheduleUpdate, triggerSchedule } from '../../client/schedules.ts';
import type { nightlyRegression } from '../../workflows/nightly-regression.ts';
import { SimulatorOptions } from '../../configs/schema/simulator.ts';
import { openRunIndex } from '../../runindex/open.ts';
import { connectTestTemporal, createTestWorker, tempDir, testDeps, uniqueTaskQueue } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';

let t: TestTemporal;
let root: { path: string; remove(): Promise<void> };
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('nightly');
const scheduleId = `nightly-test-${Date.now()}`;

/** A schedule over the checked-in nightly YAML, made fast and given enough examples for a paired test to decide. */
async function testSchedule(simulator: Partial<SimulatorOptions>): Promise<ResolvedSchedule> {
  const resolved = await loadSchedule('configs/schedules/nightly-regression.yaml');
  const { suite, schedule } = resolved;
  suite.resultsRoot = root.path;
  suite.steps = ['throughput', 'gsm8k'];
  suite.benchmark.throughput.num_prompts = 24;
  suite.eval.benchmarks.gsm8k = { ...suite.eval.benchmarks.gsm8k!, dataset: { source: 'local', path: join(root.path, 'gsm8k.jsonl'), split: 'test' }, subset_size: null };
  suite.backend = { kind: 'sim', simulator: SimulatorOptions.parse({ startup_delay_s: 0, ttft_base_ms: 10, itl_ms: 2, itl_jitter: 0, max_num_seqs: 32, accuracy: { gsm8k: 0.92 }, unparseable_rate: 0, ...simulator }) };
  schedule.id = scheduleId;
  schedule.run_index = join(root.path, 'runs.sqlite');
  // The efficiency tolerances are wide: this 2-core machine's timing noise must not read as a regression.
  schedule.regression.efficiency.throughput_drop_pct = 40;
  schedule.regression.efficiency.latency_rise_pct = 200;
  // With the worker, simulator and Temporal on two cores, the client's self-check flags late timestamps; judge anyway.
  schedule.regression.efficiency.require_self_check = false;
  return resolved;
}

async function triggerAndWait(): Promise<Awaited<ReturnType<typeof nightlyRegression>>> {
  const id = await triggerSchedule(t.client, scheduleId);
  return t.client.workflow.getHandle<typeof nightlyRegression>(id).result();
}

beforeAll(async () => {
  t = await connectTestTemporal();
  root = await tempDir('nightly');
  const lines = Array.from({ length: 150 }, (_, i) => JSON.stringify({ question: `A crate holds ${i + 4} jars and ${i + 9} more arrive. How many jars are there?`, answer: `${i + 4} + ${i + 9} = ${2 * i + 13}\n#### ${2 * i + 13}` }));
  await writeFile(join(root.path, 'gsm8k.jsonl'), `${lines.join('\n')}\n`);
  worker = await createTestWorker(t, taskQueue, testDeps(join(root.path, 'cache')));
  running = worker.run();
  const { schedule, suite } = await testSchedule({});
  await t.client.schedule.create(scheduleOptions(schedule, suite, taskQueue));
});

afterAll(async () => {
  await t.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  worker.shutdown();
  await running;
  await root.remove();
  await t.close();
});

describe('a nightly regression schedule on the dev server', () => {
  let secondVerdict = 'pass';

  it('is visible as a Temporal schedule running nightlyRegression', async () => {
    const d = await t.client.schedule.getHandle(scheduleId).describe();
    expect(d.action.type === 'startWorkflow' && d.action.workflowType).toBe('nightlyRegression');
    expect(d.spec.timezone).toBe('Europe/Berlin');
  });

  it('the first run has no baseline yet: inconclusive, and it becomes the baseline', async () => {
    const first = await triggerAndWait();
    expect(first.verdict).toBe('inconclusive');
    expect(first.baseline).toBeNull();
  });

  it('a no-change rerun is measured afresh and not flagged', async () => {
    const second = await triggerAndWait();
    expect(second.baseline).not.toBeNull();
    // "improved" is possible: a first run slowed by other load on two cores makes the rerun look faster.
    expect(['pass', 'improved']).toContain(second.verdict);
    secondVerdict = second.verdict;
    const verdict = JSON.parse(await readFile(second.verdictJson, 'utf8')) as { sections: { quality: { group: string; verdict: string }[] } };
    expect(verdict.sections.quality.find((r) => r.group === 'gsm8k')?.verdict).toBe('pass');
    expect(await readFile(second.verdictMarkdown, 'utf8')).toMatch(/gsm8k/);
  });

  it('catches a regression injected in the simulator (lower accuracy, higher latency)', async () => {
    const { schedule, suite } = await testSchedule({ accuracy: { gsm8k: 0.55 }, itl_ms: 12, ttft_base_ms: 80 });
    await t.client.schedule.getHandle(scheduleId).update(() => scheduleUpdate(scheduleOptions(schedule, suite, taskQueue), false));
    const third = await triggerAndWait();
    expect(third.verdict).toBe('regressed');
    const verdict = JSON.parse(await readFile(third.verdictJson, 'utf8')) as { sections: Record<string, { group: string; metric: string; verdict: string; marker: string }[]> };
    const accuracy = verdict.sections.quality?.find((r) => r.group === 'gsm8k');
    expect(accuracy).toMatchObject({ verdict: 'regressed', marker: '↘' });
    expect(verdict.sections.throughput?.some((r) => r.metric.endsWith('e2el_ms') && r.verdict === 'regressed')).toBe(true);
    const index = await openRunIndex(join(root.path, 'runs.sqlite'));
    const runs = await index.list({});
    await index.close();
    expect(runs.map((r) => r.verdict?.overall).sort()).toEqual(['inconclusive', secondVerdict, 'regressed'].sort());
  });
});
