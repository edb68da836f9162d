import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import type { SqlRow, SqlValue } from './sql.ts';
import { SqlRunIndex } from './sql-index.ts';

/** How long a writer waits for another process's lock (a worker registering while the CLI reads). */
const BUSY_TIMEOUT_MS = 5000;

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly location: string;
  private readonly db: DatabaseSync;
  /** Transactions on one connection must not interleave across awaits: they queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.location = path;
    this.db = new DatabaseSync(path);
    // WAL: readers (runs list) never block the writer (an activity registering a run) and vice versa.
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }

  // node:sqlite is synchronous; the promises only fit the shared SqlExecutor shape.
  all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return Promise.resolve(this.db.prepare(sql).all(...params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    this.db.prepare(sql).run(...params);
    return Promise.resolve();
  }

  exec(script: string): Promise<void> {
    this.db.exec(script);
    return Promise.resolve();
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      // IMMEDIATE takes the write lock now, so two processes cannot both read-then-write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
}

/** A SQLite run index at path (created with its folder if missing); the file survives restarts. */
export async function openSqliteRunIndex(path: string): Promise<SqlRunIndex> {
  const abs = resolve(path);
  await mkdir(dirname(abs), { recursive: true });
  return SqlRunIndex.open(new SqliteDriver(abs));
}
