import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dcgmSampler, parseDcgmReadings } from '../../../../backends/gpu-telemetry/dcgm.ts';
import { nvidiaSmiSampler, parseNvidiaSmiSample, queryLocalGpus } from '../../../../backends/gpu-telemetry/nvidia-smi.ts';
import { hardwareOf, recordGpuAttempt } from '../../../../backends/gpu-telemetry/record.ts';
import { startGpuSampling, type GpuSampler } from '../../../../backends/gpu-telemetry/sampler.ts';
import type { GpuReading } from '../../../../backends/gpu-telemetry/readings.ts';
import { FAKE_NVIDIA_SMI } from '../../../support/backend-fixtures.ts';
import { closeServer } from '../../../fakes/net.ts';

const POD = { namespace: 'evalflow', name: 'vllm-abc' };
const labels = (gpu: number, pod: string | null) =>
  `{gpu="${gpu}",UUID="GPU-${gpu}",device="nvidia${gpu}",modelName="NVIDIA H100 80GB HBM3",Hostname="n1"${pod === null ? '' : `,container="vllm",namespace="evalflow",pod="${pod}"`}}`;

const DCGM_TEXT = [
  '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
  '# TYPE DCGM_FI_DEV_POWER_USAGE gauge',
  `DCGM_FI_DEV_POWER_USAGE${labels(0, 'vllm-abc')} 612.5`,
  `DCGM_FI_DEV_POWER_USAGE${labels(1, 'other-pod')} 90`,
  `DCGM_FI_DEV_POWER_USAGE${labels(2, null)} 70`,
  `DCGM_FI_DEV_FB_USED${labels(0, 'vllm-abc')} 73400`,
  `DCGM_FI_DEV_FB_FREE${labels(0, 'vllm-abc')} 8000`,
  `DCGM_FI_DEV_FB_RESERVED${labels(0, 'vllm-abc')} 159`,
  `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION${labels(0, 'vllm-abc')} 123456789`,
  `DCGM_FI_DEV_GPU_UTIL${labels(0, 'vllm-abc')} 97`,
  '',
].join('\n');

describe('DCGM exporter readings', () => {
  it("keeps only the pod's GPUs, with total memory from used + free + reserved and the energy counter", () => {
    expect(parseDcgmReadings(DCGM_TEXT, POD)).toEqual([
      { gpu: 'GPU-0', name: 'NVIDIA H100 80GB HBM3', power_w: 612.5, memory_used_mb: 73400, memory_total_mb: 81559, energy_mj: 123456789 },
    ]);
    expect(parseDcgmReadings(DCGM_TEXT, { namespace: 'elsewhere', name: 'vllm-abc' })).toEqual([]);
  });

  describe('sampler over HTTP', () => {
    let server: Server | null = null;
    afterEach(async () => {
      if (server) await closeServer(server);
      server = null;
    });

    async function serve(status: number, body: string): Promise<string> {
      server = createServer((_req, res) => res.writeHead(status).end(body));
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
    }

    it('reads the exporter, and reports an HTTP error as one', async () => {
      const url = await serve(200, DCGM_TEXT);
      const sampler = dcgmSampler(url, POD, 1);
      expect(sampler.source).toBe(`dcgm-exporter ${url}`);
      expect((await sampler.sample(new AbortController().signal)).map((r) => r.power_w)).toEqual([612.5]);
      await closeServer(server!);
      const failing = await serve(503, 'no');
      await expect(dcgmSampler(failing, POD, 1).sample(new AbortController().signal)).rejects.toThrow('HTTP 503');
    });
  });
});

describe('nvidia-smi readings', () => {
  it('parses the CSV, with [N/A] and [Not Supported] as unknown', () => {
    const text = '0, GPU-aaa, NVIDIA A100-SXM4-80GB, 312.45, 70000, 81920\n1, GPU-bbb, NVIDIA A100-SXM4-80GB, [N/A], [Not Supported], 81920\n\n';
    expect(parseNvidiaSmiSample(text)).toEqual([
      { index: '0', gpu: 'GPU-aaa', name: 'NVIDIA A100-SXM4-80GB', power_w: 312.45, memory_used_mb: 70000, memory_total_mb: 81920, energy_mj: null },
      { index: '1', gpu: 'GPU-bbb', name: 'NVIDIA A100-SXM4-80GB', power_w: null, memory_used_mb: null, memory_total_mb: 81920, energy_mj: null },
    ]);
  });

  it("runs the tool and keeps the server's GPUs: a count, indexes, or UUIDs", async () => {
    const signal = new AbortController().signal;
    const ids = async (gpus: 'all' | number | string[]) => (await nvidiaSmiSampler(FAKE_NVIDIA_SMI, gpus, 1).sample(signal)).map((r) => r.gpu);
    expect(await ids(2)).toEqual(['GPU-fake-0', 'GPU-fake-1']);
    expect(await ids(['3', 'GPU-fake-5'])).toEqual(['GPU-fake-3', 'GPU-fake-5']);
    expect(await ids('all')).toHaveLength(8);
  });

  it("lists this machine's GPUs for run_meta.json", async () => {
    const gpus = await queryLocalGpus(FAKE_NVIDIA_SMI);
    expect(gpus).toHaveLength(8);
    expect(gpus[3]).toEqual({ index: '3', name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 });
  });

  it('reports a missing tool with its name', async () => {
    const sampler = nvidiaSmiSampler('/nonexistent/nvidia-smi', 'all', 1);
    expect(sampler.source).toBe('nvidia-smi (/nonexistent/nvidia-smi)');
    await expect(sampler.sample(new AbortController().signal)).rejects.toThrow('/nonexistent/nvidia-smi failed');
  });
});

describe('sampling a step', () => {
  const reading = (power: number): GpuReading => ({ gpu: 'g0', name: 'G', power_w: power, memory_used_mb: 100, memory_total_mb: 1000, energy_mj: null });

  it('samples until stopped, closes with a last sample, and records failures without stopping', async () => {
    let calls = 0;
    const sampler: GpuSampler = {
      source: 'scripted',
      intervalS: 0.02,
      sample: () => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error('exporter restarting'));
        if (calls === 3) return Promise.resolve([]);
        return Promise.resolve([reading(100 * calls)]);
      },
    };
    const sampling = startGpuSampling(sampler);
    await new Promise((r) => setTimeout(r, 150));
    const attempt = await sampling.stop();
    expect(attempt.failures.map((f) => f.error)).toEqual(['exporter restarting', "scripted reported none of the server's GPUs"]);
    expect(attempt.samples.length).toBe(calls - 2);
    expect(attempt.samples.at(-1)?.gpus[0]?.power_w).toBe(100 * calls);
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(after);
  });
});

describe('a hung GPU source', () => {
  it('delays no step: stop drops the sample in flight and gives the closing one a short deadline', async () => {
    const hung: GpuSampler = {
      source: 'hung',
      intervalS: 0.01,
      sample: (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error(`gave up: ${String(signal.reason)}`)), { once: true })),
    };
    const sampling = startGpuSampling(hung, { finalSampleTimeoutMs: 50 });
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    const attempt = await sampling.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(attempt.samples).toEqual([]);
    // Only the closing sample's timeout is a failure; the in-flight one was ours to cancel.
    expect(attempt.failures).toHaveLength(1);
    expect(attempt.failures[0]?.error).toMatch(/gave up: .*TimeoutError/);
  });
});

describe('telemetry files', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every attempt of a step and sums a run folder over its benchmark folders', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evalflow-telemetry-'));
    const two = (t0: number, power: number) => ({
      source: 'test',
      interval_s: 1,
      failures: [],
      samples: [0, 3600].map((dt) => ({ t_ms: t0 + dt, gpus: [{ gpu: 'g0', name: 'G', power_w: power, memory_used_mb: power, memory_total_mb: 1000, energy_mj: null }] })),
    });
    await recordGpuAttempt(join(dir, 'gsm8k'), two(0, 1000)); // 1 Wh
    await recordGpuAttempt(join(dir, 'gsm8k'), two(10_000, 500)); // a retry: 0.5 Wh more
    await recordGpuAttempt(join(dir, 'math'), two(20_000, 2000)); // 2 Wh
    expect((await hardwareOf(join(dir, 'gsm8k'))).gpu_energy_wh).toBe(1.5);
    const run = await hardwareOf(dir);
    expect(run.gpu_energy_wh).toBe(3.5);
    expect(run.samples).toBe(6);
    expect(run.gpu_vram_peak_used_gb).toBeCloseTo(2000 / 1024, 2);
  });

  it('records why a step had no sampler', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evalflow-telemetry-'));
    expect((await hardwareOf(dir)).unavailable).toBe('not sampled yet');
    await recordGpuAttempt(dir, { unavailable: 'the simulator uses no GPU' });
    expect(await hardwareOf(dir)).toMatchObject({ unavailable: 'the simulator uses no GPU', gpu_energy_wh: null, samples: 0 });
  });
});
