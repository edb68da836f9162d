import type { LeftoverSource } from '../kubernetes/reaper.ts';
import { isAlive, stopProcessGroup } from '../process.ts';
import { listStates, removeState, runsServer } from './state.ts';

/** Servers with a pid file in the state folder, alive or not (a dead one still leaves its file to clean). */
export function localLeftovers(stateDir: string, graceS: number): LeftoverSource {
  return {
    async list() {
      return (await listStates(stateDir)).map((s) => ({
        kind: 'local' as const,
        resource: 'process',
        name: s.id,
        workflowId: s.workflow_id,
        runId: s.run_id,
        model: s.model,
        createdAt: s.started_at,
        state: isAlive(s.pid) ? `running (pid ${s.pid})` : 'exited',
      }));
    },
    async remove(leftover) {
      const state = (await listStates(stateDir)).find((s) => s.id === leftover.name);
      if (state === undefined) return;
      if (!isAlive(state.pid) || (await runsServer(state))) await stopProcessGroup(state.pid, graceS * 1000);
      await removeState(stateDir, state.id);
    },
  };
}
