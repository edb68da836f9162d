#!/usr/bin/env node
/**
 * End to end through one GPU backend against its fake: `npm run e2e:k8s | e2e:docker | e2e:local`.
 * Starts the fake (kube-apiserver with two 8-GPU nodes, Docker Engine, or a fake `vllm` executable), a
 * headless Temporal dev server and a worker; runs the checked-in example suite (configs/suites/phase1-<kind>)
 * to the end; checks the seed-000 results tree; runs the reaper workflow; and ends with the line
 * `pods remaining: N` (containers, local servers), exiting non-zero unless everything held and N is 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { connectClient, ensureSearchAttributes, submitSuite } from '../client/api.ts';
import { startDevServer } from '../client/dev-server.ts';
import { followSuite, summaryTable } from '../client/progress.ts';
import { createBackends } from '../backends/registry.ts';
import { DEFAULT_NAMESPACE } from '../common/constants.ts';
import { createEvalflowWorker } from '../worker/create-worker.ts';
import { isReapable, REAPABLE_KINDS } from '../activities/reaper.ts';
import type { ReapableKind } from '../activities/reaper.ts';
import { reaperWorkflow } from '../workflows/reaper.ts';
import { FAKE_GPU_NODES, FAKE_VLLM, resultsTreeProblems, startFakeBackend, suiteOnFake } from '../test/support/backend-fixtures.ts';

/** The whole run, suite and checks, stops here; the smoke suite takes well under a minute. */
const TIME_LIMIT_MS = 150_000;

function timeLimit(ms: number): { promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`e2e: no result within ${ms / 1000} s`)), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

async function main(): Promise<boolean> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const backendKind: ReapableKind | undefined = REAPABLE_KINDS.find((k) => k === positionals[0]);
  if (backendKind === undefined) throw new Error(`usage: node scripts/e2e.ts ${REAPABLE_KINDS.join('|')}`);
  const started = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const work = await mkdtemp(join(tmpdir(), `evalflow-e2e-${backendKind}-`));
  const fake = await startFakeBackend(backendKind, work);
  if (fake.kind === 'kubernetes') console.log(`fake kube-apiserver on ${fake.cluster.url} (${FAKE_GPU_NODES.map((n) => `${n.name}: ${n.gpus} GPUs`).join(', ')}), kubeconfig ${fake.endpoints.kubeconfig ?? '?'}`);
  if (fake.kind === 'docker') console.log(`fake Docker Engine on ${fake.engine.socketPath}`);
  if (fake.kind === 'local') console.log(`fake vllm: ${FAKE_VLLM.join(' ')}, pid files in ${fake.stateDir}`);
  const dev = await startDevServer({ uiPort: null });
  console.log(`Temporal dev server on ${dev.address}`);
  const settings = { address: dev.address, namespace: DEFAULT_NAMESPACE, taskQueue: `e2e-${backendKind}-${process.pid}` };
  const client = await connectClient(settings);
  let worker: { worker: Worker; connection: NativeConnection } | null = null;
  let running: Promise<void> | null = null;
  let ok = true;
  const limit = timeLimit(TIME_LIMIT_MS);
  try {
    await ensureSearchAttributes(client);
    worker = await createEvalflowWorker({ settings, deps: { backends: createBackends(), datasetCacheDir: join(work, 'dataset-cache') } });
    const suite = await suiteOnFake(backendKind, join(work, 'results'), fake.endpoints);
    console.log(`suite ${suite.name}: ${suite.model.name} on ${suite.backend.kind}, ${suite.preset} preset, steps ${suite.steps.join(' → ')}`);
    running = worker.worker.runUntil(async () => {
      const submitted = await submitSuite(suite, { client, taskQueue: settings.taskQueue });
      console.log(`started ${submitted.workflowId}`);
      const result = await followSuite(client, submitted.handle, { tty: false, intervalMs: 1000 });
      console.log(summaryTable(result));
      const problems = await resultsTreeProblems(suite);
      for (const p of problems) console.log(`results tree: ${p}`);
      console.log(problems.length === 0 ? `results tree: complete under ${suite.resultsRoot}` : `results tree: ${problems.length} problem(s)`);
      if (problems.length > 0) ok = false;
      if (!isReapable(suite.backend)) throw new Error(`${suite.backend.kind} is not reapable`);
      // The suite tore its server down; the reaper must find nothing more to do.
      const reaped = await client.workflow.execute(reaperWorkflow, {
        taskQueue: settings.taskQueue,
        workflowId: `e2e-reaper-${settings.taskQueue}`,
        args: [{ targets: [{ backend: suite.backend }], dryRun: false }],
      });
      for (const r of reaped.targets) console.log(`reaper: ${r.target}: ${r.leftovers.length} leftover(s), ${r.kept} kept`);
      if (reaped.targets.some((r) => r.leftovers.length > 0)) ok = false;
    });
    await Promise.race([limit.promise, running]);
  } catch (err) {
    ok = false;
    console.error(`e2e failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
    // Let the worker finish its shutdown (activities see the cancel) before the server goes away.
    await running?.catch(() => undefined);
  } finally {
    limit.clear();
    await worker?.connection.close();
    await client.connection.close();
    await dev.stop();
  }
  const remaining = await fake.remaining();
  await fake.close();
  await rm(work, { recursive: true, force: true });
  const others = Object.entries(remaining.other);
  console.log(`e2e ${backendKind}: ${ok ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const [what, n] of others) console.log(`${what} remaining: ${n}`);
  console.log(`${fake.noun} remaining: ${remaining.servers}`);
  return ok && remaining.servers === 0 && others.every(([, n]) => n === 0);
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
