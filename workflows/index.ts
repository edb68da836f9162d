// The worker bundles this file: every workflow evalflow runs is exported here.
export { phase1Suite, progressQuery } from './phase1-suite.ts';
