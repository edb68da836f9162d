import { dirname, resolve } from 'node:path';
import { loadConfigFile } from './load.ts';
import { loadSuite } from './resolve.ts';
import type { ResolvedSuite } from './resolve.ts';
import { ScheduleConfig } from './schema/schedule.ts';

export interface ResolvedSchedule {
  schedule: ScheduleConfig;
  suite: ResolvedSuite;
}

/** A schedule YAML and the suite it names (relative to the schedule file), both validated. */
export async function loadSchedule(path: string): Promise<ResolvedSchedule> {
  const file = resolve(path);
  const { value: schedule } = await loadConfigFile(ScheduleConfig, file);
  const suite = await loadSuite(resolve(dirname(file), schedule.suite), schedule.preset ? { preset: schedule.preset } : {});
  return { schedule, suite };
}
