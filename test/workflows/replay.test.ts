import { beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal.ts';
import { readHistoryFixture } from '../support/histories.ts';

// Histories recorded from real runs (test/support/record-history.ts) replayed against the current workflow code:
// a change that would break a running workflow (new, removed or reordered commands without a patched() guard)
// fails here. Fixtures with a tag (name.v1.json) were recorded by older code and must keep replaying until
// their patch is deprecated and removed (see the patched() notes in workflows/scaling-sweep.ts).
const DIR = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process.
  }
});

describe('recorded histories replay against the current workflow code', () => {
  it('has fixtures for every workflow', () => {
    expect(files).toEqual(expect.arrayContaining(['phase1-suite.json', 'scaling-sweep.json', 'scaling-sweep-adopt.json', 'scaling-sweep.v1.json']));
  });

  it.each(files)('%s', async (file) => {
    const history = await readHistoryFixture(join(DIR, file));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  });

  it('fails on a history the code would not produce (the check is live)', async () => {
    const history = await readHistoryFixture(join(DIR, 'phase1-suite.json'));
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'notAnActivity' };
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'tampered')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
