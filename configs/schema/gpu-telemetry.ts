import { z } from 'zod';

/**
 * GPU power and memory sampling during each benchmark step (seed 001 "hardware metrics"):
 * peak memory and energy in Wh go into run_meta.json. Sampling is a side measurement:
 * when its source is missing the step runs and run_meta.json says why there are no figures.
 */
const intervalS = z.number().positive().max(60).default(1).describe('seconds between two samples (seed 001 polls every second)');

/** Docker and local servers share the worker's host, so the host's nvidia-smi sees their GPUs. */
export const NvidiaSmiTelemetry = z.strictObject({
  nvidia_smi: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .nullable()
    .default('nvidia-smi')
    .describe('nvidia-smi on the worker host (or an argv prefix that runs it); null turns sampling off'),
  interval_s: intervalS,
});
export type NvidiaSmiTelemetry = z.infer<typeof NvidiaSmiTelemetry>;

export const DcgmExporterLocation = z.strictObject({
  namespace: z.string().min(1).default('gpu-operator').describe("the DCGM exporter DaemonSet's namespace (NVIDIA GPU Operator: gpu-operator)"),
  label_selector: z.string().min(1).default('app=nvidia-dcgm-exporter').describe("selects the exporter's pods; the one on the server pod's node is scraped"),
  port: z.int().min(1).max(65535).default(9400),
  path: z.string().startsWith('/').default('/metrics'),
});
export type DcgmExporterLocation = z.infer<typeof DcgmExporterLocation>;

/** On Kubernetes the worker runs on another node: it scrapes the DCGM exporter pod that runs beside the server pod. */
export const DcgmTelemetry = z.strictObject({
  dcgm_exporter: DcgmExporterLocation.nullable()
    .default(DcgmExporterLocation.parse({}))
    .describe('where the DCGM exporter runs (needs pods list in that namespace, k8s/rbac.yaml); null turns sampling off'),
  interval_s: intervalS,
});
export type DcgmTelemetry = z.infer<typeof DcgmTelemetry>;
