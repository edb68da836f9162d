import type { Command } from 'commander';
import { Option } from 'commander';
import { submitSuite } from '../../api.ts';
import { cliAction, suiteLoadOptions } from '../action.ts';
import type { SuiteCommandOptions } from '../action.ts';

export function configureSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('submit a suite to a running Temporal server (TEMPORAL_ADDRESS) and print its workflow id')
    .argument('<suite>', 'suite YAML')
    .addOption(new Option('--preset <preset>').choices(['smoke', 'quick', 'full']))
    .option('--model <name>', 'override the suite model')
    .option('--results <dir>', 'override the results folder')
    .option('--wait', 'wait for the result and print it as JSON')
    .action(
      cliAction(async (suitePath: string, opts: SuiteCommandOptions & { wait?: boolean }) => {
        const submitted = await submitSuite(suitePath, suiteLoadOptions(opts));
        console.log(submitted.workflowId);
        console.error(`${submitted.state} (run ${submitted.runId ?? '?'})`);
        if (opts.wait) console.log(JSON.stringify(await submitted.handle.result(), null, 2));
        await submitted.handle.client.connection.close();
      }),
    );
}
