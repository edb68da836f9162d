import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteRunIndex } from '../../../runindex/sqlite.ts';
import { DEFAULT_RUN_INDEX, RUN_INDEX_ENV, runIndexLocation } from '../../../runindex/open.ts';
import { record, runIndexContract } from './contract.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-index-'));
  dirs.push(d);
  return join(d, 'nested', '.evalflow', 'runs.sqlite');
}

runIndexContract('SQLite', async () => {
  const file = await tempFile();
  return { index: await openSqliteRunIndex(file), reopen: () => openSqliteRunIndex(file) };
});

describe('SQLite run index', () => {
  it('creates the file and its folder, in WAL mode, with the schema version recorded', async () => {
    const file = await tempFile();
    const index = await openSqliteRunIndex(file);
    await index.register(record({ id: 'w1' }));
    expect((await stat(file)).isFile()).toBe(true);
    const db = new DatabaseSync(file);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toMatchObject({ journal_mode: 'wal' });
      expect(db.prepare(`SELECT value FROM evalflow_meta WHERE key = 'schema_version'`).get()).toMatchObject({ value: '1' });
      expect(db.prepare('SELECT count(*) AS n FROM evalflow_run_metrics').get()).toMatchObject({ n: 2 });
    } finally {
      db.close();
      await index.close();
    }
  });

  it('opening twice (two processes) is fine: the schema creation is idempotent', async () => {
    const file = await tempFile();
    const a = await openSqliteRunIndex(file);
    const b = await openSqliteRunIndex(file);
    await a.register(record({ id: 'p1' }));
    expect((await b.get('p1'))?.id).toBe('p1');
    await a.close();
    await b.close();
  });

  it('concurrent registrations on one connection queue instead of nesting transactions', async () => {
    const file = await tempFile();
    const index = await openSqliteRunIndex(file);
    await Promise.all(Array.from({ length: 10 }, (_, i) => index.register(record({ id: `c${i}` }))));
    expect(await index.list({ limit: 100 })).toHaveLength(10);
    await index.close();
  });

  it('location: --index, else $EVALFLOW_RUN_INDEX, else results/.evalflow/runs.sqlite', () => {
    expect(runIndexLocation('x.sqlite', { [RUN_INDEX_ENV]: 'y' })).toBe('x.sqlite');
    expect(runIndexLocation(undefined, { [RUN_INDEX_ENV]: 'postgres://h/db' })).toBe('postgres://h/db');
    expect(runIndexLocation(undefined, {})).toBe(DEFAULT_RUN_INDEX);
    expect(DEFAULT_RUN_INDEX).toBe(join('results', '.evalflow', 'runs.sqlite'));
  });
});
