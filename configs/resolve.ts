import { dirname, resolve, basename } from 'node:path';
import { BenchmarkConfig } from './schema/benchmark.ts';
import { EvalConfig } from './schema/eval.ts';
import type { BenchmarkName, DatasetSource } from './schema/eval.ts';
import { ModelsConfig } from './schema/models.ts';
import type { ModelEntry } from './schema/models.ts';
import { PresetsConfig } from './schema/presets.ts';
import type { Preset } from './schema/presets.ts';
import { ServingConfig } from './schema/serving.ts';
import { SuiteConfig } from './schema/suite.ts';
import type { BackendConfig, PresetName, StepName } from './schema/suite.ts';
import { ConfigError, loadConfigFile } from './load.ts';
import { hashOf } from '../common/hash.ts';

export type ConfigFileRole = 'suite' | 'serving' | 'benchmark' | 'eval' | 'models' | 'presets';

export interface ConfigFileCopy {
  fileName: string;
  text: string;
}

/** Everything a suite run needs, validated and merged: the plain data a workflow receives. */
export interface ResolvedSuite {
  name: string;
  preset: PresetName;
  model: ModelEntry;
  backend: BackendConfig;
  serving: ServingConfig;
  benchmark: BenchmarkConfig;
  eval: EvalConfig;
  steps: StepName[];
  /** Absolute. */
  resultsRoot: string;
  seed: number;
  healthTimeoutS: number;
  /** SHA-256 prefix over everything above except resultsRoot (run_meta.json's config_hash). */
  configHash: string;
  /**
   * Set only by a sweep run with --no-skip-existing: it enters the config hash and every step key
   * (store/layout.ts), so finished steps run again into new folders instead of being skipped.
   */
  runTag?: string;
  /** The YAML texts as the user wrote them, copied next to the results. */
  configFiles: Record<ConfigFileRole, ConfigFileCopy>;
}

export const QUALITY_STEPS = ['gsm8k', 'math', 'routerbench'] as const satisfies readonly BenchmarkName[];

function applyPreset(benchmark: BenchmarkConfig, evalCfg: EvalConfig, preset: Preset): { benchmark: BenchmarkConfig; eval: EvalConfig } {
  const throughput = { ...benchmark.throughput, ...preset.throughput };
  const online = { ...benchmark.online, ...preset.online };
  const cap = preset.quality.subset_size;
  const benchmarks: EvalConfig['benchmarks'] = {};
  for (const name of QUALITY_STEPS) {
    const b = evalCfg.benchmarks[name];
    if (!b) continue;
    const subset = cap === undefined || cap === null ? b.subset_size : b.subset_size === null ? cap : Math.min(cap, b.subset_size);
    benchmarks[name] = { ...b, subset_size: subset };
  }
  return { benchmark: { ...benchmark, throughput, online }, eval: { ...evalCfg, benchmarks } };
}

/** Local dataset paths are relative to the file that names them; make them absolute so workers need no base dir. */
function absoluteDataset(source: DatasetSource, baseDir: string): DatasetSource {
  return source.source === 'local' ? { ...source, path: resolve(baseDir, source.path) } : source;
}

export interface LoadSuiteOptions {
  /** Override the suite's preset (CLI --preset). */
  preset?: PresetName;
  /** Override the suite's model (CLI --model, the sweep). */
  model?: string;
  /** Override the results folder (CLI --results). */
  resultsDir?: string;
}

/** The fields of a suite that its config hash covers (everything that changes results; not where they go). */
type HashedSuite = Pick<ResolvedSuite, 'name' | 'preset' | 'model' | 'backend' | 'serving' | 'benchmark' | 'eval' | 'steps' | 'seed' | 'healthTimeoutS' | 'runTag'>;

/** run_meta.json's config_hash; recompute it after changing a resolved suite (the sweep sets the model's tensor parallelism). */
export function suiteConfigHash(suite: HashedSuite): string {
  const { name, preset, model, backend, serving, benchmark, eval: evalCfg, steps, seed, healthTimeoutS, runTag } = suite;
  return hashOf({ name, preset, model, backend, serving, benchmark, eval: evalCfg, steps, seed, healthTimeoutS, ...(runTag === undefined ? {} : { runTag }) }, 16);
}

/** Load a suite YAML and the files it references; validate all of them; merge presets and overrides. */
export async function loadSuite(suitePath: string, opts: LoadSuiteOptions = {}): Promise<ResolvedSuite> {
  const suiteFile = resolve(suitePath);
  const suiteDir = dirname(suiteFile);
  const suite = await loadConfigFile(SuiteConfig, suiteFile);
  const paths = {
    serving: resolve(suiteDir, suite.value.configs.serving),
    benchmark: resolve(suiteDir, suite.value.configs.benchmark),
    eval: resolve(suiteDir, suite.value.configs.eval),
    models: resolve(suiteDir, suite.value.configs.models),
    presets: resolve(suiteDir, suite.value.configs.presets),
  };
  const [serving, benchmark, evalCfg, models, presets] = await Promise.all([
    loadConfigFile(ServingConfig, paths.serving),
    loadConfigFile(BenchmarkConfig, paths.benchmark),
    loadConfigFile(EvalConfig, paths.eval),
    loadConfigFile(ModelsConfig, paths.models),
    loadConfigFile(PresetsConfig, paths.presets),
  ]);

  const modelName = opts.model ?? suite.value.model;
  const model = models.value.models.find((m) => m.name === modelName || m.id === modelName);
  if (!model) {
    const known = models.value.models.map((m) => m.name).join(', ');
    throw new ConfigError([{ file: basename(suiteFile), line: 1, column: 1, path: 'model', message: `model "${modelName}" is not in ${basename(paths.models)} (known: ${known})` }]);
  }

  const presetName = opts.preset ?? suite.value.preset;
  const merged = applyPreset(benchmark.value, evalCfg.value, presets.value[presetName]);

  const evalDir = dirname(paths.eval);
  for (const name of QUALITY_STEPS) {
    const b = merged.eval.benchmarks[name];
    const override = suite.value.datasets[name];
    if (b) b.dataset = override ? absoluteDataset(override, suiteDir) : absoluteDataset(b.dataset, evalDir);
  }

  const missing = suite.value.steps.filter((s): s is BenchmarkName => (QUALITY_STEPS as readonly string[]).includes(s) && !merged.eval.benchmarks[s as BenchmarkName]);
  if (missing.length > 0) {
    throw new ConfigError([{ file: basename(suiteFile), line: 1, column: 1, path: 'steps', message: `steps ${missing.join(', ')} have no section in ${basename(paths.eval)} benchmarks` }]);
  }

  const servingResolved: ServingConfig = ServingConfig.parse({
    ...serving.value,
    model: model.id,
    tensor_parallel_size: model.gpus,
    ...(model.max_model_len ? { max_model_len: model.max_model_len } : {}),
    ...suite.value.serving,
  });

  const core = {
    name: suite.value.name,
    preset: presetName,
    model,
    backend: suite.value.backend,
    serving: servingResolved,
    benchmark: merged.benchmark,
    eval: merged.eval,
    steps: suite.value.steps,
    seed: suite.value.seed,
    healthTimeoutS: suite.value.health_timeout_s,
  };
  const copy = (file: string, text: string): ConfigFileCopy => ({ fileName: basename(file), text });
  return {
    ...core,
    resultsRoot: resolve(opts.resultsDir ?? suite.value.results_dir),
    configHash: suiteConfigHash(core),
    configFiles: {
      suite: copy(suiteFile, suite.text),
      serving: copy(paths.serving, serving.text),
      benchmark: copy(paths.benchmark, benchmark.text),
      eval: copy(paths.eval, evalCfg.text),
      models: copy(paths.models, models.text),
      presets: copy(paths.presets, presets.text),
    },
  };
}
