import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { shuttingDown, trackChild } from './children.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface WorkerPoolOptions {
  /** Temporal frontend, host:port (read at each start: it survives a server restart on the same port). */
  address: () => string;
  taskQueue: string;
  bundlePath: string;
  datasetCacheDir: string;
  /** stdout and stderr of every worker go here, appended. */
  logFile: string;
}

/**
 * Worker processes for one scenario. A worker that dies on its own (not killed here) is started again,
 * as a Deployment would; one killed through kill() stays dead until start() is called.
 */
export class WorkerPool {
  readonly #opts: WorkerPoolOptions;
  readonly #live = new Set<ChildProcess>();
  readonly #intended = new WeakSet<ChildProcess>();
  #closed = false;
  /** Workers started, and workers that exited without being asked to. */
  started = 0;
  unexpectedExits = 0;

  constructor(opts: WorkerPoolOptions) {
    this.#opts = opts;
  }

  get live(): number {
    return this.#live.size;
  }

  /** Starts one worker and resolves once it polls. */
  async start(): Promise<ChildProcess> {
    const log = await open(this.#opts.logFile, 'a');
    const child = spawn(process.execPath, [WORKER_ENTRY, this.#opts.address(), this.#opts.taskQueue, this.#opts.bundlePath], {
      stdio: ['ignore', 'pipe', log.fd],
      env: { ...process.env, EVALFLOW_DATASET_CACHE: this.#opts.datasetCacheDir },
    });
    await log.close();
    trackChild(child);
    this.started += 1;
    this.#live.add(child);
    child.once('exit', (code, signal) => {
      this.#live.delete(child);
      if (this.#closed || shuttingDown() || this.#intended.has(child)) return;
      this.unexpectedExits += 1;
      console.error(`  worker ${child.pid ?? '?'} exited on its own (${code ?? signal}); starting another`);
      void sleep(1000).then(() => (this.#closed || shuttingDown() ? undefined : this.start().catch((err: unknown) => console.error(`  worker restart failed: ${String(err)}`))));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${child.pid ?? '?'} not ready in ${READY_TIMEOUT_MS / 1000} s (log: ${this.#opts.logFile})`)), READY_TIMEOUT_MS);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('worker ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`worker exited before it was ready (${code ?? signal}); log: ${this.#opts.logFile}`));
      });
    });
    return child;
  }

  /** Kills every live worker with `signal` (SIGKILL: a crash; nothing runs in them after this). Resolves when they are gone. */
  async kill(signal: NodeJS.Signals): Promise<number> {
    const victims = [...this.#live];
    await Promise.all(victims.map((child) => stopChild(child, signal, this.#intended)));
    return victims.length;
  }

  /** Stops everything for good: SIGTERM (a graceful shutdown), SIGKILL after 10 s. */
  async close(): Promise<void> {
    this.#closed = true;
    const victims = [...this.#live];
    await Promise.all(
      victims.map(async (child) => {
        await stopChild(child, 'SIGTERM', this.#intended, 10_000);
        await stopChild(child, 'SIGKILL', this.#intended);
      }),
    );
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, intended: WeakSet<ChildProcess>, waitMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  intended.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await Promise.race([exited, sleep(waitMs)]);
}
