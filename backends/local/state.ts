import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../store/files.ts';

/** What a restarted worker needs to find, adopt or stop a server it did not spawn itself. */
export const ProcessState = z.strictObject({
  id: z.string(),
  pid: z.int().positive(),
  port: z.int().positive(),
  spec_hash: z.string(),
  workflow_id: z.string(),
  run_id: z.string(),
  model: z.string(),
  log_path: z.string(),
  started_at: z.string(),
});
export type ProcessState = z.infer<typeof ProcessState>;

function statePath(dir: string, id: string): string {
  return join(dir, `${id}.json`);
}

export async function readState(dir: string, id: string): Promise<ProcessState | null> {
  let text: string;
  try {
    text = await readFile(statePath(dir, id), 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = ProcessState.safeParse(json);
  // A file we cannot read is one we did not write: leave the process it may name alone.
  return parsed.success ? parsed.data : null;
}

export async function writeState(dir: string, state: ProcessState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(statePath(dir, state.id), state);
}

export async function removeState(dir: string, id: string): Promise<void> {
  await rm(statePath(dir, id), { force: true });
}

export async function listStates(dir: string): Promise<ProcessState[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const states = await Promise.all(names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => readState(dir, n.slice(0, -'.json'.length))));
  return states.filter((s): s is ProcessState => s !== null);
}

/**
 * Whether pid still runs the server the state file describes. Pids are reused after a reboot or a
 * long time, so on Linux the command line must still carry the server's port.
 */
export async function runsServer(state: ProcessState): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${state.pid}/cmdline`, 'utf8');
  } catch {
    // No /proc (not Linux) or no such process: the caller's liveness check decides.
    return true;
  }
  return cmdline.split('\0').includes(String(state.port));
}
