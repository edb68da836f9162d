/**
 * GPU telemetry as sampled during a step, and the hardware summary computed from it (pure).
 * The summary's keys follow seed 001's "hardware" block where the meaning is the same.
 */
import { z } from 'zod';

/** One GPU at one instant. */
export const GpuReading = z.object({
  /** Stable id: the UUID where the source gives one, else the index. */
  gpu: z.string(),
  name: z.string().nullable(),
  power_w: z.number().nullable(),
  /** MiB, as nvidia-smi and DCGM report framebuffer memory. */
  memory_used_mb: z.number().nullable(),
  memory_total_mb: z.number().nullable(),
  /** The driver's energy counter (mJ since it loaded): exact where present, so preferred to integrating power. */
  energy_mj: z.number().nullable(),
});
export type GpuReading = z.infer<typeof GpuReading>;

export const GpuSample = z.object({
  /** Epoch ms. */
  t_ms: z.number(),
  gpus: z.array(GpuReading),
});
export type GpuSample = z.infer<typeof GpuSample>;

/** One sampling session: a step attempt (a retried step adds another, so energy spent on a lost attempt still counts). */
export const GpuSamplingAttempt = z.object({
  source: z.string(),
  interval_s: z.number(),
  samples: z.array(GpuSample),
  failures: z.array(z.object({ t_ms: z.number(), error: z.string() })),
});
export type GpuSamplingAttempt = z.infer<typeof GpuSamplingAttempt>;

export type EnergyMethod = 'energy_counter' | 'power_trapezoid' | 'mixed';

export interface HardwareSummary {
  /** Where the samples came from ("nvidia-smi", "dcgm-exporter 10.0.3.7:9400"), null when nothing was sampled. */
  source: string | null;
  gpu_name: string | null;
  gpu_count: number;
  gpu_vram_total_gb: number | null;
  /** Highest memory in use on the server's GPUs at one instant (summed over them); vLLM reserves its KV cache up front. */
  gpu_vram_peak_used_gb: number | null;
  gpu_energy_wh: number | null;
  gpu_avg_power_watts: number | null;
  /** Highest total power of the server's GPUs at one sample. */
  gpu_peak_power_watts: number | null;
  energy_method: EnergyMethod | null;
  /** Seconds between the first and last sample of each attempt, summed. */
  sampled_s: number;
  samples: number;
  failed_samples: number;
  /** Why there are no figures (no GPU, sampling off, exporter not found); null when there are. */
  unavailable: string | null;
}

const MIB_PER_GB = 1024;
const MJ_PER_WH = 3_600_000;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function sumOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

function maxOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** Each GPU's readings in time order. */
function seriesByGpu(samples: readonly GpuSample[]): Map<string, { t_ms: number; r: GpuReading }[]> {
  const series = new Map<string, { t_ms: number; r: GpuReading }[]>();
  for (const s of [...samples].sort((a, b) => a.t_ms - b.t_ms)) {
    for (const r of s.gpus) {
      const list = series.get(r.gpu) ?? [];
      list.push({ t_ms: s.t_ms, r });
      series.set(r.gpu, list);
    }
  }
  return series;
}

function isNonDecreasing(values: (number | null)[]): values is number[] {
  return values.every((v, i) => v !== null && (i === 0 || v >= values[i - 1]!));
}

/** One GPU's energy in mJ over a series: the counter's rise when every reading has one, else the trapezoid rule over power. */
export function gpuEnergyMj(series: readonly { t_ms: number; r: GpuReading }[]): { mj: number; method: 'energy_counter' | 'power_trapezoid' } | null {
  if (series.length < 2) return null;
  const counters = series.map((p) => p.r.energy_mj);
  // A counter that goes backwards was reset (driver reload): integrate power instead.
  if (isNonDecreasing(counters)) return { mj: counters[counters.length - 1]! - counters[0]!, method: 'energy_counter' };
  let joules = 0;
  let pairs = 0;
  for (let i = 1; i < series.length; i++) {
    const a = series[i - 1]!;
    const b = series[i]!;
    if (a.r.power_w === null || b.r.power_w === null) continue;
    joules += ((a.r.power_w + b.r.power_w) / 2) * ((b.t_ms - a.t_ms) / 1000);
    pairs += 1;
  }
  return pairs === 0 ? null : { mj: joules * 1000, method: 'power_trapezoid' };
}

/** The summary run_meta.json records, over every attempt of a step (or every step of a run folder). */
export function summarizeGpuTelemetry(attempts: readonly GpuSamplingAttempt[], unavailable: string | null = null): HardwareSummary {
  const samples = attempts.flatMap((a) => a.samples);
  const failed = attempts.reduce((n, a) => n + a.failures.length, 0);
  const gpuIds = new Set(samples.flatMap((s) => s.gpus.map((g) => g.gpu)));
  const empty: HardwareSummary = {
    source: attempts.find((a) => a.samples.length > 0)?.source ?? null,
    gpu_name: null,
    gpu_count: gpuIds.size,
    gpu_vram_total_gb: null,
    gpu_vram_peak_used_gb: null,
    gpu_energy_wh: null,
    gpu_avg_power_watts: null,
    gpu_peak_power_watts: null,
    energy_method: null,
    sampled_s: 0,
    samples: samples.length,
    failed_samples: failed,
    unavailable: samples.length === 0 ? (unavailable ?? (failed > 0 ? attempts.flatMap((a) => a.failures).at(-1)!.error : 'no GPU samples')) : null,
  };
  if (samples.length === 0) return empty;

  let energyMj: number | null = null;
  const methods = new Set<'energy_counter' | 'power_trapezoid'>();
  let sampledMs = 0;
  for (const attempt of attempts) {
    const times = attempt.samples.map((s) => s.t_ms);
    if (times.length > 1) sampledMs += Math.max(...times) - Math.min(...times);
    for (const series of seriesByGpu(attempt.samples).values()) {
      const e = gpuEnergyMj(series);
      if (e === null) continue;
      energyMj = (energyMj ?? 0) + e.mj;
      methods.add(e.method);
    }
  }
  const latestByGpu = new Map(samples.flatMap((s) => s.gpus.map((g) => [g.gpu, g] as const)));
  const names = [...new Set([...latestByGpu.values()].map((g) => g.name).filter((n): n is string => n !== null))];
  const totalMb = sumOrNull([...latestByGpu.values()].map((g) => g.memory_total_mb));
  const peakUsedMb = maxOrNull(samples.map((s) => sumOrNull(s.gpus.map((g) => g.memory_used_mb))));
  const peakPower = maxOrNull(samples.map((s) => sumOrNull(s.gpus.map((g) => g.power_w))));
  const sampledS = sampledMs / 1000;
  return {
    ...empty,
    gpu_name: names.length === 0 ? null : names.join(' + '),
    gpu_vram_total_gb: totalMb === null ? null : round(totalMb / MIB_PER_GB, 2),
    gpu_vram_peak_used_gb: peakUsedMb === null ? null : round(peakUsedMb / MIB_PER_GB, 2),
    gpu_energy_wh: energyMj === null ? null : round(energyMj / MJ_PER_WH, 4),
    gpu_avg_power_watts: energyMj === null || sampledS === 0 ? null : round(energyMj / 1000 / sampledS, 1),
    gpu_peak_power_watts: peakPower === null ? null : round(peakPower, 1),
    energy_method: methods.size === 0 ? null : methods.size === 2 ? 'mixed' : [...methods][0]!,
    sampled_s: round(sampledS, 3),
  };
}
