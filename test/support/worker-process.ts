// A worker in its own process, so a test can SIGKILL it mid-activity like a crashed pod.
// Usage: node test/support/worker-process.ts <address> <taskQueue>
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { createEvalflowWorker } from '../../worker/create-worker.ts';

const [address, taskQueue] = process.argv.slice(2);
if (!address || !taskQueue) throw new Error('usage: worker-process.ts <address> <taskQueue>');
Runtime.install({ logger: new DefaultLogger('WARN') });
const { worker } = await createEvalflowWorker({ settings: { address, namespace: 'default', taskQueue } });
console.log('worker ready');
await worker.run();
