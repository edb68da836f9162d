import type { Command } from 'commander';
import { Option } from 'commander';
import { submitSuite, submitSweep } from '../../api.ts';
import { detectConfigKind } from '../../../sweep/load.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { cliAction, suiteLoadOptions } from '../action.ts';
import type { SuiteCommandOptions } from '../action.ts';
import { sweepLoadOptions } from '../sweep-options.ts';
import type { SweepCommandOptions } from '../sweep-options.ts';

type SubmitOptions = SuiteCommandOptions & SweepCommandOptions & { wait?: boolean };

export function configureSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('submit a suite or a sweep to a running Temporal server (TEMPORAL_ADDRESS) and print its workflow id')
    .argument('<config>', 'suite or sweep YAML')
    .addOption(new Option('--preset <preset>').choices(['smoke', 'quick', 'full']))
    .option('--model <name>', 'override the suite model')
    .option('--results <dir>', 'override the results folder')
    .option('--sizes <list>', 'sweeps: only these sizes in billions of parameters, e.g. 1.5,3,7')
    .option('--no-skip-existing', 'sweeps: run models again even when their results exist (into new folders)')
    .option('--wait', 'wait for the result and print it as JSON')
    .action(
      cliAction(async (configPath: string, opts: SubmitOptions) => {
        const isSweep = (await detectConfigKind(configPath)) === 'sweep';
        if (isSweep && opts.model) throw new EvalflowError('config_invalid', '--model applies to a suite; a sweep lists its models (filter them with --sizes)');
        if (!isSweep && (opts.sizes !== undefined || !opts.skipExisting)) throw new EvalflowError('config_invalid', '--sizes and --no-skip-existing apply to sweeps (kind: sweep)');
        const submitted = isSweep ? await submitSweep(configPath, sweepLoadOptions(opts)) : await submitSuite(configPath, suiteLoadOptions(opts));
        console.log(submitted.workflowId);
        console.error(`${submitted.state} (run ${submitted.runId ?? '?'})`);
        if (opts.wait) console.log(JSON.stringify(await submitted.handle.result(), null, 2));
        await submitted.handle.client.connection.close();
      }),
    );
}
