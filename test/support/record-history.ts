// Records workflow histories for the replay tests (test/workflows/replay.test.ts) into test/fixtures/histories/.
// Run it after a deliberate workflow change that is guarded by patched() (keep the old fixtures: they prove old
// runs still replay), or to add fixtures for new code paths:
//   node test/support/record-history.ts [--tag v2] [--only phase1|sweep] [--out test/fixtures/histories]
// Uses TEMPORAL_ADDRESS when set, else starts a headless dev server; runs everything on the simulator (seconds).
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/create-worker.ts';
import { createActivities } from '../../activities/index.ts';
import { createBackends } from '../../backends/registry.ts';
import { ensureSearchAttributes, submitSweep } from '../../client/api.ts';
import { startDevServer } from '../../client/dev-server.ts';
import { loadSuite } from '../../configs/resolve.ts';
import { loadSweep } from '../../sweep/load.ts';
import { phase1Suite } from '../../workflows/phase1-suite.ts';
import { scalingSweep } from '../../workflows/scaling-sweep.ts';
import { writeSweepFixture } from './sweep-fixture.ts';
import { historyToFixture } from './histories.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: fileURLToPath(new URL('../fixtures/histories', import.meta.url)) },
    tag: { type: 'string' },
    only: { type: 'string' },
  },
});
const fileName = (base: string): string => `${base}${values.tag ? `.${values.tag}` : ''}.json`;

Runtime.install({ logger: new DefaultLogger('WARN') });
const dev = process.env.TEMPORAL_ADDRESS ? null : await startDevServer({ uiPort: null });
const address = process.env.TEMPORAL_ADDRESS ?? dev!.address;
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace: 'default' });
await ensureSearchAttributes(client);
const native = await NativeConnection.connect({ address });
const dir = await mkdtemp(join(tmpdir(), 'evalflow-record-'));
const taskQueue = `record-${process.pid}-${Date.now()}`;
const worker = await Worker.create({
  connection: native,
  namespace: 'default',
  taskQueue,
  workflowBundle: await bundleWorkflows(),
  activities: createActivities({ backends: createBackends(), datasetCacheDir: join(dir, 'cache') }),
});

async function save(workflowId: string, base: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await mkdir(values.out, { recursive: true });
  const path = join(values.out, fileName(base));
  await writeFile(path, `${JSON.stringify(historyToFixture(history), null, 1)}\n`);
  console.log(`${path}: ${history.events?.length ?? 0} events`);
}

try {
  await worker.runUntil(async () => {
    const name = 'replay-fixture';
    const sweepFile = await writeSweepFixture(dir, { name, models: ['qwen2.5-1.5b-instruct', 'qwen2.5-3b-instruct', 'qwen2.5-32b-instruct'], maxGpus: 1 });
    if (values.only !== 'sweep') {
      const suite = await loadSuite(join(dir, 'suite.yaml'), { resultsDir: join(dir, 'results', 'phase1') });
      const workflowId = `record-phase1-${taskQueue}`;
      await client.workflow.execute(phase1Suite, { taskQueue, workflowId, args: [{ suite }] });
      await save(workflowId, 'phase1-suite');
    }
    if (values.only !== 'phase1') {
      // A fresh sweep: two models one after another (max_gpus 1), one skipped.
      const sweep = await loadSweep(sweepFile);
      const submitted = await submitSweep(sweep, { client, taskQueue, workflowOptions: { adoptPollIntervalMs: 200 } });
      await submitted.handle.result();
      await save(submitted.workflowId, 'scaling-sweep');
      // Another sweep run over the same models: every child id is taken, so it adopts them (the resubmission path).
      const adoptId = `record-adopt-${taskQueue}`;
      await client.workflow.execute(scalingSweep, { taskQueue, workflowId: adoptId, args: [{ sweep, options: { adoptPollIntervalMs: 200 } }] });
      await save(adoptId, 'scaling-sweep-adopt');
    }
  });
} finally {
  await native.close();
  await connection.close();
  await dev?.stop();
  await rm(dir, { recursive: true, force: true });
}
