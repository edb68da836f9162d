import type { ChildProcess } from 'node:child_process';

/** Every process the chaos runner started (Temporal, workers) that has not exited yet. */
const live = new Set<ChildProcess>();
let stopping = false;

/** True once killAllChildren ran: nothing should be started again. */
export function shuttingDown(): boolean {
  return stopping;
}

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** SIGKILLs whatever is still running: the last resort when the runner itself exits or is interrupted. Synchronous, for process.on('exit'). */
export function killAllChildren(): number {
  stopping = true;
  let n = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) n += 1;
  }
  return n;
}
