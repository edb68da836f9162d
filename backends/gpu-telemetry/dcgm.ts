import { request } from 'undici';
import { parsePrometheusText } from '../../common/prometheus.ts';
import type { GpuReading } from './readings.ts';
import type { GpuSampler } from './sampler.ts';

/** The DCGM exporter's default fields that the hardware summary needs (units: W, MiB, MiB, MiB, mJ). */
export const DCGM_FIELDS = {
  power: 'DCGM_FI_DEV_POWER_USAGE',
  memoryUsed: 'DCGM_FI_DEV_FB_USED',
  memoryFree: 'DCGM_FI_DEV_FB_FREE',
  memoryReserved: 'DCGM_FI_DEV_FB_RESERVED',
  energy: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
} as const;

const WANTED = new Set<string>(Object.values(DCGM_FIELDS));

export interface PodRef {
  namespace: string;
  name: string;
}

/**
 * The readings of the GPUs a pod holds. The exporter labels each GPU's series with the pod using it
 * (its kubelet pod-resources mapping), so GPUs of other pods on the node are left out.
 */
export function parseDcgmReadings(text: string, pod: PodRef): GpuReading[] {
  const byGpu = new Map<string, { name: string | null; values: Map<string, number> }>();
  for (const s of parsePrometheusText(text, WANTED)) {
    if (s.labels.pod !== pod.name || s.labels.namespace !== pod.namespace || !Number.isFinite(s.value)) continue;
    const id = s.labels.UUID ?? s.labels.gpu ?? '?';
    const entry = byGpu.get(id) ?? { name: s.labels.modelName ?? null, values: new Map<string, number>() };
    entry.values.set(s.name, s.value);
    byGpu.set(id, entry);
  }
  return [...byGpu].map(([gpu, { name, values }]) => {
    const used = values.get(DCGM_FIELDS.memoryUsed) ?? null;
    const free = values.get(DCGM_FIELDS.memoryFree) ?? null;
    return {
      gpu,
      name,
      power_w: values.get(DCGM_FIELDS.power) ?? null,
      memory_used_mb: used,
      memory_total_mb: used === null || free === null ? null : used + free + (values.get(DCGM_FIELDS.memoryReserved) ?? 0),
      energy_mj: values.get(DCGM_FIELDS.energy) ?? null,
    };
  });
}

/** Scrapes one DCGM exporter (the one on the pod's node) for the pod's GPUs. */
export function dcgmSampler(url: string, pod: PodRef, intervalS: number): GpuSampler {
  const timeoutMs = Math.max(2000, intervalS * 2000);
  return {
    source: `dcgm-exporter ${url}`,
    intervalS,
    async sample(signal) {
      const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
      return parseDcgmReadings(text, pod);
    },
  };
}
