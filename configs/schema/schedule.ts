import { z } from 'zod';
import { RegressionPolicy } from '../../regression/policy.ts';
import { PresetName } from './suite.ts';

/** What a nightly run is compared with. */
export const BaselineSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('last_good').describe('the latest earlier run of the same suite and model whose verdict was not a regression') }),
  z.strictObject({ kind: z.literal('pinned'), run: z.string().min(1).describe('a run id (or unique prefix) in the run index') }),
]);
export type BaselineSpec = z.infer<typeof BaselineSpec>;

export const OverlapPolicyName = z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']);
export type OverlapPolicyName = z.infer<typeof OverlapPolicyName>;

/** A Temporal Schedule that runs a suite and judges it against a baseline (configs/schedules/*.yaml). */
export const ScheduleConfig = z
  .strictObject({
    kind: z.literal('schedule'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"').describe('the Temporal schedule id'),
    description: z.string().optional(),
    suite: z.string().min(1).describe('the suite YAML to run, relative to this file'),
    preset: PresetName.optional(),
    spec: z
      .strictObject({
        cron: z.array(z.string().min(1)).default([]).describe('cron expressions, e.g. "0 2 * * *"'),
        calendar: z
          .array(
            z.strictObject({
              hour: z.int().min(0).max(23).default(0),
              minute: z.int().min(0).max(59).default(0),
              day_of_week: z.array(z.enum(['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'])).optional(),
            }),
          )
          .default([]),
        timezone: z.string().default('UTC').describe('IANA time zone, e.g. Europe/Berlin'),
        jitter: z.string().optional().describe('e.g. 5m: spreads starts so many schedules do not hit the cluster at once'),
      })
      .refine((s) => s.cron.length + s.calendar.length > 0, { message: 'give at least one cron expression or calendar entry' }),
    policies: z
      .strictObject({
        overlap: OverlapPolicyName.default('skip').describe('what to do when the previous night is still running'),
        catchup_window: z.string().default('1d').describe('how far back missed runs are made up after an outage'),
        pause_on_failure: z.boolean().default(false),
      })
      .prefault({}),
    baseline: BaselineSpec.default({ kind: 'last_good' }),
    regression: RegressionPolicy.prefault({}),
    webhook_url_env: z.string().min(1).optional().describe('environment variable (on the worker) holding a URL the verdict is POSTed to'),
    run_index: z.string().optional().describe('run index path or postgres:// URL; default results/.evalflow/runs.sqlite'),
  });
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;
