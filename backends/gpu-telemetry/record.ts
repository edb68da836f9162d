import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../store/files.ts';
import { readJsonFile } from '../../store/read-json.ts';
import { GpuSamplingAttempt, summarizeGpuTelemetry, type HardwareSummary } from './readings.ts';

/** Every sample of a step, one entry per attempt, next to the step's other results. */
export const GPU_TELEMETRY_FILE = 'gpu_telemetry.json';

const GpuTelemetryFile = z.object({
  attempts: z.array(GpuSamplingAttempt),
  /** Why the latest attempt had no sampler (no GPU, sampling off, exporter missing). */
  unavailable: z.string().nullable(),
});
type GpuTelemetryFile = z.infer<typeof GpuTelemetryFile>;

async function readTelemetry(dir: string): Promise<GpuTelemetryFile | null> {
  return readJsonFile(GpuTelemetryFile, join(dir, GPU_TELEMETRY_FILE));
}

/** Adds one attempt's samples (or the reason there are none) to the step's file; earlier attempts stay. */
export async function recordGpuAttempt(stepDir: string, outcome: GpuSamplingAttempt | { unavailable: string }): Promise<void> {
  const file = (await readTelemetry(stepDir)) ?? { attempts: [], unavailable: null };
  const next: GpuTelemetryFile = 'unavailable' in outcome ? { ...file, unavailable: outcome.unavailable } : { attempts: [...file.attempts, outcome], unavailable: null };
  await writeJsonAtomic(join(stepDir, GPU_TELEMETRY_FILE), next);
}

/**
 * The hardware summary of a step or run folder: its own telemetry and that of its sub-folders
 * (a quality run holds one per benchmark). Energy adds up; peaks are the highest.
 */
export async function hardwareOf(runDir: string): Promise<HardwareSummary> {
  const files: GpuTelemetryFile[] = [];
  const own = await readTelemetry(runDir);
  if (own) files.push(own);
  const entries = await readdir(runDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = await readTelemetry(join(runDir, entry.name));
    if (child) files.push(child);
  }
  const reason = files.map((f) => f.unavailable).findLast((u) => u !== null) ?? (files.length === 0 ? 'not sampled yet' : null);
  return summarizeGpuTelemetry(
    files.flatMap((f) => f.attempts),
    reason,
  );
}
