import { Context, ApplicationFailure } from '@temporalio/activity';
import { isEvalflowError, isRetryable } from '../common/errors.ts';
import type { BackendContext } from '../backends/types.ts';
import type { TemporalIds } from '../store/run-meta.ts';

/** Heartbeats at most once a second: Temporal throttles anyway, and progress callbacks can fire per request. */
export function throttledHeartbeat(intervalMs = 1000): (details: Record<string, unknown>) => void {
  let last = 0;
  return (details) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    Context.current().heartbeat(details);
  };
}

export function activityBackendContext(): BackendContext {
  const ctx = Context.current();
  return {
    heartbeat: throttledHeartbeat(),
    signal: ctx.cancellationSignal,
    log: (message) => {
      ctx.log.info(message);
    },
  };
}

export function temporalIds(): TemporalIds {
  const info = Context.current().info;
  const execution = info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('evalflow activities run inside a workflow', 'input_invalid');
  return { workflowId: execution.workflowId, runId: execution.runId, namespace: info.workflowNamespace ?? 'default', taskQueue: info.taskQueue };
}

/** The retry decision is made here, once, from the error's code (common/errors.ts). */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isEvalflowError(err)) {
      // A suite with on_unschedulable: fail asked not to wait for GPUs, so no retry may wait for them either.
      const failFast = err.code === 'unschedulable' && err.details.policy === 'fail';
      throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: failFast || !isRetryable(err.code), details: [err.details], cause: err });
    }
    throw err;
  }
}
