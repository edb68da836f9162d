import type { Allocation, AllocationSpec, Backend, BackendContext } from '../backends/types.ts';
import { recordGpuAttempt } from '../backends/gpu-telemetry/record.ts';
import { startGpuSampling, type GpuTelemetrySource } from '../backends/gpu-telemetry/sampler.ts';

export interface StepGpuSampling {
  /** Stops sampling and adds this attempt to the step's gpu_telemetry.json (also after a failed attempt: that energy was spent). */
  finish(): Promise<void>;
}

async function sourceOf(backend: Backend, spec: AllocationSpec, allocation: Allocation, ctx: BackendContext): Promise<GpuTelemetrySource> {
  try {
    return await backend.gpuTelemetry(spec, allocation, ctx);
  } catch (err) {
    // Telemetry is a side measurement: a backend that cannot find its source must not fail the step.
    return { unavailable: `finding a GPU telemetry source failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** GPU power and memory sampled for the length of one step attempt. */
export async function sampleStepGpus(args: { backend: Backend; spec: AllocationSpec; allocation: Allocation; stepDir: string; ctx: BackendContext }): Promise<StepGpuSampling> {
  const source = await sourceOf(args.backend, args.spec, args.allocation, args.ctx);
  if ('unavailable' in source) {
    args.ctx.log(`no GPU telemetry: ${source.unavailable}`);
    return { finish: () => recordGpuAttempt(args.stepDir, source) };
  }
  const sampling = startGpuSampling(source.sampler);
  return { finish: async () => recordGpuAttempt(args.stepDir, await sampling.stop()) };
}
