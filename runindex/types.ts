import type { Direction } from '../regression/policy.ts';
import type { RunRecord, RunStatus, RunVerdict } from './record.ts';

export interface ListFilter {
  suite?: string;
  /** Case-insensitive substring of the model (HF id or registry name). */
  model?: string;
  status?: RunStatus;
  /** Newest first; default 50. */
  limit?: number;
}

export interface LeaderboardQuery {
  /** A flattened metric name, e.g. gsm8k.accuracy_pct. */
  metric: string;
  better: Direction;
  top: number;
  suite?: string;
  model?: string;
}

export interface LeaderboardEntry {
  rank: number;
  value: number;
  run: RunRecord;
}

/** Where runs are registered and found: SQLite (sqlite.ts) by default, PostgreSQL (postgres.ts) for a shared one. */
export interface RunIndex {
  /** For messages: the file path, or the Postgres URL without its password. */
  readonly location: string;
  /** Insert or replace the entry with this id, metrics included, in one transaction. */
  register(run: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  /** Record a run's regression verdict (input_invalid when the id is unknown). */
  setVerdict(id: string, verdict: RunVerdict): Promise<void>;
  /** An id, or a unique prefix of an id, Temporal run id or workflow id; input_invalid when none or several match. */
  resolve(idOrPrefix: string): Promise<RunRecord>;
  list(filter?: ListFilter): Promise<RunRecord[]>;
  leaderboard(query: LeaderboardQuery): Promise<LeaderboardEntry[]>;
  close(): Promise<void>;
}
