import type { LoadSweepOptions } from '../../sweep/load.ts';
import { parseSizesOption } from '../../sweep/load.ts';

/** Options that run and submit take for a sweep file (kind: sweep). */
export interface SweepCommandOptions {
  preset?: 'smoke' | 'quick' | 'full';
  results?: string;
  /** "1.5,3,7" */
  sizes?: string;
  /** commander's --no-skip-existing: false when given. */
  skipExisting: boolean;
}

export function sweepLoadOptions(opts: SweepCommandOptions): LoadSweepOptions {
  return {
    ...(opts.preset ? { preset: opts.preset } : {}),
    ...(opts.results ? { resultsDir: opts.results } : {}),
    ...(opts.sizes !== undefined ? { sizes: parseSizesOption(opts.sizes) } : {}),
    skipExisting: opts.skipExisting,
  };
}
