#!/usr/bin/env node
/**
 * The fault-injection suite: `npm run chaos [-- --scenario NAME[,NAME] --seed N --keep]`.
 * Against a real Temporal dev server (SQLite file, so it can be killed and restarted) and the fake kube cluster,
 * each scenario runs a small scaling sweep (3 models, smoke sizes) and injects one fault at a seeded moment inside a
 * step: a worker SIGKILL, the vLLM process dying, pod eviction, OOMKilled, node loss, a Temporal crash, a cancel, a
 * termination. Then it checks: the sweep completed or stopped as expected; no finished example, stage or step was
 * sent again (server-side request records of every pod's simulator); no result file lost or half-written; no failed
 * request recorded as a result; no pod left. One line per scenario, then one JSON line; exit 1 if any failed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../client/api.ts';
import { DEFAULT_NAMESPACE } from '../common/constants.ts';
import { bundleWorkflows } from '../worker/create-worker.ts';
import type { ScenarioResult } from './checks.ts';
import { failedResults, fileProblems, finalLine, formatScenarioLine, outcomeProblems, repeatedWork } from './checks.ts';
import { ScenarioEnv } from './harness.ts';
import type { SharedEnv } from './harness.ts';
import { SCENARIO_NAMES, SCENARIOS } from './scenarios.ts';
import type { ScenarioName } from './scenarios.ts';
import { KillableTemporal } from './temporal.ts';
import { killAllChildren } from './children.ts';

/** A scenario that has not finished by then fails (its sweep is terminated, its pods deleted with the cluster). */
const SCENARIO_TIMEOUT_MS = 4 * 60_000;
/** The whole suite's bound: scenarios not started by then fail as not run (all eight take about 4 minutes on 2 cores). */
const SUITE_BUDGET_MS = 15 * 60_000;
/** Problems printed under a failed scenario's line. */
const MAX_PROBLEM_LINES = 12;

interface Options {
  scenarios: ScenarioName[];
  seed: number;
  keep: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: { scenario: { type: 'string', multiple: true }, seed: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false }, list: { type: 'boolean', default: false } },
  });
  if (values.list) {
    for (const name of SCENARIO_NAMES) console.log(`${name.padEnd(18)} ${SCENARIOS[name].description}`);
    process.exit(0);
  }
  const asked = (values.scenario ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  const unknown = asked.filter((s) => !(SCENARIO_NAMES as string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIO_NAMES.join(', ')}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  return { scenarios: asked.length === 0 ? SCENARIO_NAMES : SCENARIO_NAMES.filter((n) => asked.includes(n)), seed, keep: values.keep };
}

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs one scenario in its own cluster and task queue, checks it, and always cleans up after it. */
async function runScenario(shared: SharedEnv, name: ScenarioName, keep: boolean): Promise<ScenarioResult> {
  const started = performance.now();
  const result: ScenarioResult = { name, passed: false, seconds: 0, repeatedRequests: 0, lostFiles: 0, leakedPods: 0, failedRequests: 0, fault: '', problems: [] };
  let env: ScenarioEnv | null = null;
  try {
    env = await ScenarioEnv.create(shared, name);
    const record = await timeout(SCENARIOS[name].run(env), SCENARIO_TIMEOUT_MS, name);
    result.fault = record.fault;
    const after = await env.snapshot();
    const repeats = repeatedWork(record.before, env.cluster.requests(), record.faultAtMs);
    const files = [
      ...record.checkpoints.flatMap((c) => fileProblems(record.before, c.snapshot, { writersMayRun: c.writersMayRun }).map((p) => `${c.label}: ${p}`)),
      ...fileProblems(record.before, after),
    ];
    const failed = failedResults(after);
    const left = await env.cluster.leftovers(10_000);
    result.repeatedRequests = repeats.repeatedRequests;
    result.lostFiles = files.length;
    result.failedRequests = failed.count;
    result.leakedPods = record.leakedPods + left.pods;
    result.problems.push(
      ...record.phases.flatMap((p) => outcomeProblems(p.expected, p.observed)),
      ...record.problems,
      ...repeats.repeated.map((r) => `sent again after the fault: ${r}`),
      ...files,
      ...failed.where,
      ...(left.pods > 0 ? [`${left.pods} pod(s) left: ${env.cluster.pods().map((p) => `${p.name} (${p.phase})`).join(', ')}`] : []),
      ...(left.services > 0 ? [`${left.services} service(s) left`] : []),
      ...(left.servers > 0 ? [`${left.servers} simulator(s) still listening`] : []),
    );
  } catch (err) {
    result.problems.push(`scenario error: ${message(err)}`);
  } finally {
    await env?.close(keep).catch((err: unknown) => result.problems.push(`cleanup: ${message(err)}`));
  }
  result.seconds = (performance.now() - started) / 1000;
  result.passed = result.problems.length === 0;
  return result;
}

function notRun(name: ScenarioName): ScenarioResult {
  return { name, passed: false, seconds: 0, repeatedRequests: 0, lostFiles: 0, leakedPods: 0, failedRequests: 0, fault: 'not run', problems: [`not run: the suite's ${SUITE_BUDGET_MS / 60_000}-minute budget was spent`] };
}

async function main(): Promise<boolean> {
  const opts = parseOptions();
  const startedAt = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'evalflow-chaos-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => console.error(`cleanup: ${message(err)}`));
  };
  cleanups.push(() => (opts.keep ? Promise.resolve(console.error(`kept ${work}`)) : rm(work, { recursive: true, force: true })));
  // Whatever happens to this process, its Temporal server and workers do not outlive it (the cluster and
  // simulators live in it). Interrupted: kill them, remove the work dir, exit.
  process.once('exit', () => killAllChildren());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`chaos: ${signal}: stopping`);
      killAllChildren();
      void (opts.keep ? Promise.resolve() : rm(work, { recursive: true, force: true })).finally(() => process.exit(130));
    });
  }
  try {
    console.log(`chaos: seed ${opts.seed}, ${opts.scenarios.length} scenario(s), work dir ${work}`);
    const [temporal, bundle] = await Promise.all([KillableTemporal.start(join(work, 'temporal.db'), join(work, 'temporal.log')), bundleWorkflows()]);
    cleanups.push(() => temporal.stop());
    const bundlePath = join(work, 'workflows.js');
    await writeFile(bundlePath, bundle.code);
    await writeFile(`${bundlePath}.map`, bundle.sourceMap);
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    await ensureSearchAttributes(client);
    console.log(`chaos: Temporal dev server on ${temporal.address} (db ${temporal.dbFile}), workflows bundled`);
    const shared: SharedEnv = { work, temporal, client, bundlePath, datasetCacheDir: join(work, 'dataset-cache'), seed: opts.seed };

    const results: ScenarioResult[] = [];
    for (const name of opts.scenarios) {
      const overBudget = performance.now() - startedAt > SUITE_BUDGET_MS;
      const result = overBudget ? notRun(name) : await runScenario(shared, name, opts.keep);
      results.push(result);
      console.log(formatScenarioLine(result));
      for (const p of result.problems.slice(0, MAX_PROBLEM_LINES)) console.log(`    - ${p}`);
      if (result.problems.length > MAX_PROBLEM_LINES) console.log(`    … ${result.problems.length - MAX_PROBLEM_LINES} more`);
    }
    await cleanup();
    const line = finalLine(results, opts.seed, (performance.now() - startedAt) / 1000);
    console.log(JSON.stringify(line));
    return line.passed === line.scenarios;
  } finally {
    await cleanup();
  }
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
