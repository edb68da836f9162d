import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process (or process group, with a negative pid) exists: signal 0 checks without killing. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the whole process group, wait up to graceMs, then SIGKILL. Already gone is success. */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  if (!isAlive(-pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(-pid)) return;
    await sleep(50);
  }
  signal('SIGKILL');
}
