import type { Command } from 'commander';
import { EvalflowError } from '../../../common/errors.ts';
import { classifyFolders } from '../../../reports/load.ts';
import { writeRunReport, writeSweepReport } from '../../../reports/write.ts';
import { cliAction } from '../action.ts';

interface ReportOptions {
  results: string;
  sweep?: string;
  output?: string;
}

export function configureReportCommand(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report with charts: of a run (the latest folders under --results, or the run folders given) or of a sweep (--sweep); prints the path')
    .argument('[folders...]', 'run folders to report instead of the latest of each kind, e.g. results/online/online-20260224T130000Z')
    .option('--results <dir>', 'results root', 'results')
    .option('--sweep <dir>', 'a sweep folder holding scaling_comparison.json; writes sweep_report.html')
    .option('--output <file>', 'where to write (default: report.html in the results root, sweep_report.html in the sweep folder)')
    .action(
      cliAction(async (folders: string[], opts: ReportOptions) => {
        if (opts.sweep && folders.length > 0) throw new EvalflowError('config_invalid', '--sweep reports a sweep folder; run folders cannot be given with it');
        const outFile = opts.output ? { outFile: opts.output } : {};
        const path = opts.sweep
          ? await writeSweepReport(opts.sweep, outFile)
          : await writeRunReport(folders.length > 0 ? await classifyFolders(folders) : opts.results, outFile);
        console.log(path);
      }),
    );
}
