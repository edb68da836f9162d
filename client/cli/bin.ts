#!/usr/bin/env node
import { Command } from 'commander';
import { configureRunCommand } from './commands/run.ts';
import { configureSubmitCommand } from './commands/submit.ts';
import { configureStatusCommand } from './commands/status.ts';
import { configureWorkerCommand } from './commands/worker.ts';
import { configureSimCommand } from './commands/sim.ts';
import { configureScoreCommand } from './commands/score.ts';
import { configureDevServerCommand } from './commands/dev-server.ts';
import { configureRunsCommand } from './commands/runs.ts';
import { configureReportCommand } from './commands/report.ts';
import { configureScheduleCommand } from './commands/schedule.ts';
import { configureGcCommand } from './commands/gc.ts';

const program = new Command('evalflow')
  .description('Durable LLM serving-and-evaluation suites on Temporal')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

for (const configure of [configureRunCommand, configureSubmitCommand, configureStatusCommand, configureWorkerCommand, configureSimCommand, configureScoreCommand, configureDevServerCommand, configureReportCommand, configureScheduleCommand, configureRunsCommand, configureGcCommand]) {
  configure(program);
}

await program.parseAsync(process.argv);
