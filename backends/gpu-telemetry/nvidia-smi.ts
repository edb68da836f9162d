import { execFile } from 'node:child_process';
import { selectGpus } from '../hardware.ts';
import type { GpuInfo } from '../types.ts';
import type { GpuReading } from './readings.ts';
import type { GpuSampler } from './sampler.ts';

/** The query nvidia-smi answers with one CSV line per GPU (power in W, memory in MiB). */
export const NVIDIA_SMI_SAMPLE_ARGS = ['--query-gpu=index,uuid,name,power.draw,memory.used,memory.total', '--format=csv,noheader,nounits'] as const;

/** "[N/A]", "[Not Supported]" and empty fields are unknown, not zero. */
function numberOrNull(field: string | undefined): number | null {
  if (field === undefined || field === '' || field.startsWith('[')) return null;
  const n = Number(field);
  return Number.isFinite(n) ? n : null;
}

export function parseNvidiaSmiSample(text: string): (GpuReading & { index: string })[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [index = '', uuid = '', name = '', power, used, total] = line.split(',').map((f) => f.trim());
      return {
        index,
        gpu: uuid.length > 0 && !uuid.startsWith('[') ? uuid : index,
        name: name.length > 0 ? name : null,
        power_w: numberOrNull(power),
        memory_used_mb: numberOrNull(used),
        memory_total_mb: numberOrNull(total),
        energy_mj: null,
      };
    });
}

/** The executable and the arguments before the query: a path, or an argv prefix such as [node, fake-nvidia-smi.ts]. */
function argvOf(command: string | string[]): [string, ...string[]] {
  const [file = 'nvidia-smi', ...prefix] = typeof command === 'string' ? [command] : command;
  return [file, ...prefix];
}

/** This machine's GPUs (for run_meta.json), or [] where nvidia-smi is missing or fails: hardware info is best effort. */
export async function queryLocalGpus(command: string | string[] = 'nvidia-smi'): Promise<(GpuInfo & { index: string })[]> {
  const [file, ...prefix] = argvOf(command);
  return new Promise((resolve) => {
    execFile(file, [...prefix, ...NVIDIA_SMI_SAMPLE_ARGS], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? [] : parseNvidiaSmiSample(stdout).map((g) => ({ index: g.index, name: g.name ?? 'unknown', memory_mb: g.memory_total_mb })));
    });
  });
}

/** The GPUs a server was given: all, the first n, or those named by index or UUID (as CUDA_VISIBLE_DEVICES names them). */
function pick<T extends GpuReading & { index: string }>(all: T[], want: 'all' | number | string[]): T[] {
  return Array.isArray(want) ? all.filter((g) => want.includes(g.index) || want.includes(g.gpu)) : selectGpus(all, want);
}

/**
 * nvidia-smi on the worker's host, limited to the GPUs the server was given:
 * Docker and local servers run on that host, so it sees their GPUs.
 */
export function nvidiaSmiSampler(command: string | string[], gpus: 'all' | number | string[], intervalS: number): GpuSampler {
  const [file, ...prefix] = argvOf(command);
  const shown = [file, ...prefix].join(' ');
  return {
    source: shown === 'nvidia-smi' ? 'nvidia-smi' : `nvidia-smi (${shown})`,
    intervalS,
    sample: (signal) =>
      new Promise((resolve, reject) => {
        execFile(file, [...prefix, ...NVIDIA_SMI_SAMPLE_ARGS], { timeout: Math.max(5000, intervalS * 2000), signal }, (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`${shown} failed: ${(stderr.trim() || err.message).slice(0, 300)}`));
            return;
          }
          const all = parseNvidiaSmiSample(stdout);
          resolve(pick(all, gpus).map(({ index: _index, ...reading }) => reading));
        });
      }),
  };
}
