import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSuite } from '../../configs/resolve.ts';
import { phase1Suite } from '../../workflows/phase1-suite.ts';
import { startSimulator } from '../../simulator/server.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { SimulatorOptions } from '../../configs/schema/simulator.ts';
import { connectTestTemporal, tempDir, uniqueTaskQueue } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { waitFor } from '../support/processes.ts';

let t: TestTemporal;
let sim: SimulatorHandle;
const workers: ChildProcess[] = [];

function spawnWorker(address: string, taskQueue: string, cacheDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['test/support/worker-process.ts', address, taskQueue], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EVALFLOW_DATASET_CACHE: cacheDir },
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

beforeAll(async () => {
  t = await connectTestTemporal();
  // Slow enough that the quality step is still running when the worker dies.
  sim = await startSimulator({
    options: SimulatorOptions.parse({ startup_delay_s: 0, ttft_base_ms: 20, itl_ms: 8, itl_jitter: 0, max_num_seqs: 4, accuracy: { default: 0.7 } }),
    model: 'Qwen/Qwen2.5-72B-Instruct',
    port: 0,
  });
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await sim.close();
  await t.close();
});

describe('a worker killed in the middle of a quality step', () => {
  it('is replaced, and the step finishes without re-sending finished examples', async () => {
    const dir = await tempDir('crash');
    const data = join(dir.path, 'gsm8k.jsonl');
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ question: `Sam has ${i + 3} pencils and buys ${i + 2} more. How many pencils does Sam have now?`, answer: `${i + 3} + ${i + 2} = ${2 * i + 5}\n#### ${2 * i + 5}` }));
    await writeFile(data, `${lines.join('\n')}\n`);
    const suite = await loadSuite('configs/suites/phase1.yaml', { resultsDir: dir.path });
    suite.backend = { kind: 'external', base_url: sim.url };
    suite.steps = ['gsm8k'];
    suite.eval.benchmarks.gsm8k = { ...suite.eval.benchmarks.gsm8k!, dataset: { source: 'local', path: data, split: 'test' }, subset_size: null };
    suite.eval.defaults = { ...suite.eval.defaults, concurrency: 4 };

    const taskQueue = uniqueTaskQueue('crash');
    const cache = join(dir.path, 'cache');
    const first = await spawnWorker(t.address, taskQueue, cache);
    const handle = await t.client.workflow.start(phase1Suite, { taskQueue, workflowId: `crash-${taskQueue}`, args: [{ suite }] });

    const results = async (): Promise<{ id: string }[]> => {
      const quality = join(dir.path, 'quality');
      const runs = await readdir(quality).catch(() => [] as string[]);
      const run = runs.find((r) => r.startsWith('quality-'));
      if (!run) return [];
      const text = await readFile(join(quality, run, 'gsm8k', 'gsm8k_results.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .map((l) => JSON.parse(l) as { id: string });
    };
    await waitFor(async () => (await results()).length >= 12, 60_000, '12 finished examples');
    first.kill('SIGKILL');
    const finishedBeforeCrash = new Set((await results()).map((r) => r.id));

    await spawnWorker(t.address, taskQueue, cache);
    const result = await handle.result();
    expect(result.steps[0]?.status).toBe('done');

    const final = await results();
    const ids = final.map((r) => r.id);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60);

    const sends = new Map<string, number>();
    for (const r of sim.requests()) {
      // Request ids are <benchmark>/<example id>/a<attempt>; example ids may contain slashes.
      const exampleId = r.id.slice(r.id.indexOf('/') + 1, r.id.lastIndexOf('/'));
      sends.set(exampleId, (sends.get(exampleId) ?? 0) + 1);
    }
    for (const id of finishedBeforeCrash) expect(sends.get(id), `example ${id} was sent again`).toBe(1);
    await dir.remove();
  });
});
