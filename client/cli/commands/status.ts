import type { Command } from 'commander';
import { connectClient } from '../../api.ts';
import { temporalSettingsFromEnv } from '../../../common/temporal-env.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { PROGRESS_QUERY } from '../../../common/constants.ts';
import type { Phase1Progress } from '../../../workflows/phase1-suite.ts';
import type { SweepProgress } from '../../../workflows/scaling-sweep.ts';
import { cliAction } from '../action.ts';

export function configureStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show a suite run: status, progress by step (needs TEMPORAL_ADDRESS)')
    .argument('<workflowId>')
    .action(
      cliAction(async (workflowId: string) => {
        const settings = temporalSettingsFromEnv();
        if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set');
        const client = await connectClient(settings);
        try {
          const handle = client.workflow.getHandle(workflowId);
          const d = await handle.describe();
          console.log(`${workflowId}  ${d.status.name}  run ${d.runId}  started ${d.startTime.toISOString()}${d.closeTime ? `  closed ${d.closeTime.toISOString()}` : ''}`);
          // Suites and sweeps answer the same query name with their own shape.
          const progress = await handle.query<Phase1Progress | SweepProgress>(PROGRESS_QUERY).catch(() => null);
          if (progress && 'models' in progress) {
            console.log(`sweep ${progress.sweep}: ${progress.phase}, GPUs in use ${progress.gpusInUse}/${progress.maxGpus}`);
            for (const m of progress.models) console.log(`  ${m.model.padEnd(24)} ${m.status}`);
          } else if (progress) {
            console.log(`phase ${progress.phase}, ${progress.stepsDone}/${progress.stepsTotal} steps`);
            for (const s of progress.steps) console.log(`  ${s.step.padEnd(12)} ${s.status.padEnd(8)} ${s.dir}`);
          } else if (d.status.name === 'COMPLETED') {
            console.log(JSON.stringify(await handle.result(), null, 2));
          }
        } finally {
          await client.connection.close();
        }
      }),
    );
}
