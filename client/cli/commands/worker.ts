import type { Command } from 'commander';
import { runWorkerFromEnv } from '../../../worker/main.ts';
import { cliAction } from '../action.ts';

export function configureWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run an evalflow worker (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/KEY)')
    .action(cliAction(runWorkerFromEnv));
}
