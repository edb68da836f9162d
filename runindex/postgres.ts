import pg from 'pg';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import type { SqlRow, SqlValue } from './sql.ts';
import { toPostgres } from './sql.ts';
import { SqlRunIndex } from './sql-index.ts';

/** The subset of pg's Pool and PoolClient the driver uses, so a test can pass a recorder instead of a server. */
export interface PgQueryable {
  query(text: string, values?: SqlValue[]): Promise<{ rows: SqlRow[] }>;
}
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error | boolean): void }>;
  end(): Promise<void>;
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

class Executor implements SqlExecutor {
  private readonly client: PgQueryable;
  constructor(client: PgQueryable) {
    this.client = client;
  }
  async all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return (await this.client.query(toPostgres(sql), [...params])).rows;
  }
  async run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.client.query(toPostgres(sql), [...params]);
  }
}

export class PostgresDriver extends Executor implements SqlDriver {
  readonly dialect = 'postgres';
  readonly location: string;
  private readonly pool: PgPoolLike;

  constructor(pool: PgPoolLike, location: string) {
    super(pool);
    this.pool = pool;
    this.location = location;
  }

  async exec(script: string): Promise<void> {
    // The simple query protocol (no parameters) runs several statements in one call.
    await this.pool.query(script);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // A transaction needs one connection for all its statements, not whichever the pool hands out.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(new Executor(client));
      await client.query('COMMIT');
      client.release();
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A PostgreSQL run index; the schema is created on open. `pool` replaces the real pg.Pool in tests. */
export async function openPostgresRunIndex(url: string, pool?: PgPoolLike): Promise<SqlRunIndex> {
  const p: PgPoolLike = pool ?? new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  return SqlRunIndex.open(new PostgresDriver(p, redactPostgresUrl(url)));
}
