// One evalflow worker in its own process, so a chaos scenario can SIGKILL it like a crashed pod.
// Usage: node chaos/worker.ts <address> <taskQueue> <bundle.js>   (EVALFLOW_DATASET_CACHE sets the dataset cache)
import { readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createEvalflowWorker } from '../worker/create-worker.ts';
import { DEFAULT_NAMESPACE } from '../common/constants.ts';

const [address, taskQueue, bundlePath] = process.argv.slice(2);
if (!address || !taskQueue || !bundlePath) throw new Error('usage: node chaos/worker.ts <address> <taskQueue> <bundle.js>');
Runtime.install({ logger: new DefaultLogger('WARN') });
// The runner bundles the workflows once; bundling in every worker would cost seconds per (re)start.
const code = await readFile(bundlePath, 'utf8');
const { worker, connection } = await createEvalflowWorker({
  settings: { address, namespace: DEFAULT_NAMESPACE, taskQueue },
  workflowBundle: { code, sourceMap: await readFile(`${bundlePath}.map`, 'utf8') },
  // Short, so a scenario that ends with SIGTERM does not wait long for activities still winding down.
  shutdownGraceTime: '5s',
});
console.log('worker ready');
await worker.run();
await connection.close();
