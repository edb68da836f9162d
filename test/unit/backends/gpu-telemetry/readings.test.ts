import { describe, expect, it } from 'vitest';
import { gpuEnergyMj, summarizeGpuTelemetry, type GpuReading, type GpuSamplingAttempt } from '../../../../backends/gpu-telemetry/readings.ts';

function reading(gpu: string, power: number | null, used: number | null, energy: number | null = null): GpuReading {
  return { gpu, name: 'NVIDIA H100 80GB HBM3', power_w: power, memory_used_mb: used, memory_total_mb: 81920, energy_mj: energy };
}

function attempt(samples: [number, GpuReading[]][], failures: { t_ms: number; error: string }[] = []): GpuSamplingAttempt {
  return { source: 'test', interval_s: 1, samples: samples.map(([t_ms, gpus]) => ({ t_ms, gpus })), failures };
}

describe('GPU energy of one series', () => {
  it('integrates power by the trapezoid rule when there is no energy counter', () => {
    // 100 W → 200 W over 1 s (150 J), then 200 W for 2 s (400 J): 550 J = 550,000 mJ.
    const series = [
      { t_ms: 0, r: reading('a', 100, 1) },
      { t_ms: 1000, r: reading('a', 200, 1) },
      { t_ms: 3000, r: reading('a', 200, 1) },
    ];
    expect(gpuEnergyMj(series)).toEqual({ mj: 550_000, method: 'power_trapezoid' });
  });

  it('takes the energy counter rise when every reading has one', () => {
    const series = [
      { t_ms: 0, r: reading('a', 999, 1, 5_000_000) },
      { t_ms: 2000, r: reading('a', 999, 1, 5_700_000) },
    ];
    expect(gpuEnergyMj(series)).toEqual({ mj: 700_000, method: 'energy_counter' });
  });

  it('falls back to power when the counter goes backwards (a driver reload reset it)', () => {
    const series = [
      { t_ms: 0, r: reading('a', 300, 1, 9_000_000) },
      { t_ms: 1000, r: reading('a', 300, 1, 10) },
    ];
    expect(gpuEnergyMj(series)).toEqual({ mj: 300_000, method: 'power_trapezoid' });
  });

  it('skips intervals with an unknown power and gives null with fewer than two readings', () => {
    expect(gpuEnergyMj([{ t_ms: 0, r: reading('a', 100, 1) }])).toBeNull();
    const series = [
      { t_ms: 0, r: reading('a', 100, 1) },
      { t_ms: 1000, r: reading('a', null, 1) },
      { t_ms: 2000, r: reading('a', 100, 1) },
    ];
    expect(gpuEnergyMj(series)).toBeNull();
  });
});

describe('hardware summary', () => {
  it('adds energy over GPUs and attempts, and takes peaks at one instant', () => {
    const first = attempt([
      [0, [reading('g0', 100, 1000), reading('g1', 300, 3000)]],
      [3600, [reading('g0', 100, 2000), reading('g1', 300, 1000)]],
    ]);
    // A retried attempt adds its own energy: the GPUs spent it even if the first attempt's results were lost.
    const second = attempt([
      [10_000, [reading('g0', 200, 500), reading('g1', 200, 500)]],
      [13_600, [reading('g0', 200, 500), reading('g1', 200, 500)]],
    ]);
    const hw = summarizeGpuTelemetry([first, second]);
    // (100 + 300) W × 3.6 s + (200 + 200) W × 3.6 s = 2880 J = 0.8 Wh
    expect(hw.gpu_energy_wh).toBe(0.8);
    expect(hw.sampled_s).toBe(7.2);
    expect(hw.gpu_avg_power_watts).toBe(400);
    expect(hw.gpu_peak_power_watts).toBe(400);
    // 1000 + 3000 at t=0 is the highest sum at one instant (g0's own peak of 2000 came later).
    expect(hw.gpu_vram_peak_used_gb).toBe(3.91);
    expect(hw.gpu_vram_total_gb).toBe(160);
    expect(hw).toMatchObject({ source: 'test', gpu_name: 'NVIDIA H100 80GB HBM3', gpu_count: 2, energy_method: 'power_trapezoid', samples: 4, failed_samples: 0, unavailable: null });
  });

  it('names a mixed method when some GPUs had counters and others did not', () => {
    const hw = summarizeGpuTelemetry([
      attempt([
        [0, [reading('g0', 100, 1, 0), reading('g1', 100, 1)]],
        [1000, [reading('g0', 100, 1, 100_000), reading('g1', 100, 1)]],
      ]),
    ]);
    expect(hw.energy_method).toBe('mixed');
    expect(hw.gpu_energy_wh).toBeCloseTo(200_000 / 3_600_000, 4);
  });

  it('says why there are no figures', () => {
    expect(summarizeGpuTelemetry([], 'the simulator uses no GPU')).toMatchObject({ samples: 0, gpu_energy_wh: null, unavailable: 'the simulator uses no GPU' });
    const failed = summarizeGpuTelemetry([attempt([], [{ t_ms: 1, error: 'nvidia-smi failed: not found' }])]);
    expect(failed).toMatchObject({ samples: 0, failed_samples: 1, unavailable: 'nvidia-smi failed: not found', source: null });
  });

  it('keeps a single sample: memory and power peaks, but no energy', () => {
    const hw = summarizeGpuTelemetry([attempt([[0, [reading('g0', 250, 40_960)]]])]);
    expect(hw).toMatchObject({ gpu_vram_peak_used_gb: 40, gpu_peak_power_watts: 250, gpu_energy_wh: null, gpu_avg_power_watts: null, energy_method: null });
  });
});
