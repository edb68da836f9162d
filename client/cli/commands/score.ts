import type { Command } from 'commander';
import { Argument } from 'commander';
import { rescoreFile } from '../../../benchmarks/rescore.ts';
import { cliAction } from '../action.ts';

export function configureScoreCommand(program: Command): void {
  program
    .command('score')
    .description('re-score a JSONL of {id, response, reference} lines with the current scorer; prints the metrics as JSON')
    .addArgument(new Argument('<benchmark>').choices(['gsm8k', 'math', 'routerbench']))
    .requiredOption('--input <file>', 'JSONL with id, response, reference')
    .requiredOption('--output <file>', 'JSONL written with extracted, gold, correct, ambiguity_reason')
    .action(
      cliAction(async (benchmark: 'gsm8k' | 'math' | 'routerbench', opts: { input: string; output: string }) => {
        const metrics = await rescoreFile(benchmark, opts.input, opts.output);
        console.log(JSON.stringify(metrics, null, 2));
      }),
    );
}
