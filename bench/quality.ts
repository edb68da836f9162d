/**
 * Quality-runner benchmark (`npm run bench:quality`): a GSM8K-sized run (1,319 synthetic
 * word problems) through the real undici Sender against the in-process simulator at a fixed
 * capacity, compared with the simulator's theoretical minimum wall time.
 *
 * The ideal: with itl_jitter 0 and load_factor 1 the simulator's service time of request i is
 * exactly s_i = ttft_base + ttft_per_token·P_i + (N_i − 1)·itl (admission to last token;
 * P_i prompt and N_i completion tokens, read back from the server's records). At most
 * max_num_seqs (c) run at once, so no schedule finishes before Σ s_i / c (all slots busy the
 * whole time), nor before max s_i: ideal = max(Σ s_i / c, max s_i), the list-scheduling
 * lower bound. A greedy pool is within max s_i of Σ s_i / c, so a long run makes the gap small.
 * Occupancy = Σ (server's actual admission-to-end time) / (c · wall): the busy fraction of slots.
 *
 * The rest of the wall time: each request's round trip between one reply's end and the next
 * request's admission (a few ms on localhost), the last wave draining, the simulator's timers
 * firing late on a loaded machine, and the start and the files. The default capacity of 16
 * keeps the drain small next to a GSM8K-sized run (1,319 / 16 ≈ 82 requests per slot).
 *
 * Options: --examples N (1319) --capacity C (16) --concurrency K (C) --itl-ms M (12) --few-shot K (2).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { EvalConfig } from '../configs/schema/eval.ts';
import { SimulatorOptions } from '../configs/schema/simulator.ts';
import { gsm8k } from '../benchmarks/gsm8k.ts';
import { runBenchmark } from '../benchmarks/runner.ts';
import type { Example } from '../benchmarks/types.ts';
import { createSender } from '../loadgen/sender.ts';
import { startSimulator } from '../simulator/server.ts';

const NAMES = ['Ada', 'Bo', 'Cyd', 'Dee', 'Eli', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jo', 'Kai', 'Lu', 'Mo', 'Nia', 'Oz', 'Pia'];
const ITEMS = ['marbles', 'stickers', 'pencils', 'shells', 'stamps', 'buttons', 'cards', 'beads'];

/** Synthetic GSM8K-style items (never real ones): a two-step word problem with a worked, annotated solution. */
function syntheticExamples(n: number, seed: number, prefix: string): Example[] {
  const rng = xoroshiro128plus(seed);
  const pick = <T>(xs: readonly T[]): T => xs[uniformInt(rng, 0, xs.length - 1)]!;
  return Array.from({ length: n }, (_, i) => {
    const who = pick(NAMES);
    const item = pick(ITEMS);
    const boxes = uniformInt(rng, 2, 40);
    const each = uniformInt(rng, 2, 60);
    const gave = uniformInt(rng, 1, boxes * each - 1);
    const total = boxes * each;
    const left = total - gave;
    return {
      id: `${prefix}${i}`,
      question: `${who} (case ${prefix}${i}) buys ${boxes} boxes with ${each} ${item} in each box and then gives away ${gave} ${item}. How many ${item} does ${who} have left?`,
      reference: `${who} buys ${boxes} * ${each} = <<${boxes}*${each}=${total}>>${total} ${item}.\nAfter giving some away, ${total} - ${gave} = <<${total}-${gave}=${left}>>${left} are left.\n#### ${left}`,
      meta: {},
    };
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function arg(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min = 1): number {
  const v = values[name];
  const n = typeof v === 'string' ? Number(v) : fallback;
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { examples: { type: 'string' }, capacity: { type: 'string' }, 'itl-ms': { type: 'string' }, 'few-shot': { type: 'string' }, concurrency: { type: 'string' } } });
  const nExamples = arg(values, 'examples', 1319);
  const capacity = arg(values, 'capacity', 16);
  const itlMs = arg(values, 'itl-ms', 12);
  const fewShot = arg(values, 'few-shot', 2, 0);
  const concurrency = arg(values, 'concurrency', capacity);

  const options = SimulatorOptions.parse({ startup_delay_s: 0, itl_ms: itlMs, itl_jitter: 0, load_factor: 1, max_num_seqs: capacity, accuracy: { gsm8k: 0.85 }, seed: 1 });
  const examples = syntheticExamples(nExamples, 1319, 'q');
  const train = syntheticExamples(Math.max(fewShot, 1), 7, 't');
  const sim = await startSimulator({ options, model: 'sim-model', port: 0 });
  sim.setAnswers(examples.map((e) => ({ question: e.question, answer: gsm8k.gold(e.reference).value ?? '', benchmark: 'gsm8k' })));
  const sender = createSender({ baseUrl: sim.url, model: 'sim-model', maxConnections: concurrency, requestTimeoutMs: 60_000 });
  const outDir = await mkdtemp(join(tmpdir(), 'evalflow-bench-quality-'));
  const evalCfg = EvalConfig.parse({
    defaults: { system_prompt: 'Solve the problem. End with a line "#### <number>".', sampling: { max_tokens: 256 } },
    benchmarks: { gsm8k: { dataset: { source: 'local', path: 'synthetic' }, prompt_template: 'Question: {question}\nAnswer:', few_shot: fewShot } },
  });
  try {
    const t0 = performance.now();
    const summary = await runBenchmark({ benchmark: gsm8k, examples, fewShot: train, evalCfg, sender, concurrency, outDir });
    const wallS = (performance.now() - t0) / 1000;

    const records = sim.requests().filter((r) => r.status === 200 && r.admittedMs !== null && r.endMs !== null);
    const service = records.map((r) => options.ttft_base_ms + options.ttft_per_prompt_token_ms * r.promptTokens + (r.completionTokens - 1) * options.itl_ms);
    const serviceSumMs = service.reduce((a, b) => a + b, 0);
    const idealS = Math.max(serviceSumMs / capacity, Math.max(...service)) / 1000;
    // What the simulator really took per request (its timers fire late on a loaded machine), admission to last byte.
    const busyMs = records.reduce((a, r) => a + (r.endMs! - r.admittedMs!), 0);
    const occupancy = busyMs / (capacity * wallS * 1000);
    const startEpoch = performance.timeOrigin + t0;
    const firstArrival = Math.min(...records.map((r) => r.arrivalMs));
    const lastAdmit = Math.max(...records.map((r) => r.admittedMs!));
    const lastEnd = Math.max(...records.map((r) => r.endMs!));
    // Until the last admission every slot could have been busy; after it only the last wave drains.
    const steadyBusy = records.reduce((a, r) => a + Math.max(0, Math.min(r.endMs!, lastAdmit) - r.admittedMs!), 0);
    const steadyOccupancy = steadyBusy / (capacity * (lastAdmit - firstArrival));
    const ratio = wallS / idealS;

    console.log(`quality runner: ${nExamples} synthetic GSM8K-style examples, ${fewShot}-shot chat, concurrency ${concurrency}`);
    console.log(`simulator: max_num_seqs ${capacity}, ttft ${options.ttft_base_ms} ms + ${options.ttft_per_prompt_token_ms} ms/prompt token, itl ${itlMs} ms, jitter 0, load_factor 1`);
    console.log(`ideal    ${idealS.toFixed(3)} s = max(Σ s_i / ${capacity}, max s_i), s_i = ttft(P_i) + (N_i − 1)·itl over ${records.length} requests (mean s_i ${(serviceSumMs / records.length).toFixed(1)} ms)`);
    console.log(`wall     ${wallS.toFixed(3)} s (the runBenchmark call, files included)  ratio ${ratio.toFixed(4)} (goal ≤ 1.05)`);
    console.log(`occupancy ${(occupancy * 100).toFixed(1)}% of ${capacity} slots over the wall time; ${(steadyOccupancy * 100).toFixed(1)}% until the last admission`);
    console.log(`where the rest went: simulator's own lateness ${((busyMs - serviceSumMs) / records.length).toFixed(2)} ms/request (timers on a machine with load ${loadavg()[0]?.toFixed(2)}), start to first arrival ${(firstArrival - startEpoch).toFixed(0)} ms, last token to return ${(startEpoch + wallS * 1000 - lastEnd).toFixed(0)} ms`);
    console.log(`accuracy ${summary.accuracy_pct}% (${summary.correct}/${summary.scorable}, ${summary.unscorable} unscorable; the simulator answers 85% right)`);
    console.log(
      JSON.stringify({
        wall_s: round3(wallS), ideal_s: round3(idealS), ratio: round3(ratio), occupancy: round3(occupancy), steady_occupancy: round3(steadyOccupancy),
        sim_busy_s: round3(busyMs / capacity / 1000), examples: nExamples, capacity, concurrency, itl_ms: itlMs, accuracy_pct: summary.accuracy_pct,
      }),
    );
  } finally {
    await sender.close();
    await sim.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

await main();
