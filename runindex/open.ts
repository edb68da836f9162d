import { join } from 'node:path';
import { isPostgresUrl, openPostgresRunIndex } from './postgres.ts';
import { openSqliteRunIndex } from './sqlite.ts';
import type { RunIndex } from './types.ts';

export const RUN_INDEX_ENV = 'EVALFLOW_RUN_INDEX';
export const DEFAULT_RUN_INDEX = join('results', '.evalflow', 'runs.sqlite');

/** --index, else $EVALFLOW_RUN_INDEX, else results/.evalflow/runs.sqlite (relative to the working directory). */
export function runIndexLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env[RUN_INDEX_ENV] || DEFAULT_RUN_INDEX;
}

/** A postgres:// (or postgresql://) URL opens PostgreSQL; anything else is a SQLite file path. */
export async function openRunIndex(location: string): Promise<RunIndex> {
  return isPostgresUrl(location) ? openPostgresRunIndex(location) : openSqliteRunIndex(location);
}
