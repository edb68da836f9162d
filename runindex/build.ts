import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { RunFolder } from '../regression/discover.ts';
import { readOnline, readQualityMetrics, readThroughput } from '../regression/read.ts';
import type { MetricValues } from '../regression/types.ts';
import { flattenRunMetrics } from './metrics.ts';
import type { RunFolders, RunRecord, RunStatus } from './record.ts';
import { runKey } from './record.ts';

export interface BuildOptions {
  /** The resolved config (configOfSuite); absent: the YAML copies in the run folders. */
  config?: Record<string, unknown>;
  /** Absent: complete when every folder is. */
  status?: RunStatus;
  now: Date;
}

/** The config copies a step writes next to its results, by the section name compare shows. */
const CONFIG_COPIES = { serving: 'serving.yaml', benchmark: 'benchmark.yaml', eval: 'eval.yaml' } as const;

const YamlObject = z.record(z.string(), z.unknown());

async function readYamlObject(file: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = YamlObject.safeParse(parseYaml(text));
    return parsed.success ? parsed.data : null;
  } catch {
    // A config copy that no longer parses is left out of the diff, not a reason to refuse the run.
    return null;
  }
}

/** serving/benchmark/eval from the copies (as the user wrote them, before presets) plus what run_meta says about the run. */
async function configFromCopies(folders: readonly RunFolder[]): Promise<Record<string, unknown>> {
  const config: Record<string, unknown> = {};
  for (const [section, file] of Object.entries(CONFIG_COPIES)) {
    for (const f of folders) {
      const value = await readYamlObject(join(f.dir, file));
      if (value) {
        config[section] = value;
        break;
      }
    }
  }
  const meta = folders.find((f) => f.meta)?.meta;
  if (meta) config.run = { suite: meta.suite, model: meta.model, preset: meta.preset, backend: meta.backend, config_hash: meta.config_hash };
  return config;
}

function earliest(values: (string | null)[]): string | null {
  return values.filter((v): v is string => v !== null).sort()[0] ?? null;
}

/** An index entry for one run's folders (at most one per kind): ids and labels from run_meta, metrics from the results files. */
export async function buildRunRecord(folders: readonly RunFolder[], opts: BuildOptions): Promise<RunRecord> {
  const byKind: RunFolders = {};
  for (const f of folders) byKind[f.kind] = f.dir;
  const throughput = byKind.throughput ? await readThroughput(byKind.throughput) : null;
  const online = byKind.online ? await readOnline(byKind.online) : null;
  const quality: Record<string, MetricValues | null> = {};
  const qualityFolder = folders.find((f) => f.kind === 'quality');
  for (const bench of qualityFolder?.steps ?? []) quality[bench] = await readQualityMetrics(qualityFolder!.dir, bench);

  // The newest folder speaks for the run: its run id is the latest Temporal run that did work.
  const sorted = [...folders].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''));
  const latest = sorted[sorted.length - 1];
  const meta = [...sorted].reverse().find((f) => f.meta)?.meta ?? null;
  const workflowId = latest?.workflow_id ?? null;
  const resultsRoot = latest ? dirname(dirname(latest.dir)) : null;
  return {
    id: runKey(workflowId, resultsRoot, latest?.dir ?? 'empty'),
    workflow_id: workflowId,
    run_id: latest?.run_id ?? null,
    run_ids: [...new Set(sorted.map((f) => f.run_id).filter((r): r is string => r !== null))],
    suite: meta?.suite ?? null,
    model: meta?.model ?? null,
    preset: meta?.preset ?? null,
    backend: meta?.backend ?? null,
    config_hash: meta?.config_hash ?? null,
    created_at: earliest(folders.map((f) => f.started_at)) ?? opts.now.toISOString(),
    status: opts.status ?? (folders.length > 0 && folders.every((f) => f.complete) ? 'complete' : 'partial'),
    results_root: resultsRoot,
    folders: byKind,
    steps: folders.flatMap((f) => f.steps),
    metrics: flattenRunMetrics({ throughput, online, quality }),
    config: opts.config ?? (await configFromCopies(folders)),
    registered_at: opts.now.toISOString(),
    verdict: null,
  };
}
