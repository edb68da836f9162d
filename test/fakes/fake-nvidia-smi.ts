#!/usr/bin/env node
/**
 * A stand-in `nvidia-smi` for the Docker and local backends' GPU sampling: answers the one query
 * evalflow sends (backends/gpu-telemetry/nvidia-smi.ts) for FAKE_NVIDIA_SMI_GPUS H100s (default 8),
 * with power that moves over time. Anything else fails as the real tool does with an unknown field.
 */
import { NVIDIA_SMI_SAMPLE_ARGS } from '../../backends/gpu-telemetry/nvidia-smi.ts';

const args = process.argv.slice(2);
if (args.join(' ') !== NVIDIA_SMI_SAMPLE_ARGS.join(' ')) {
  console.error(`Field "${args[0] ?? ''}" is not a valid field to query.`);
  process.exit(2);
}
const count = Number(process.env.FAKE_NVIDIA_SMI_GPUS ?? 8);
const t = Date.now() / 1000;
for (let i = 0; i < count; i++) {
  const power = 250 + 150 * Math.abs(Math.sin(t + i));
  console.log(`${i}, GPU-fake-${i}, NVIDIA H100 80GB HBM3, ${power.toFixed(2)}, 73400, 81559`);
}
