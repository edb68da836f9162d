/**
 * Where a dataset's files sit inside a hub repo (or a local folder laid out like one).
 * Pure: the hub and local loaders list files their own way and call these rules.
 */

export type FileFormat = 'parquet' | 'jsonl' | 'json';

/** A repo whose layout is known, so no tree listing (one more request, sometimes gated) is needed. */
export interface KnownLayout {
  /** File path template with `{config}` and `{split}`. */
  readonly path: string;
  /** Every config the repo has; null when the path has no `{config}`. */
  readonly configs: readonly string[] | null;
  /** Configs loaded when the source names none; several are concatenated and tagged. */
  readonly defaultConfigs: readonly string[];
}

export const MATH_SUBJECTS = [
  'algebra',
  'counting_and_probability',
  'geometry',
  'intermediate_algebra',
  'number_theory',
  'prealgebra',
  'precalculus',
] as const;

export const KNOWN_LAYOUTS = {
  'openai/gsm8k': { path: '{config}/{split}-00000-of-00001.parquet', configs: ['main', 'socratic'], defaultConfigs: ['main'] },
  'EleutherAI/hendrycks_math': { path: '{config}/{split}-00000-of-00001.parquet', configs: MATH_SUBJECTS, defaultConfigs: MATH_SUBJECTS },
  'HuggingFaceH4/MATH-500': { path: '{split}.jsonl', configs: null, defaultConfigs: [] },
} as const satisfies Record<string, KnownLayout>;

/** Hub repo ids are case-insensitive, so the lookup is too. */
export function knownLayout(repo: string): KnownLayout | undefined {
  const key = repo.toLowerCase();
  for (const [name, layout] of Object.entries(KNOWN_LAYOUTS)) {
    if (name.toLowerCase() === key) return layout;
  }
  return undefined;
}

/**
 * Generic rules for repos and folders without a known layout, tried in order; the first that matches any file wins.
 * Rules without `{config}` apply only when no config (or the hub's implicit `default`) is asked for,
 * so several configs never resolve to the same files.
 */
export const SPLIT_FILE_RULES = [
  '{config}/{split}-*.parquet',
  '{config}/{split}/*.parquet', // the hub's refs/convert/parquet branch
  'data/{split}-*.parquet',
  '{split}-*.parquet',
  '{config}/{split}.jsonl',
  '{split}.jsonl',
  'data/{split}.jsonl',
] as const;

export const DEFAULT_CONFIG = 'default';

/** What the loader will read: one entry per config (null: the repo has none), and whether rows get a `config` field. */
export interface ConfigPlan {
  readonly configs: readonly (string | null)[];
  readonly tagRows: boolean;
}

export type ConfigPlanResult = { ok: true; plan: ConfigPlan } | { ok: false; reason: string };

/** Which configs to load: `configs` wins over the layout default; rows are tagged whenever a list (not one config) is loaded. */
export function planConfigs(source: { config?: string | undefined; configs?: readonly string[] | undefined }, layout?: KnownLayout): ConfigPlanResult {
  if (source.config !== undefined && source.configs !== undefined) {
    return { ok: false, reason: 'give either config or configs, not both' };
  }
  let configs: readonly (string | null)[];
  let tagRows: boolean;
  if (source.configs !== undefined) {
    if (source.configs.length === 0) return { ok: false, reason: 'configs is empty' };
    configs = [...new Set(source.configs)];
    tagRows = true;
  } else if (source.config !== undefined) {
    configs = [source.config];
    tagRows = false;
  } else if (layout !== undefined && layout.defaultConfigs.length > 0) {
    configs = layout.defaultConfigs;
    tagRows = layout.defaultConfigs.length > 1;
  } else {
    configs = [null];
    tagRows = false;
  }
  if (layout !== undefined) {
    const known = layout.configs;
    for (const c of configs) {
      if (c === null) continue;
      if (known === null) {
        if (c !== DEFAULT_CONFIG) return { ok: false, reason: `this repo has no configs (got ${JSON.stringify(c)})` };
      } else if (!known.includes(c)) {
        return { ok: false, reason: `unknown config ${JSON.stringify(c)}; known: ${known.join(', ')}` };
      }
    }
  }
  return { ok: true, plan: { configs, tagRows } };
}

function fill(template: string, config: string | null, split: string): string {
  return template.replaceAll('{config}', config ?? DEFAULT_CONFIG).replaceAll('{split}', split);
}

/** The single file a known layout puts a config's split in. */
export function knownLayoutPath(layout: KnownLayout, config: string | null, split: string): string {
  return fill(layout.path, layout.configs === null ? null : config, split);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ruleRegExp(rule: string, config: string | null, split: string): RegExp {
  const parts = rule.split(/(\{config\}|\{split\}|\*)/);
  const source = parts
    .map((p) => {
      if (p === '{config}') return escapeRegExp(config ?? DEFAULT_CONFIG);
      if (p === '{split}') return escapeRegExp(split);
      if (p === '*') return '[^/]*';
      return escapeRegExp(p);
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Plain code-unit order, so `-00002-of-00010` sorts before `-00010-of-00010` and the result never depends on locale. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface SplitMatch {
  readonly rule: string;
  readonly files: readonly string[];
}

/** The files (repo-relative, `/`-separated) holding one config's split, shards in name order; null when no rule matches. */
export function matchSplitFiles(files: readonly string[], config: string | null, split: string): SplitMatch | null {
  const needsConfig = config !== null && config !== DEFAULT_CONFIG;
  for (const rule of SPLIT_FILE_RULES) {
    const hasConfig = rule.includes('{config}');
    if (needsConfig && !hasConfig) continue;
    if (!needsConfig && hasConfig && config === null) continue;
    const re = ruleRegExp(rule, config, split);
    const hits = files.filter((f) => re.test(f)).sort(byName);
    if (hits.length > 0) return { rule, files: hits };
  }
  return null;
}

/** The patterns matchSplitFiles tried, filled in, for error messages. */
export function triedPatterns(config: string | null, split: string): string[] {
  const needsConfig = config !== null && config !== DEFAULT_CONFIG;
  return SPLIT_FILE_RULES.filter((r) => (needsConfig ? r.includes('{config}') : config !== null || !r.includes('{config}'))).map((r) =>
    fill(r, config, split),
  );
}

/** Top-level folders that hold this split: the configs a caller could have meant. */
export function configsWithSplit(files: readonly string[], split: string): string[] {
  const found = new Set<string>();
  for (const f of files) {
    const m = /^([^/]+)\/([^/]+)$/.exec(f) ?? /^([^/]+)\/([^/]+)\/[^/]+\.parquet$/.exec(f);
    if (m && (m[2]!.startsWith(`${split}-`) || m[2] === split || m[2] === `${split}.jsonl`)) found.add(m[1]!);
  }
  return [...found].filter((c) => c !== 'data').sort(byName);
}

const FORMATS: Readonly<Record<string, FileFormat>> = { '.parquet': 'parquet', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json' };

export function fileFormat(path: string): FileFormat | undefined {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? undefined : FORMATS[path.slice(dot).toLowerCase()];
}

/** A repo-relative path that cannot climb out of the folder it is joined to (listings and configs are outside input). */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
