import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, parseDocument, isCollection, isMap, isPair, isScalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';

/** One problem in one config file, located for a human. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. backend.simulator.itl_ms or models[2].name */
  path: string;
  message: string;
}

export class ConfigError extends EvalflowError {
  override name = 'ConfigError';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('config_invalid', issues.map(formatIssue).join('\n'), { issues });
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${issue.file}:${issue.line}:${issue.column}:${where} ${issue.message}`;
}

export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** The YAML node at `path`, or the deepest ancestor that exists (a missing key is reported where its parent is). */
function nearestNode(doc: Document, path: readonly PropertyKey[]): YamlNode | null {
  let node: unknown = doc.contents;
  let best: YamlNode | null = doc.contents;
  for (const part of path) {
    if (!isCollection(node)) break;
    const next: unknown = node.get(part, true);
    if (next === undefined || next === null) break;
    node = next;
    best = next as YamlNode;
  }
  return best;
}

/** The key node of `key` inside the map at `path` (for unknown-key errors, which should point at the key itself). */
function keyNode(doc: Document, path: readonly PropertyKey[], key: string): YamlNode | null {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (!isMap(parent)) return null;
  for (const pair of parent.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return pair.key;
  }
  return null;
}

function position(lineCounter: LineCounter, node: YamlNode | null): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Parse YAML text and validate it with a zod schema. Every failure (YAML syntax, wrong type,
 * unknown key, cross-field rule) comes back as a ConfigError whose lines name file:line:column and the key path.
 */
export function parseConfigText<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  const name = displayName(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { file: name, line, column: col, path: '', message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}` };
      }),
    );
  }
  const result = schema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (result.success) return result.data;

  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({ file: name, ...position(lineCounter, keyNode(doc, issue.path, key)), path: formatKeyPath(path), message: `unknown key "${key}"` });
      }
      continue;
    }
    issues.push({ file: name, ...position(lineCounter, nearestNode(doc, issue.path)), path: formatKeyPath(issue.path), message: issue.message });
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigError(issues);
}

/** Read and validate one YAML config file. A missing file is a ConfigError naming the path. */
export async function loadConfigFile<S extends z.ZodType>(schema: S, file: string): Promise<{ value: z.infer<S>; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError([{ file: displayName(file), line: 1, column: 1, path: '', message: reason }]);
  }
  return { value: parseConfigText(schema, text, file), text };
}
