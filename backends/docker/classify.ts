import type { ContainerInspectInfo } from 'dockerode';
import type { ErrorCode } from '../../common/errors.ts';

/** Why a container is not running, in the words evalflow retries on. */
export type ExitKind = 'oom' | 'killed' | 'error' | 'clean_exit' | 'dead';

const EXIT_CODES: Record<ExitKind, ErrorCode> = {
  oom: 'oom_killed',
  // SIGKILL/SIGTERM from outside (a person, a daemon restart): the server itself was fine, so retry.
  killed: 'server_crashed',
  dead: 'server_crashed',
  // vLLM exiting on its own means bad args, a model that does not fit, a CUDA error: retrying repeats it.
  error: 'crash_loop',
  clean_exit: 'crash_loop',
};

export function exitKind(state: ContainerInspectInfo['State']): ExitKind {
  if (state.OOMKilled) return 'oom';
  if (state.Dead || state.Status === 'dead') return 'dead';
  if (state.ExitCode === 137 || state.ExitCode === 143) return 'killed';
  return state.ExitCode === 0 ? 'clean_exit' : 'error';
}

export function exitCode(state: ContainerInspectInfo['State']): ErrorCode {
  return EXIT_CODES[exitKind(state)];
}

/** Container states that will never serve again. */
export function isDead(state: ContainerInspectInfo['State']): boolean {
  return state.Status === 'exited' || state.Status === 'dead' || state.Status === 'removing';
}
