import { every } from '../../common/periodic.ts';
import type { GpuReading, GpuSamplingAttempt } from './readings.ts';

/** Reads the current state of one server's GPUs; bound to them by the backend that placed the server. */
export interface GpuSampler {
  /** Shown in run_meta.json: which tool, and where. */
  readonly source: string;
  readonly intervalS: number;
  sample(signal: AbortSignal): Promise<GpuReading[]>;
}

/** What a backend offers for a placed server: a sampler, or why there is none (shown in run_meta.json). */
export type GpuTelemetrySource = { sampler: GpuSampler } | { unavailable: string };

export interface GpuSampling {
  stop(): Promise<GpuSamplingAttempt>;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface SamplingOptions {
  now?: () => number;
  /** How long the closing sample may take (default 3 s). */
  finalSampleTimeoutMs?: number;
}

/** Samples every interval until stopped; a failed sample is recorded and sampling goes on (it never fails the step). */
export function startGpuSampling(sampler: GpuSampler, opts: SamplingOptions = {}): GpuSampling {
  const now = opts.now ?? Date.now;
  const attempt: GpuSamplingAttempt = { source: sampler.source, interval_s: sampler.intervalS, samples: [], failures: [] };
  const abort = new AbortController();
  const periodic = every(sampler.intervalS * 1000, async () => {
    const t = now();
    try {
      const gpus = await sampler.sample(abort.signal);
      if (gpus.length === 0) attempt.failures.push({ t_ms: t, error: `${sampler.source} reported none of the server's GPUs` });
      else attempt.samples.push({ t_ms: t, gpus });
    } catch (err) {
      if (!abort.signal.aborted) attempt.failures.push({ t_ms: t, error: errorText(err) });
    }
  });
  return {
    async stop() {
      // A sample still waiting on a hung tool is dropped; one last sample, with a short deadline, closes the
      // interval, so a step shorter than one tick still has two points and a stuck source delays no step.
      abort.abort();
      await periodic.stop();
      const t = now();
      try {
        const gpus = await sampler.sample(AbortSignal.timeout(opts.finalSampleTimeoutMs ?? 3000));
        if (gpus.length > 0) attempt.samples.push({ t_ms: t, gpus });
      } catch (err) {
        attempt.failures.push({ t_ms: t, error: errorText(err) });
      }
      return attempt;
    },
  };
}
