#!/usr/bin/env node
/**
 * A stand-in `vllm` executable for the local backend's tests: `fake-vllm.ts serve --model M --port P ...`
 * starts the vLLM simulator on that port. FAKE_VLLM_BEHAVIOR picks a failure:
 *   healthy (default) | crash (exit 1 after logging a traceback) | never_ready (listens, /health never 200)
 *   | ignore_sigterm (needs SIGKILL to stop)
 * FAKE_VLLM_CHILD_PID_FILE: spawn a child in the same process group (like a TP worker) and write its pid there.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseServeArgs, startSimulatedModel } from './model-server.ts';
import { fakeVllmLog } from './vllm-log.ts';

const [subcommand, ...args] = process.argv.slice(2);
if (subcommand !== 'serve') {
  console.error(`usage: vllm serve [args]; got ${subcommand ?? 'nothing'}`);
  process.exit(2);
}
const serve = parseServeArgs(args);
const behavior = process.env.FAKE_VLLM_BEHAVIOR ?? 'healthy';
for (const line of fakeVllmLog.starting(serve.model, serve.port, args)) console.log(line);
// Names only, never values: lets tests check what the backend passed through.
console.log(`environment: ${Object.keys(process.env).sort().join(',')}`);

const childPidFile = process.env.FAKE_VLLM_CHILD_PID_FILE;
if (childPidFile) {
  const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(childPidFile, String(worker.pid));
}

if (behavior === 'crash') {
  setTimeout(() => {
    for (const line of fakeVllmLog.crash()) console.error(line);
    process.exit(1);
  }, 100);
} else if (behavior === 'never_ready') {
  createServer((_req, res) => {
    res.writeHead(503);
    res.end();
  }).listen(serve.port, serve.host);
} else {
  const server = await startSimulatedModel({ model: serve.servedModelName, overrides: {}, host: serve.host, port: serve.port });
  for (const line of fakeVllmLog.ready()) console.log(line);
  if (behavior !== 'ignore_sigterm') {
    process.on('SIGTERM', () => {
      console.log('INFO:     Shutting down');
      void server.close().then(() => process.exit(0));
    });
  }
}
if (behavior === 'ignore_sigterm') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
