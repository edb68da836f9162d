import { isEvalflowError } from '../../common/errors.ts';

/** One wrapper for every command: evalflow's own errors print their message (file:line:key for configs) and exit 2; the rest exit 1. */
export function cliAction<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (isEvalflowError(err)) {
        console.error(`evalflow: ${err.code}: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    }
  };
}

/** Options shared by run and submit. */
export interface SuiteCommandOptions {
  preset?: 'smoke' | 'quick' | 'full';
  model?: string;
  results?: string;
}

export function suiteLoadOptions(opts: SuiteCommandOptions): { preset?: 'smoke' | 'quick' | 'full'; model?: string; resultsDir?: string } {
  return {
    ...(opts.preset ? { preset: opts.preset } : {}),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.results ? { resultsDir: opts.results } : {}),
  };
}
