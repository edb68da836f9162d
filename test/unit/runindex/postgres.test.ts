import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PgPoolLike, PgQueryable } from '../../../runindex/postgres.ts';
import { isPostgresUrl, openPostgresRunIndex, redactPostgresUrl } from '../../../runindex/postgres.ts';
import type { SqlRow, SqlValue } from '../../../runindex/sql.ts';
import { FIND_RUNS, leaderboard, listRuns, toPostgres, UPSERT_RUN } from '../../../runindex/sql.ts';
import { record, runIndexContract } from './contract.ts';

/** Records every statement; answers SELECTs from `rows`. Stands in for pg.Pool when no server is at hand. */
function recordingPool(rows: SqlRow[] = [], failOn?: RegExp): { pool: PgPoolLike; log: { text: string; values: SqlValue[] | undefined; client: string }[]; released: unknown[] } {
  const log: { text: string; values: SqlValue[] | undefined; client: string }[] = [];
  const released: unknown[] = [];
  const queryable = (client: string): PgQueryable => ({
    query: (text: string, values?: SqlValue[]) => {
      log.push({ text, values, client });
      if (failOn?.test(text)) return Promise.reject(new Error('boom'));
      return Promise.resolve({ rows: text.startsWith('SELECT') ? rows : [] });
    },
  });
  const pool: PgPoolLike = {
    ...queryable('pool'),
    connect: () => Promise.resolve({ ...queryable('tx'), release: (err?: Error | boolean) => void released.push(err) }),
    end: () => Promise.resolve(),
  };
  return { pool, log, released };
}

describe('PostgreSQL SQL building (no server)', () => {
  it('turns ? into $1…$n, leaving quoted text alone', () => {
    expect(toPostgres('SELECT a FROM t WHERE x = ? AND y = ?')).toBe('SELECT a FROM t WHERE x = $1 AND y = $2');
    expect(toPostgres(`SELECT '?' , "q?" FROM t WHERE z = ? AND w LIKE ? ESCAPE '\\'`)).toBe(`SELECT '?' , "q?" FROM t WHERE z = $1 AND w LIKE $2 ESCAPE '\\'`);
    expect(toPostgres(UPSERT_RUN)).toContain('$14)\nON CONFLICT (id) DO UPDATE SET workflow_id = excluded.workflow_id');
    expect(toPostgres(FIND_RUNS)).toContain('substr(id, 1, $1) = $2 OR substr(run_id, 1, $3) = $4 OR substr(workflow_id, 1, $5) = $6');
  });

  it('builds filters as parameters, never as text', () => {
    const q = listRuns({ suite: "x'; DROP TABLE evalflow_runs; --", model: 'Qwen_2%' });
    expect(toPostgres(q.sql)).toBe(`SELECT record_json FROM evalflow_runs WHERE suite = $1 AND lower(model) LIKE $2 ESCAPE '\\' ORDER BY created_at DESC, id LIMIT $3`);
    expect(q.params).toEqual(["x'; DROP TABLE evalflow_runs; --", '%qwen\\_2\\%%']);
    const l = leaderboard({}, 'lower');
    expect(toPostgres(l.sql)).toBe(
      'SELECT r.record_json, m.value FROM evalflow_runs r JOIN evalflow_run_metrics m ON m.run_key = r.id WHERE m.name = $1 AND m.value IS NOT NULL ORDER BY m.value ASC, r.created_at DESC LIMIT $2',
    );
  });

  it('opens with the schema, registers in one transaction on one client, and rolls back on failure', async () => {
    const { pool, log, released } = recordingPool();
    const index = await openPostgresRunIndex('postgres://u:hunter2@db.example:5432/evalflow', pool);
    expect(index.location).toBe('postgres://u:***@db.example:5432/evalflow');
    expect(log[0]!.text).toContain('CREATE TABLE IF NOT EXISTS evalflow_runs');
    log.length = 0;
    await index.register(record({ id: 'pg1', metrics: { 'gsm8k.accuracy_pct': 80 } }));
    expect(log.map((l) => `${l.client} ${l.text.split(/\s+/).slice(0, 3).join(' ')}`)).toEqual([
      'tx BEGIN',
      'tx SELECT record_json FROM',
      'tx INSERT INTO evalflow_runs',
      'tx DELETE FROM evalflow_run_metrics',
      'tx INSERT INTO evalflow_run_metrics',
      'tx COMMIT',
    ]);
    expect(log[4]!.text).toBe('INSERT INTO evalflow_run_metrics (run_key, name, value) VALUES ($1, $2, $3)');
    expect(log[4]!.values).toEqual(['pg1', 'gsm8k.accuracy_pct', 80]);
    expect(released).toEqual([undefined]);

    const failing = recordingPool([], /^DELETE/);
    const broken = await openPostgresRunIndex('postgres://h/db', failing.pool);
    await expect(broken.register(record({ id: 'pg2' }))).rejects.toThrow('boom');
    expect(failing.log.map((l) => l.text).slice(-2)).toEqual(['DELETE FROM evalflow_run_metrics WHERE run_key = $1', 'ROLLBACK']);
    expect(failing.released[0]).toBeInstanceOf(Error);
  });

  it('recognises postgres:// and postgresql:// URLs and redacts passwords', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://h/db')).toBe(true);
    expect(isPostgresUrl('results/.evalflow/runs.sqlite')).toBe(false);
    expect(redactPostgresUrl('postgresql://me@h/db')).toBe('postgresql://me@h/db');
  });
});

/*
 * Against a real server when EVALFLOW_TEST_PG_URL is set (e.g. postgres://postgres@127.0.0.1:5432/postgres).
 * Each test gets its own schema (search_path via the options parameter), dropped afterwards, so the
 * database named by the URL is never touched outside it.
 */
const PG_URL = process.env.EVALFLOW_TEST_PG_URL;
const schemas: string[] = [];

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

if (PG_URL) {
  runIndexContract('PostgreSQL', async () => {
    const schema = `evalflow_test_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
    const url = withSearchPath(PG_URL, schema);
    return { index: await openPostgresRunIndex(url), reopen: () => openPostgresRunIndex(url) };
  });
  afterAll(async () => {
    await admin(async (c) => {
      for (const s of schemas) await c.query(`DROP SCHEMA ${s} CASCADE`);
    });
  });
} else {
  describe.skip('PostgreSQL: RunIndex contract (set EVALFLOW_TEST_PG_URL to run against a server)', () => {
    it('skipped', () => undefined);
  });
}
