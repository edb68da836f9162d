import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE } from '../common/constants.ts';
import { devServerArgs, findTemporalBinary, freePort, INSTALL_HINT } from '../client/dev-server.ts';
import { trackChild } from './children.ts';

/**
 * A Temporal dev server that can be SIGKILLed and started again on the same port and SQLite file.
 * client/dev-server.ts only stops gracefully (SIGTERM first); a crash needs the process itself.
 */
export class KillableTemporal {
  readonly port: number;
  readonly dbFile: string;
  readonly logFile: string;
  #child: ChildProcess | null = null;
  /** How many times it was started: 1 after start(), 2 after one restart. */
  starts = 0;

  private constructor(port: number, dbFile: string, logFile: string) {
    this.port = port;
    this.dbFile = dbFile;
    this.logFile = logFile;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  static async start(dbFile: string, logFile: string, timeoutMs = 60_000): Promise<KillableTemporal> {
    const server = new KillableTemporal(await freePort(), dbFile, logFile);
    await server.launch(timeoutMs);
    return server;
  }

  /** Starts the server process (again) and waits until its frontend answers. */
  async launch(timeoutMs = 60_000): Promise<void> {
    const binary = findTemporalBinary();
    if (binary === null) throw new Error(INSTALL_HINT);
    const log = await open(this.logFile, 'a');
    const child = spawn(binary, devServerArgs(this.port, null, this.dbFile), { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    trackChild(child);
    this.#child = child;
    this.starts += 1;
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`temporal dev server exited (${child.exitCode ?? child.signalCode}); log: ${this.logFile}`);
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: DEFAULT_NAMESPACE });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        last = err;
        await sleep(200);
      }
    }
    child.kill('SIGKILL');
    throw new Error(`temporal dev server did not answer on ${this.address}: ${String(last)}; log: ${this.logFile}`);
  }

  /** SIGKILL, as a crashed host would: no shutdown, only what SQLite had committed survives. Resolves once it is gone. */
  async crash(): Promise<void> {
    await this.#signal('SIGKILL', 10_000);
  }

  /** Graceful stop, then SIGKILL after 5 s. Idempotent. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM', 5000);
    await this.#signal('SIGKILL', 5000);
  }

  async #signal(signal: NodeJS.Signals, waitMs: number): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await Promise.race([exited, sleep(waitMs)]);
  }
}
