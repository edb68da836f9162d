import { z } from 'zod';

/** Every failure evalflow classifies. The retry decision for each lives in isRetryable(). */
export const ErrorCode = z.enum([
  'config_invalid', // a YAML file or option is wrong
  'input_invalid', // a workflow or activity input is wrong
  'dataset_missing', // not on disk, not in the cache, hub unreachable
  'dataset_invalid', // a line or row that does not parse
  'model_unfit', // the model does not fit the GPUs it may use
  'server_unhealthy', // the server never became healthy before its deadline
  'server_crashed', // the server went away while serving
  'image_pull', // the container image cannot be pulled
  'crash_loop', // the server container keeps crashing
  'oom_killed', // the server container was OOM-killed
  'unschedulable', // not enough GPUs right now
  'evicted', // the pod was evicted or preempted
  'backend_api', // the Kubernetes or Docker API failed
  'child_failed', // a suite a sweep adopted had failed
  'sweep_incomplete', // a sweep finished with some models failed (resubmitting resumes them)
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export function assertExhaustive(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}

/** Whether Temporal should retry an activity that failed with this code. */
export function isRetryable(code: ErrorCode): boolean {
  switch (code) {
    case 'config_invalid':
    case 'input_invalid':
    case 'dataset_missing':
    case 'dataset_invalid':
    case 'model_unfit':
    case 'server_unhealthy':
    case 'image_pull':
    case 'crash_loop':
    case 'oom_killed':
    case 'child_failed':
    case 'sweep_incomplete':
      return false;
    case 'server_crashed':
    case 'unschedulable':
    case 'evicted':
    case 'backend_api':
      return true;
    default:
      return assertExhaustive(code);
  }
}

/** An error evalflow understands; activities turn it into an ApplicationFailure of type `code`. */
export class EvalflowError extends Error {
  override name = 'EvalflowError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isEvalflowError(err: unknown): err is EvalflowError {
  return err instanceof EvalflowError;
}
