import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../client/dev-server.ts';
import type { DevServer } from '../../client/dev-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let server: DevServer | null = null;

/** One real Temporal dev server (in memory, headless) for the whole workflow tier; never a mock. */
export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ uiPort: null, startTimeoutMs: 60_000 });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
