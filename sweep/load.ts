import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap } from 'yaml';
import { ConfigError, loadConfigFile } from '../configs/load.ts';
import type { ConfigIssue } from '../configs/load.ts';
import { loadSuite, suiteConfigHash } from '../configs/resolve.ts';
import type { ResolvedSuite } from '../configs/resolve.ts';
import { ModelsConfig } from '../configs/schema/models.ts';
import type { ModelEntry } from '../configs/schema/models.ts';
import { SuiteConfig } from '../configs/schema/suite.ts';
import type { BackendKind, PresetName, StepName } from '../configs/schema/suite.ts';
import { SweepConfig } from '../configs/schema/sweep.ts';
import type { GpuPool } from '../configs/schema/sweep.ts';
import type { SimulatedModelProfile } from '../configs/schema/simulator.ts';
import { GPU_PRODUCT_LABEL } from '../backends/hardware.ts';
import { compactTimestamp, stepKey } from '../store/layout.ts';
import { hashOf } from '../common/hash.ts';
import { sweepChildWorkflowId } from '../common/constants.ts';
import { planSweep, selectSizes } from './plan.ts';
import type { SweepPlan } from './plan.ts';

/** One model the sweep runs: a whole Phase-1 suite, as a child workflow with a deterministic id. */
export interface SweepModelRun {
  model: string;
  workflowId: string;
  suite: ResolvedSuite;
  /** Each step's skip-existing key, so its finished folder can be found on disk without planning (the comparison). */
  stepKeys: { step: StepName; key: string }[];
}

/** Everything a sweep run needs, validated: the plain data the sweep workflow receives. */
export interface ResolvedSweep {
  name: string;
  description: string | null;
  /** Absolute <results_dir>/<name>: scaling_comparison.* and one folder per model. */
  resultsRoot: string;
  /** Absolute <results_dir>. */
  resultsDir: string;
  preset: PresetName;
  backend: BackendKind;
  /** false: --no-skip-existing; the models run again into new folders (runTag is set). */
  skipExisting: boolean;
  runTag: string | null;
  plan: SweepPlan;
  /** In plan order (largest first by default). */
  runs: SweepModelRun[];
  /** Over the plan and every model's config hash: the sweep workflow id. */
  configHash: string;
  /** The sweep YAML as written, copied next to scaling_comparison.csv. */
  configFile: { fileName: string; text: string };
}

export interface LoadSweepOptions {
  /** Replaces the file's sizes (CLI --sizes). */
  sizes?: number[];
  /** Default true; false re-runs models whose results exist (CLI --no-skip-existing). */
  skipExisting?: boolean;
  /** Overrides the suite's preset (CLI --preset). */
  preset?: PresetName;
  /** Overrides results_dir (CLI --results). */
  resultsDir?: string;
  /** When a --no-skip-existing run was asked for: its tag, and so its new folders, derive from it. */
  now?: Date;
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** file:line:column of the value at `path` in a YAML text (the file's top when the path is absent). */
function locate(file: string, text: string, path: (string | number)[], message: string): ConfigIssue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
  const keyPath = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  return { file: displayName(file), line, column: col, path: keyPath, message };
}

/** 'sweep' when the YAML's top level says `kind: sweep`; anything else is a Phase-1 suite (which has no kind). */
export async function detectConfigKind(file: string): Promise<'suite' | 'sweep'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 'suite'; // loadSuite reports the missing file
  }
  const doc = parseDocument(text);
  return isMap(doc.contents) && doc.get('kind') === 'sweep' ? 'sweep' : 'suite';
}

/** The pool a planned model runs on, reflected in its suite's backend where the backend can use it. */
function placeOnPool(suite: ResolvedSuite, pool: GpuPool): ResolvedSuite['backend'] {
  const backend = suite.backend;
  if (backend.kind === 'kubernetes') return { ...backend, node_selector: { ...backend.node_selector, [GPU_PRODUCT_LABEL]: pool.gpu_name } };
  return backend;
}

/** The suite's simulator with the sweep's profile for this model laid over it; any other backend as it is. */
export function simulatedAs(backend: ResolvedSuite['backend'], profile: SimulatedModelProfile | undefined): ResolvedSuite['backend'] {
  if (backend.kind !== 'sim' || profile === undefined) return backend;
  const { accuracy, ...speed } = profile;
  return { ...backend, simulator: { ...backend.simulator, ...speed, accuracy: { ...backend.simulator.accuracy, ...accuracy } } };
}

/**
 * Load a sweep YAML, the suite it names and the model registry; filter by sizes; plan fit, tensor parallelism and
 * order; resolve one suite per model that runs (results in <results_dir>/<sweep>/<model>/, tensor_parallel_size from the plan).
 */
export async function loadSweep(sweepPath: string, opts: LoadSweepOptions = {}): Promise<ResolvedSweep> {
  const sweepFile = resolve(sweepPath);
  const sweepDir = dirname(sweepFile);
  const { value: cfg, text } = await loadConfigFile(SweepConfig, sweepFile);
  const suiteFile = resolve(sweepDir, cfg.suite);
  const suiteCfg = await loadConfigFile(SuiteConfig, suiteFile);
  const modelsFile = resolve(dirname(suiteFile), suiteCfg.value.configs.models);
  const registry = (await loadConfigFile(ModelsConfig, modelsFile)).value.models;

  const issues: ConfigIssue[] = [];
  const listed: ModelEntry[] = [];
  cfg.models.forEach((name, i) => {
    const entry = registry.find((m) => m.name === name);
    if (entry) listed.push(entry);
    else issues.push(locate(sweepFile, text, ['models', i], `model "${name}" is not in ${basename(modelsFile)} (known: ${registry.map((m) => m.name).join(', ')})`));
  });
  const sizes = opts.sizes ?? cfg.sizes;
  let selected = listed;
  if (sizes) {
    const picked = selectSizes(listed, sizes);
    if (picked.unmatched.length > 0) {
      const available = listed.map((m) => String(m.params_b)).join(', ');
      const from = opts.sizes ? '--sizes: ' : '';
      issues.push(locate(sweepFile, text, ['sizes'], `${from}no model of size ${picked.unmatched.join(', ')}B among the sweep's models (params_b: ${available})`));
    }
    selected = picked.models;
  }
  if (suiteCfg.value.serving.pipeline_parallel_size !== undefined && suiteCfg.value.serving.pipeline_parallel_size !== 1) {
    issues.push(locate(suiteFile, suiteCfg.text, ['serving', 'pipeline_parallel_size'], 'a sweep sizes tensor parallelism itself; pipeline_parallel_size must be 1'));
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const resultsDir = resolve(opts.resultsDir ?? cfg.results_dir);
  const resultsRoot = join(resultsDir, cfg.name);
  const runTag = opts.skipExisting === false ? `rerun-${compactTimestamp(opts.now ?? new Date())}` : null;

  // Resolve every selected model's suite (the registry's gpus for now); the plan needs the serving config's gpu_memory_utilization.
  const base = new Map<string, ResolvedSuite>();
  for (const m of selected) {
    base.set(m.name, await loadSuite(suiteFile, { model: m.name, resultsDir: join(resultsRoot, m.name), ...(opts.preset ? { preset: opts.preset } : {}) }));
  }
  const first = base.values().next().value;
  const plan = planSweep({
    models: selected,
    pools: cfg.gpu_pools,
    maxGpus: cfg.max_gpus,
    order: cfg.order,
    fit: { kvHeadroomFraction: cfg.kv_headroom_fraction, overheadGb: cfg.overhead_gb, gpuMemoryUtilization: first?.serving.gpu_memory_utilization ?? 0.9 },
  });

  const runs: SweepModelRun[] = [];
  for (const planned of plan.models) {
    if (planned.action !== 'run') continue;
    const loaded = base.get(planned.model)!;
    const pool = cfg.gpu_pools.find((p) => p.name === planned.pool)!;
    const suite: ResolvedSuite = {
      ...loaded,
      // One name for the sweep and its children, so EvalflowSuite = "<sweep>" finds all of them.
      name: cfg.name,
      backend: simulatedAs(placeOnPool(loaded, pool), cfg.simulated_models[planned.model]),
      serving: { ...loaded.serving, tensor_parallel_size: planned.tensorParallelSize!, pipeline_parallel_size: 1 },
      ...(runTag ? { runTag } : {}),
    };
    suite.configHash = suiteConfigHash(suite);
    runs.push({
      model: planned.model,
      workflowId: sweepChildWorkflowId(cfg.name, planned.model, suite.configHash),
      suite,
      stepKeys: suite.steps.map((step) => ({ step, key: stepKey(suite, step) })),
    });
  }
  const configHash = hashOf({ name: cfg.name, plan, runs: runs.map((r) => [r.model, r.suite.configHash]), runTag }, 16);
  return {
    name: cfg.name,
    description: cfg.description ?? null,
    resultsRoot,
    resultsDir,
    preset: first?.preset ?? opts.preset ?? suiteCfg.value.preset,
    backend: suiteCfg.value.backend.kind,
    skipExisting: runTag === null,
    runTag,
    plan,
    runs,
    configHash,
    configFile: { fileName: basename(sweepFile), text },
  };
}

/** CLI --sizes "1.5,3,7" (commas or spaces) to numbers; anything else is a config error naming the option. */
export function parseSizesOption(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const sizes = parts.map(Number);
  if (parts.length === 0 || sizes.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new ConfigError([{ file: '--sizes', line: 1, column: 1, path: '', message: `expected sizes in billions of parameters such as 1.5,3,7; got "${text}"` }]);
  }
  return sizes;
}
