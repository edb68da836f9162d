// The worker bundles this file: every workflow evalflow runs is exported here.
export { phase1Suite, progressQuery } from './phase1-suite.ts';
export { scalingSweep, sweepProgressQuery } from './scaling-sweep.ts';
export { nightlyRegression } from './nightly-regression.ts';
export { reaperWorkflow } from './reaper.ts';
