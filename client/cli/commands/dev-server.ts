import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { devServerArgs, findTemporalBinary, INSTALL_HINT } from '../../dev-server.ts';
import { DEV_SERVER_PORT, DEV_SERVER_UI_PORT } from '../../../common/constants.ts';
import { EvalflowError } from '../../../common/errors.ts';
import { cliAction } from '../action.ts';

export function configureDevServerCommand(program: Command): void {
  program
    .command('dev-server')
    .description('run a persistent Temporal dev server in the foreground with the web UI and evalflow search attributes (what temporal-dev.sh runs)')
    .option('--port <n>', 'gRPC port', String(DEV_SERVER_PORT))
    .option('--ui-port <n>', 'web UI port', String(DEV_SERVER_UI_PORT))
    .option('--db <file>', 'SQLite file that keeps workflows across restarts', '.evalflow/temporal-dev.db')
    .action(
      cliAction(async (opts: { port: string; uiPort: string; db: string }) => {
        const binary = findTemporalBinary();
        if (!binary) throw new EvalflowError('config_invalid', INSTALL_HINT);
        await mkdir(dirname(opts.db), { recursive: true });
        const args = devServerArgs(Number(opts.port), Number(opts.uiPort), opts.db).map((a) => (a === '127.0.0.1' ? '0.0.0.0' : a));
        console.error(`temporal ${args.join(' ')}\nweb UI: http://localhost:${opts.uiPort}`);
        const child = spawn(binary, args, { stdio: 'inherit' });
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        process.exitCode = code ?? 1;
      }),
    );
}
