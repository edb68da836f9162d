import { join } from 'node:path';
import type { BenchmarkName, DatasetSource } from '../configs/schema/eval.ts';
import { qualityFiles } from '../store/layout.ts';
import { writeCsvAtomic, writeJsonAtomic, writeTextAtomic } from '../store/files.ts';
import { toJsonl } from '../store/jsonl.ts';
import type { BenchmarkMetrics } from './metrics.ts';

/** The Phase-1 files inside a benchmark's folder (the names live in store/layout.ts). */
export function benchmarkPaths(outDir: string, name: BenchmarkName): { results: string; metricsJson: string; metricsCsv: string; unscorable: string } {
  const files = qualityFiles(name);
  return {
    results: join(outDir, files.results),
    metricsJson: join(outDir, files.metricsJson),
    metricsCsv: join(outDir, files.metricsCsv),
    unscorable: join(outDir, files.unscorable),
  };
}

/** A short, stable description of where examples came from, for the metrics' `dataset` key. */
export function describeDataset(source: DatasetSource): string {
  const configs = source.configs?.join('+') ?? source.config;
  const where = source.source === 'hub' ? source.repo : source.path;
  return `${where}${configs === undefined ? '' : `:${configs}`}/${source.split}`;
}

/**
 * Metrics JSON (flat metrics plus details such as provenance), the one-row CSV, and the
 * unscorable lines (written when there are some, or always when the benchmark's policy says so).
 * Every write is atomic, so a crash leaves old files or new ones.
 */
export async function writeBenchmarkOutputs(args: {
  outDir: string;
  name: BenchmarkName;
  metrics: BenchmarkMetrics;
  details: Record<string, unknown>;
  unscorable: readonly unknown[];
  unscorableFile: 'always' | 'when_any';
}): Promise<{ metricsJson: string; metricsCsv: string; unscorable: string | null }> {
  const paths = benchmarkPaths(args.outDir, args.name);
  await writeJsonAtomic(paths.metricsJson, { ...args.metrics, ...args.details });
  await writeCsvAtomic(paths.metricsCsv, [{ ...args.metrics }]);
  const writeUnscorable = args.unscorable.length > 0 || args.unscorableFile === 'always';
  if (writeUnscorable) await writeTextAtomic(paths.unscorable, toJsonl(args.unscorable));
  return { metricsJson: paths.metricsJson, metricsCsv: paths.metricsCsv, unscorable: writeUnscorable ? paths.unscorable : null };
}
