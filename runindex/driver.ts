import type { SqlRow, SqlValue } from './sql.ts';

/** Statements with `?` placeholders; each driver binds them its own way. */
export interface SqlExecutor {
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
}

/** The seam between the run index and an engine: node:sqlite or pg. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** For messages; never holds a password. */
  readonly location: string;
  /** Several statements without parameters (the schema). */
  exec(script: string): Promise<void>;
  /** fn's statements commit together or not at all. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
