/**
 * Load-generator benchmark: how fast and how precisely the client drives a
 * server, measured against the simulator on loopback.
 *
 *   npm run bench:loadgen        (node bench/loadgen.ts; about a minute)
 *
 * The simulator runs in a separate process (simulator/main.ts) so it does not
 * share the client's event loop; its own per-request records come from
 * GET /admin/requests. Phases:
 *  1. warmup (JIT, connections), not reported;
 *  2. spin check: the same rate with and without the last-millisecond spin in
 *     the timer loop (loadgen/run.ts spinMs), to show whether it earns its CPU;
 *  3. rate sweep with short streamed outputs, stepping up until a rate is not
 *     clean (achieved within 1% of target, self-check ok, no failures);
 *  4. client TTFT overhead at 256 concurrent streams: client TTFT
 *     (firstTokenMs − sentMs) minus server TTFT (firstTokenMs − arrivalMs),
 *     matched by x-request-id.
 * Prints a table, then one JSON line with the figures.
 */
import { spawn } from 'node:child_process';
import { channel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { z } from 'zod';
import { createPromptSet } from '../loadgen/prompts.ts';
import type { RequestRecord, Sender } from '../loadgen/record.ts';
import { computeMetrics } from '../loadgen/report.ts';
import { runLoad } from '../loadgen/run.ts';
import type { RunLoadResult } from '../loadgen/run.ts';
import { arrivalOffsetsMs } from '../loadgen/schedule.ts';
import { createSender } from '../loadgen/sender.ts';
import { percentile } from '../stats/percentile.ts';

const MODEL = 'bench-model';
/** A fast, uncongested server for the rate sweep: the client is what is being measured. */
const FAST_SIM = {
  startup_delay_s: 0,
  ttft_base_ms: 2,
  ttft_per_prompt_token_ms: 0,
  itl_ms: 2,
  itl_jitter: 0,
  load_factor: 1,
  max_num_seqs: 4096,
  max_waiting: 100_000,
  seed: 0,
  deadline_s: 240, // the simulator exits on its own if this script dies
};
/**
 * For the overhead phase: a realistic decode pace (70B on H100, TP8: ITL 18–28 ms,
 * load-generation.md §13). 256 streams at 2 ms ITL would be 128k chunks/s, a
 * measure of CPU saturation, not of the client's added latency.
 */
const REALISTIC_SIM = { ...FAST_SIM, ttft_base_ms: 20, itl_ms: 20 };
const SHORT = { kind: 'random' as const, input_len: 16, output_len: 8, range_ratio: 0 };
const LONG = { kind: 'random' as const, input_len: 16, output_len: 32, range_ratio: 0 };
/** Output lengths spread over 4..60 tokens so the streams do not finish (and restart) in lockstep. */
const LONG_STAGGERED = { ...LONG, range_ratio: 0.9 };
const SWEEP_RATES = [250, 500, 1000, 1500, 2000, 2500, 3000, 4000];
const STAGE_S = 4;
const OVERHEAD_CONCURRENCY = 256;
const OVERHEAD_REQUESTS = OVERHEAD_CONCURRENCY * 3;
/** Mean stream life at the realistic pace: TTFT 20 ms + ~31 gaps of 20 ms (32 tokens on average). */
const MEAN_STREAM_S = 0.02 + 31 * 0.02;
const STEADY_S = 5;

interface Overhead {
  p50: number | null;
  p99: number | null;
  matched: number;
  peak: number;
  sendP50: number | null;
}

/** Client TTFT minus the simulator's recorded TTFT, matched by request id; requests sent before `skipMs` are left out. */
async function overheadOf(url: string, run: { records: RequestRecord[]; startMs: number }, skipMs = 0): Promise<Overhead> {
  const server = new Map((await serverRecords(url)).map((r) => [r.id, r]));
  const overheads: number[] = [];
  const sendDelays: number[] = [];
  for (const r of run.records) {
    const s = server.get(r.id);
    if (r.sentMs - run.startMs < skipMs) continue;
    if (r.error !== null || r.firstTokenMs === null || s === undefined || s.firstTokenMs === null) continue;
    overheads.push(r.firstTokenMs - r.sentMs - (s.firstTokenMs - s.arrivalMs));
    const written = headersWrittenMs.get(r.id);
    if (written !== undefined) sendDelays.push(written - r.sentMs);
  }
  const m = computeMetrics(run.records, { startMs: run.startMs });
  return { p50: percentile(overheads, 50), p99: percentile(overheads, 99), matched: overheads.length, peak: m.max_concurrent_requests, sendP50: percentile(sendDelays, 50) };
}
/** Hard stop for the whole run (the sweep ends early when time runs short). */
const BUDGET_S = 110;

/**
 * When undici actually wrote each request's headers, by x-request-id: splits the
 * overhead into the client's send delay (undici 8 writes on a reused socket one
 * event-loop turn later, after validating it is still idle) and the rest.
 */
const headersWrittenMs = new Map<string, number>();
channel('undici:client:sendHeaders').subscribe((message) => {
  const headers = (message as { headers?: unknown }).headers;
  if (typeof headers !== 'string') return;
  const at = headers.indexOf('x-request-id: ');
  if (at === -1) return;
  headersWrittenMs.set(headers.slice(at + 14, headers.indexOf('\r\n', at)), performance.now());
});

const ServerRecords = z.object({
  requests: z.array(z.object({ id: z.string(), arrivalMs: z.number(), firstTokenMs: z.number().nullable() })),
});

interface Simulator {
  url: string;
  stop(): Promise<void>;
}

async function startSimulatorProcess(options: typeof FAST_SIM): Promise<Simulator> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-loadgen-'));
  const readyFile = join(dir, 'ready.json');
  const child = spawn(process.execPath, ['simulator/main.ts', '--port', '0', '--model', MODEL, '--options', JSON.stringify(options), '--ready-file', readyFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) break;
    const text = await readFile(readyFile, 'utf8').catch(() => null);
    if (text !== null) {
      const { port } = z.object({ port: z.number() }).parse(JSON.parse(text));
      const url = `http://127.0.0.1:${port}`;
      for (;;) {
        const res = await request(`${url}/health`).catch(() => null);
        if (res) await res.body.dump();
        if (res?.statusCode === 200) return { url, stop };
        if (performance.now() > deadline) break;
        await sleep(50);
      }
    }
    await sleep(50);
  }
  await stop();
  throw new Error('the simulator did not become ready within 30 s (is simulator/main.ts there?)');
}

async function resetServerRecords(url: string): Promise<void> {
  const res = await request(`${url}/admin/reset-requests`, { method: 'POST' });
  await res.body.dump();
}

async function serverRecords(url: string): Promise<z.infer<typeof ServerRecords>['requests']> {
  const res = await request(`${url}/admin/requests`);
  return ServerRecords.parse(await res.body.json()).requests;
}

interface Phase {
  result: RunLoadResult;
  cpuMs: number;
}

/** One stage, with the client's CPU time (user + system) spent on it. */
async function phase(sender: Sender, stage: string, rate: number, durationS: number, opts: { spinMs?: number; maxConcurrency?: number; count?: number; long?: boolean; staggered?: boolean } = {}): Promise<Phase> {
  const count = opts.count ?? Math.round(rate * durationS);
  const offsets = Number.isFinite(rate) ? arrivalOffsetsMs({ rate, count, arrival: 'poisson', burstiness: 1, seed: 1 }) : new Float64Array(count);
  const source = opts.staggered ? LONG_STAGGERED : opts.long ? LONG : SHORT;
  const requests = createPromptSet({ source, endpoint: 'completions', count, seed: 0, stage });
  const cpu0 = process.cpuUsage();
  const result = await runLoad({ sender, requests, offsetsMs: offsets, stage, maxConcurrency: opts.maxConcurrency ?? null, ...(opts.spinMs !== undefined ? { spinMs: opts.spinMs } : {}) });
  const cpu = process.cpuUsage(cpu0);
  return { result, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function failedCount(records: readonly RequestRecord[]): number {
  return records.filter((r) => r.error !== null).length;
}

/** Cumulative CPU jiffies from /proc/stat (Linux): all, and steal (time the hypervisor ran other guests). */
function cpuJiffies(): { total: number; steal: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * Share of CPU time stolen by the hypervisor since `from`: on a shared VM, figures from a run
 * with much steal are noise, not the client (both processes stall for milliseconds at a time).
 */
function stealSince(from: { total: number; steal: number } | null): number | null {
  const now = cpuJiffies();
  if (from === null || now === null || now.total === from.total) return null;
  return (now.steal - from.steal) / (now.total - from.total);
}

const f = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));

async function main(): Promise<void> {
  const t0 = performance.now();
  const jiffies0 = cpuJiffies();
  const elapsedS = (): number => (performance.now() - t0) / 1000;
  const sim = await startSimulatorProcess(FAST_SIM);
  const sender = createSender({ baseUrl: sim.url, model: MODEL, maxConnections: 4096, requestTimeoutMs: 30_000 });
  let summary: Record<string, unknown>;
  try {
    console.log(`loadgen bench: simulator at ${sim.url}; ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    await phase(sender, 'warmup', 500, 2);

    // Spin check: same rate, spin on and off.
    const spin: Record<string, { lag_p50_ms: number | null; lag_p99_ms: number | null; cpu_ms_per_request: number }> = {};
    for (const spinMs of [0, 1]) {
      const { result, cpuMs } = await phase(sender, `spin_${spinMs}`, 500, 3, { spinMs });
      spin[`spin_${spinMs}ms`] = { lag_p50_ms: result.selfCheck.schedule_lag_p50_ms, lag_p99_ms: result.selfCheck.schedule_lag_p99_ms, cpu_ms_per_request: cpuMs / result.records.length };
    }
    console.log('\nSpin check at 500 req/s (schedule lag = actual − scheduled send):');
    for (const [name, s] of Object.entries(spin)) console.log(`  ${name.padEnd(10)} lag p50 ${f(s.lag_p50_ms, 3)} ms  p99 ${f(s.lag_p99_ms, 3)} ms  cpu ${f(s.cpu_ms_per_request, 3)} ms/req`);

    // Rate sweep.
    console.log('\nRate sweep (poisson, 16-word prompts, 8 streamed tokens):');
    const header = ['target', 'achieved', 'sent', 'failed', 'lag p50', 'lag p99', 'loop p99', 'ttft p50', 'cpu/req', 'clean'];
    console.log(header.map((h) => h.padStart(9)).join(' '));
    let maxSustained: number | null = null;
    let sweepCpuMs = 0;
    let sweepRequests = 0;
    const rows: Record<string, unknown>[] = [];
    for (const rate of SWEEP_RATES) {
      if (elapsedS() + STAGE_S + 20 > BUDGET_S) {
        console.log(`  (time budget: stopping before ${rate} req/s)`);
        break;
      }
      // A rate gets a second try: one stall from a neighbouring process should not end the sweep.
      let attempt = 0;
      let run: Phase;
      let clean: boolean;
      do {
        attempt += 1;
        run = await phase(sender, `rate_${rate}_${attempt}`, rate, STAGE_S);
        const achieved = run.result.selfCheck.achieved_rate_rps ?? 0;
        clean = run.result.selfCheck.ok && failedCount(run.result.records) === 0 && Math.abs(achieved - rate) <= 0.01 * rate;
      } while (!clean && attempt < 2 && elapsedS() + STAGE_S + 20 < BUDGET_S);
      const { result, cpuMs } = run;
      const check = result.selfCheck;
      const failed = failedCount(result.records);
      const m = computeMetrics(result.records, { startMs: result.startMs });
      const achieved = check.achieved_rate_rps ?? 0;
      sweepCpuMs += cpuMs;
      sweepRequests += result.records.length;
      const cpuPer = cpuMs / result.records.length;
      rows.push({ target_rps: rate, attempts: attempt, achieved_rps: achieved, failed, lag_p50_ms: check.schedule_lag_p50_ms, lag_p99_ms: check.schedule_lag_p99_ms, loop_delay_p99_ms: check.event_loop_delay_p99_ms, cpu_ms_per_request: Number(cpuPer.toFixed(4)), clean, reasons: check.reasons });
      console.log(
        [String(rate), f(achieved, 1), String(result.records.length), String(failed), f(check.schedule_lag_p50_ms, 3), f(check.schedule_lag_p99_ms, 3), f(check.event_loop_delay_p99_ms, 2), f(m.ttft_ms.median, 2), f(cpuPer, 3), clean ? 'yes' : 'NO']
          .map((c) => c.padStart(9))
          .join(' '),
      );
      if (!clean) {
        for (const r of check.reasons) console.log(`    ${r}`);
        break;
      }
      maxSustained = rate;
    }

    summary = {
      max_sustained_rps: maxSustained,
      cpu_ms_per_request: sweepRequests > 0 ? Number((sweepCpuMs / sweepRequests).toFixed(4)) : null,
      spin,
      sweep: rows,
    };
  } finally {
    await sender.close();
    await sim.stop();
  }

  // Client TTFT overhead at 256 concurrent streams, against a server with a realistic pace.
  const slow = await startSimulatorProcess(REALISTIC_SIM);
  const overSender = createSender({ baseUrl: slow.url, model: MODEL, maxConnections: OVERHEAD_CONCURRENCY, requestTimeoutMs: 30_000 });
  try {
    await phase(overSender, 'overhead_warmup', Infinity, 0, { maxConcurrency: OVERHEAD_CONCURRENCY, count: OVERHEAD_CONCURRENCY, long: true });
    // Burst: 256 identical streams sent together, so each wave's first tokens land at once (queueing included).
    await resetServerRecords(slow.url);
    const burst = await overheadOf(slow.url, (await phase(overSender, 'overhead_burst', Infinity, 0, { maxConcurrency: OVERHEAD_CONCURRENCY, count: OVERHEAD_REQUESTS, long: true })).result);
    // Steady state: exactly 256 streams in flight (a closed loop), lengths staggered so they finish and restart
    // at different times, the first second left out: the client's own added latency per request.
    await resetServerRecords(slow.url);
    const steadyCount = Math.round((OVERHEAD_CONCURRENCY / MEAN_STREAM_S) * STEADY_S);
    const steady = await overheadOf(slow.url, (await phase(overSender, 'overhead_steady', Infinity, 0, { maxConcurrency: OVERHEAD_CONCURRENCY, count: steadyCount, staggered: true })).result, 1000);
    console.log(`\nClient TTFT overhead (client TTFT − simulator TTFT), ITL ${REALISTIC_SIM.itl_ms} ms:`);
    for (const [name, m] of [['steady, ~256 in flight', steady], ['burst of 256 at once', burst]] as const) {
      console.log(`  ${name.padEnd(24)} p50 ${f(m.p50, 3)} ms  p99 ${f(m.p99, 3)} ms  (${m.matched} requests, peak in flight ${m.peak}; send delay p50 ${f(m.sendP50, 3)} ms)`);
    }

    const steal = stealSince(jiffies0);
    console.log(`\nCPU stolen by the hypervisor during the run: ${steal === null ? 'n/a' : `${(steal * 100).toFixed(1)}%`} (above a few percent, expect noisy tails)`);

    summary = {
      max_sustained_rps: summary.max_sustained_rps,
      client_ttft_overhead_p50_ms: Number(f(steady.p50, 4)),
      client_ttft_overhead_p99_ms: Number(f(steady.p99, 4)),
      ...summary,
      client_send_delay_p50_ms: Number(f(steady.sendP50, 4)),
      overhead_matched: steady.matched,
      overhead_peak_in_flight: steady.peak,
      burst_ttft_overhead_p50_ms: Number(f(burst.p50, 4)),
      burst_ttft_overhead_p99_ms: Number(f(burst.p99, 4)),
      cpus: cpus().length,
      load_average_1m: Number(loadavg()[0]!.toFixed(2)),
      cpu_steal_fraction: steal === null ? null : Number(steal.toFixed(3)),
      duration_s: Number(elapsedS().toFixed(1)),
    };
  } finally {
    await overSender.close();
    await slow.stop();
  }
  console.log(JSON.stringify(summary));
}

await main();
