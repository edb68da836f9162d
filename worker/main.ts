import { Runtime, DefaultLogger } from '@temporalio/worker';
import { temporalSettingsFromEnv } from '../common/temporal-env.ts';
import { EvalflowError } from '../common/errors.ts';
import { createEvalflowWorker } from './create-worker.ts';

/** A long-running worker (Kubernetes Deployment, Docker, `evalflow worker`): connects from the environment, stops gracefully on SIGTERM. */
export async function runWorkerFromEnv(): Promise<void> {
  const settings = temporalSettingsFromEnv();
  if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set: a worker needs a Temporal server (e.g. ./temporal-dev.sh, then TEMPORAL_ADDRESS=127.0.0.1:7233)');
  Runtime.install({ logger: new DefaultLogger((process.env.EVALFLOW_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO') });
  const { worker, connection } = await createEvalflowWorker({ settings });
  console.log(`evalflow worker polling ${settings.address} namespace=${settings.namespace} queue=${settings.taskQueue}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}
