import type { Command } from 'commander';
import { runSimulatorProcess } from '../../../simulator/main.ts';
import { cliAction } from '../action.ts';

export function configureSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the vLLM simulator alone (OpenAI API, /health, /metrics, /version) until interrupted')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'simulator flags: --port N --host H --model NAME --options JSON | --options-file F --ready-file F')
    .action(
      cliAction(async (args: string[]) => {
        process.exitCode = await runSimulatorProcess(args);
      }),
    );
}
