import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_PATHS as P } from '../../../simulator/constants.ts';
import { parseProcessArgs, SimulatorUsageError, USAGE_EXIT_CODE } from '../../../simulator/main.ts';

const MAIN = resolve(import.meta.dirname, '../../../simulator/main.ts');

let dir = '';
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evalflow-sim-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.resume();
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, exited };
}

async function readReady(path: string): Promise<{ port: number; pid: number }> {
  await expect.poll(async () => readFile(path, 'utf8').catch(() => ''), { timeout: 15_000, interval: 50 }).not.toBe('');
  return JSON.parse(await readFile(path, 'utf8')) as { port: number; pid: number };
}

describe('standalone process', () => {
  it('writes the ready file, prints it, serves, and stops on SIGTERM', async () => {
    const readyFile = join(dir, 'ready.json');
    const { child, stdout, exited } = run(['--port', '0', '--model', 'proc-model', '--ready-file', readyFile, '--options', JSON.stringify({ startup_delay_s: 0, itl_ms: 1 })]);
    const ready = await readReady(readyFile);
    expect(ready.pid).toBe(child.pid);
    expect(ready.port).toBeGreaterThan(0);
    await expect.poll(() => stdout()).toContain('}');
    expect(JSON.parse(stdout().trim())).toEqual(ready);
    const base = `http://127.0.0.1:${ready.port}`;
    expect((await fetch(`${base}${P.health}`)).status).toBe(200);
    const models = (await (await fetch(`${base}${P.models}`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe('proc-model');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('reads YAML options and exits when crash_after_requests fires', async () => {
    const readyFile = join(dir, 'ready.json');
    const optionsFile = join(dir, 'sim.yaml');
    await writeFile(optionsFile, 'startup_delay_s: 0\nfaults:\n  crash_after_requests: 1\n');
    const { exited } = run(['--port', '0', '--options-file', optionsFile, '--ready-file', readyFile]);
    const { port } = await readReady(readyFile);
    await expect(fetch(`http://127.0.0.1:${port}${P.completions}`, { method: 'POST', body: '{"prompt":"a"}' })).rejects.toThrow();
    expect(await exited).toBe(1);
  });

  it('exits after deadline_s', async () => {
    const { exited } = run(['--options', JSON.stringify({ startup_delay_s: 0, deadline_s: 0.5 })]);
    expect(await exited).toBe(0);
  });

  it('bad options exit with the usage code', async () => {
    const { exited } = run(['--options', '{"itl_ms": -1}']);
    expect(await exited).toBe(USAGE_EXIT_CODE);
  });
});

describe('parseProcessArgs', () => {
  it('defaults to a free port on localhost and default options', async () => {
    const args = await parseProcessArgs([]);
    expect(args).toMatchObject({ port: 0, host: '127.0.0.1', readyFile: null });
    expect(args.options.max_num_seqs).toBe(64);
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--bogus']],
    [['--options', '{', '--options-file', 'a.json']],
    [['--options', '{not json']],
    [['--options', '{"unknown_key": 1}']],
  ])('rejects %j', async (argv) => {
    await expect(parseProcessArgs(argv)).rejects.toBeInstanceOf(SimulatorUsageError);
  });
});
