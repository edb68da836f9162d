import { EvalflowError } from '../common/errors.ts';
import type { SqlDriver } from './driver.ts';
import { RunRecord, RunVerdict } from './record.ts';
import * as sql from './sql.ts';
import type { LeaderboardEntry, LeaderboardQuery, ListFilter, RunIndex } from './types.ts';

const DEFAULT_LIMIT = 50;

function recordOf(row: sql.SqlRow, location: string): RunRecord {
  const text = row.record_json;
  if (typeof text !== 'string') throw new EvalflowError('input_invalid', `${location}: a run row has no record_json`);
  const parsed = RunRecord.safeParse(JSON.parse(text));
  if (!parsed.success) throw new EvalflowError('input_invalid', `${location}: a stored run does not match the record schema (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** The value column comes back as a number from both engines; a string would mean a numeric type mapping changed. */
function numberOf(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new EvalflowError('input_invalid', `metric value ${String(v)} is not a number`);
  return n;
}

/** RunIndex over any SqlDriver: the two implementations differ only in their driver. */
export class SqlRunIndex implements RunIndex {
  private readonly driver: SqlDriver;

  private constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  /** Creates the schema if it is missing (idempotent), then returns the index. */
  static async open(driver: SqlDriver): Promise<SqlRunIndex> {
    await driver.exec(sql.SCHEMA);
    await driver.run(sql.SET_SCHEMA_VERSION, [String(sql.SCHEMA_VERSION)]);
    return new SqlRunIndex(driver);
  }

  get location(): string {
    return this.driver.location;
  }

  async register(run: RunRecord): Promise<void> {
    const parsed = RunRecord.parse(run);
    const metrics = Object.entries(parsed.metrics);
    await this.driver.transaction(async (tx) => {
      const previous = await tx.all(sql.GET_RUN, [parsed.id]);
      const kept = previous[0] ? recordOf(previous[0], this.location).verdict : null;
      const record: RunRecord = { ...parsed, verdict: parsed.verdict ?? kept };
      await tx.run(sql.UPSERT_RUN, [
        record.id,
        record.workflow_id,
        record.run_id,
        record.suite,
        record.model,
        record.preset,
        record.backend,
        record.config_hash,
        record.created_at,
        record.status,
        record.results_root,
        record.verdict?.overall ?? null,
        JSON.stringify(record),
        record.registered_at,
      ]);
      await tx.run(sql.DELETE_METRICS, [record.id]);
      for (let i = 0; i < metrics.length; i += sql.METRICS_PER_INSERT) {
        const chunk = metrics.slice(i, i + sql.METRICS_PER_INSERT);
        await tx.run(
          sql.insertMetrics(chunk.length),
          chunk.flatMap(([name, value]) => [record.id, name, value]),
        );
      }
    });
  }

  async get(id: string): Promise<RunRecord | null> {
    const rows = await this.driver.all(sql.GET_RUN, [id]);
    return rows[0] ? recordOf(rows[0], this.location) : null;
  }

  async setVerdict(id: string, verdict: RunVerdict): Promise<void> {
    const v = RunVerdict.parse(verdict);
    await this.driver.transaction(async (tx) => {
      const rows = await tx.all(sql.GET_RUN, [id]);
      if (!rows[0]) throw new EvalflowError('input_invalid', `no run ${id} in ${this.location}`);
      const record: RunRecord = { ...recordOf(rows[0], this.location), verdict: v };
      await tx.run(sql.SET_VERDICT, [v.overall, JSON.stringify(record), id]);
    });
  }

  async resolve(idOrPrefix: string): Promise<RunRecord> {
    const q = idOrPrefix.trim();
    if (q === '') throw new EvalflowError('input_invalid', 'an empty run id');
    const rows = (await this.driver.all(sql.FIND_RUNS, sql.findRunsParams(q))).map((r) => recordOf(r, this.location));
    const exact = rows.filter((r) => r.id === q || r.run_id === q || r.workflow_id === q);
    const matches = exact.length > 0 ? exact : rows;
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw new EvalflowError('input_invalid', `no run in ${this.location} matches "${q}" (see evalflow runs list)`);
    const listed = matches.map((r) => `  ${r.id}  ${r.created_at}  ${r.workflow_id ?? ''}`).join('\n');
    throw new EvalflowError('input_invalid', `"${q}" matches ${matches.length} runs; give more of the id:\n${listed}`);
  }

  async list(filter: ListFilter = {}): Promise<RunRecord[]> {
    const { sql: text, params } = sql.listRuns(filter);
    const rows = await this.driver.all(text, [...params, filter.limit ?? DEFAULT_LIMIT]);
    return rows.map((r) => recordOf(r, this.location));
  }

  async leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]> {
    const { sql: text, params } = sql.leaderboard(query, query.better);
    const rows = await this.driver.all(text, [...params, query.metric, query.top]);
    return rows.map((r, i) => ({ rank: i + 1, value: numberOf(r.value), run: recordOf(r, this.location) }));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
