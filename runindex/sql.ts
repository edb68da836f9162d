/**
 * The run index's SQL, written once for both engines: `?` placeholders (turned into $n for
 * PostgreSQL by toPostgres), TEXT for strings and JSON, DOUBLE PRECISION for values (REAL
 * affinity in SQLite), ON CONFLICT … DO UPDATE (SQLite ≥ 3.24), substr/lower/LIKE … ESCAPE.
 * Tables are prefixed so a shared Postgres database can hold them beside others.
 */

export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS evalflow_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evalflow_runs (
  id TEXT PRIMARY KEY,
  workflow_id TEXT,
  run_id TEXT,
  suite TEXT,
  model TEXT,
  preset TEXT,
  backend TEXT,
  config_hash TEXT,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL,
  results_root TEXT,
  verdict TEXT,
  record_json TEXT NOT NULL,
  registered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evalflow_runs_created ON evalflow_runs (created_at);
CREATE TABLE IF NOT EXISTS evalflow_run_metrics (
  run_key TEXT NOT NULL,
  name TEXT NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (run_key, name)
);
CREATE INDEX IF NOT EXISTS evalflow_run_metrics_name ON evalflow_run_metrics (name, value);
`;

export const SET_SCHEMA_VERSION = `INSERT INTO evalflow_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

const RUN_COLUMNS = ['id', 'workflow_id', 'run_id', 'suite', 'model', 'preset', 'backend', 'config_hash', 'created_at', 'status', 'results_root', 'verdict', 'record_json', 'registered_at'] as const;

export const UPSERT_RUN = `INSERT INTO evalflow_runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT (id) DO UPDATE SET ${RUN_COLUMNS.filter((c) => c !== 'id')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

export const DELETE_METRICS = 'DELETE FROM evalflow_run_metrics WHERE run_key = ?';

/** Rows per INSERT: far below SQLite's and Postgres's parameter limits. */
export const METRICS_PER_INSERT = 200;

export function insertMetrics(rows: number): string {
  return `INSERT INTO evalflow_run_metrics (run_key, name, value) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?)').join(', ')}`;
}

export const GET_RUN = 'SELECT record_json FROM evalflow_runs WHERE id = ?';

export const SET_VERDICT = 'UPDATE evalflow_runs SET verdict = ?, record_json = ? WHERE id = ?';

/** Candidates for an id the user typed: exact or prefix matches on the three id columns (substr, not LIKE: ids contain _ and /). */
export const FIND_RUNS = `SELECT record_json FROM evalflow_runs
WHERE substr(id, 1, ?) = ? OR substr(run_id, 1, ?) = ? OR substr(workflow_id, 1, ?) = ?
ORDER BY created_at DESC LIMIT 20`;

export function findRunsParams(prefix: string): SqlValue[] {
  const n = prefix.length;
  return [n, prefix, n, prefix, n, prefix];
}

/** LIKE pattern for a literal substring: % and _ and the escape itself are escaped with \\. */
export function likeSubstring(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface Filter {
  suite?: string;
  model?: string;
  status?: string;
}

/** WHERE clause and params for the optional filters; column names are fixed here, values are parameters. */
export function whereClause(f: Filter, alias = ''): { sql: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  if (f.suite !== undefined) {
    parts.push(`${alias}suite = ?`);
    params.push(f.suite);
  }
  if (f.model !== undefined) {
    parts.push(`lower(${alias}model) LIKE ? ESCAPE '\\'`);
    params.push(likeSubstring(f.model));
  }
  if (f.status !== undefined) {
    parts.push(`${alias}status = ?`);
    params.push(f.status);
  }
  return { sql: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

export function listRuns(f: Filter): { sql: string; params: SqlValue[] } {
  const where = whereClause(f);
  return { sql: `SELECT record_json FROM evalflow_runs${where.sql} ORDER BY created_at DESC, id LIMIT ?`, params: where.params };
}

export function leaderboard(f: Filter, better: 'higher' | 'lower'): { sql: string; params: SqlValue[] } {
  const where = whereClause(f, 'r.');
  const order = better === 'higher' ? 'DESC' : 'ASC';
  const extra = where.sql === '' ? ' WHERE' : `${where.sql} AND`;
  return {
    sql: `SELECT r.record_json, m.value FROM evalflow_runs r JOIN evalflow_run_metrics m ON m.run_key = r.id${extra} m.name = ? AND m.value IS NOT NULL ORDER BY m.value ${order}, r.created_at DESC LIMIT ?`,
    params: where.params,
  };
}

/**
 * `?` → `$1, $2, …` for PostgreSQL, skipping quoted literals and identifiers (none of the
 * statements above has a `?` inside one, but the scanner keeps that from becoming a trap).
 */
export function toPostgres(sql: string): string {
  let out = '';
  let n = 0;
  let quote: '"' | "'" | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}
