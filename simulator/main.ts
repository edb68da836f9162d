/**
 * The simulator as a standalone process (evalflow's sim backend spawns it):
 *   node simulator/main.ts --port 0 --model NAME [--options JSON | --options-file f.json|f.yaml] [--ready-file path]
 * Once listening it writes {"port","pid"} to the ready file (atomically) and prints it on stdout.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SimulatorOptions } from '../configs/schema/simulator.ts';
import { writeFileAtomic } from '../store/files.ts';
import { DEFAULT_HOST } from './constants.ts';
import { startSimulator } from './server.ts';

/** Bad flags or options; the process prints it and exits with USAGE_EXIT_CODE. */
export class SimulatorUsageError extends Error {
  override name = 'SimulatorUsageError';
}

export const USAGE_EXIT_CODE = 2;

export interface ProcessArgs {
  port: number;
  host: string;
  model: string;
  options: SimulatorOptions;
  readyFile: string | null;
}

export const DEFAULT_MODEL = 'sim-model';

async function loadOptions(inline: string | undefined, file: string | undefined): Promise<SimulatorOptions> {
  if (inline !== undefined && file !== undefined) throw new SimulatorUsageError('give --options or --options-file, not both');
  let raw: unknown = {};
  try {
    if (inline !== undefined) raw = JSON.parse(inline) as unknown;
    else if (file !== undefined) {
      const text = await readFile(file, 'utf8');
      raw = /\.ya?ml$/i.test(file) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
    }
  } catch (err) {
    throw new SimulatorUsageError(`cannot read simulator options: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = SimulatorOptions.safeParse(raw ?? {});
  if (!parsed.success) throw new SimulatorUsageError(`invalid simulator options:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function parseProcessArgs(argv: string[]): Promise<ProcessArgs> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: DEFAULT_HOST },
        model: { type: 'string', default: DEFAULT_MODEL },
        options: { type: 'string' },
        'options-file': { type: 'string' },
        'ready-file': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new SimulatorUsageError(err instanceof Error ? err.message : String(err));
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new SimulatorUsageError(`--port must be an integer in 0..65535, got ${values.port}`);
  return {
    port,
    host: values.host,
    model: values.model,
    options: await loadOptions(values.options, values['options-file']),
    readyFile: values['ready-file'] ?? null,
  };
}

/**
 * Runs until SIGTERM or SIGINT (graceful close) or until deadline_s, then resolves with the
 * exit status for the caller to use; the crash fault exits the process at once.
 */
export async function runSimulatorProcess(argv: string[]): Promise<number> {
  let args: ProcessArgs;
  try {
    args = await parseProcessArgs(argv);
  } catch (err) {
    if (!(err instanceof SimulatorUsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return USAGE_EXIT_CODE;
  }
  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const handle = await startSimulator({
    options: args.options,
    model: args.model,
    host: args.host,
    port: args.port,
    onCrash: 'exit',
    onDeadline: () => stop(`deadline of ${args.options.deadline_s}s reached`),
  });
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const ready = JSON.stringify({ port: handle.port, pid: process.pid });
  if (args.readyFile !== null) await writeFileAtomic(args.readyFile, `${ready}\n`);
  process.stdout.write(`${ready}\n`);
  const reason = await stopped;
  process.stderr.write(`simulator: ${reason}, closing\n`);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  await handle.close();
  return 0;
}

if (import.meta.main) process.exit(await runSimulatorProcess(process.argv.slice(2)));
