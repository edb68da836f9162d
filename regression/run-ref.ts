import { z } from 'zod';

/**
 * Where one run's results are: the run folders of each kind (any may be absent). As a file it is a
 * small JSON, e.g. {"label": "nightly-0301", "throughput": "results/throughput/throughput-20260301T020000Z",
 * "quality": "results/quality/quality-20260301T020000Z"}; relative paths are relative to that file.
 */
export const RunRef = z
  .strictObject({
    label: z.string().min(1).optional().describe('a name for reports; defaults to the folders'),
    throughput: z.string().min(1).optional().describe('a throughput/throughput-<ts> folder'),
    online: z.string().min(1).optional().describe('an online/online-<ts> folder'),
    quality: z.string().min(1).optional().describe('a quality/quality-<ts> folder (its benchmark subfolders are read)'),
  })
  .refine((r) => r.throughput !== undefined || r.online !== undefined || r.quality !== undefined, 'names no run folder (throughput, online or quality)');
export type RunRef = z.infer<typeof RunRef>;

export const RUN_KINDS = ['throughput', 'online', 'quality'] as const;
export type RunRefKind = (typeof RUN_KINDS)[number];
