import { createServerActivities } from './server.ts';
import type { BackendRegistry } from './server.ts';
import { createStepActivities } from './steps.ts';
import { createSweepActivities } from './sweep.ts';
import { createRegressionActivities } from './regression.ts';
import { createReaperActivities } from './reaper.ts';

export interface ActivityDeps {
  backends: BackendRegistry;
  datasetCacheDir: string;
}

/** Every activity the workflows call, built over injected dependencies (the worker passes real ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createServerActivities(deps.backends),
    ...createStepActivities(deps),
    ...createSweepActivities(),
    ...createRegressionActivities(),
    ...createReaperActivities(deps.backends),
  };
}
