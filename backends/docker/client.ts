import Docker from 'dockerode';
import type { BackendConfig } from '../../configs/schema/suite.ts';
import { EvalflowError, type ErrorCode } from '../../common/errors.ts';

export type DockerBackendConfig = Extract<BackendConfig, { kind: 'docker' }>;

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** dockerode from the config: a TCP host URL, or a unix socket (default /var/run/docker.sock). */
export function dockerFor(cfg: DockerBackendConfig): Docker {
  if (cfg.host !== undefined) {
    const url = new URL(cfg.host);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    return new Docker({ host: url.hostname, port: url.port || (protocol === 'https' ? '2376' : '2375'), protocol });
  }
  return new Docker({ socketPath: cfg.socket_path ?? DEFAULT_SOCKET });
}

/** What docker-modem puts on a failed call: the HTTP status and the Engine's JSON body. */
interface ModemError {
  statusCode?: number;
  json?: unknown;
  message?: string;
}

export function dockerStatus(err: unknown): number | null {
  if (err === null || typeof err !== 'object') return null;
  const status = (err as ModemError).statusCode;
  return typeof status === 'number' ? status : null;
}

/** The Engine's own message ({"message": "..."}), falling back to the modem's text. */
export function dockerMessage(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const { json, message } = err as ModemError;
  if (json !== null && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message;
  return message ?? 'unknown error';
}

const NON_RETRYABLE_STATUS: Record<number, ErrorCode> = { 400: 'config_invalid', 401: 'config_invalid', 403: 'config_invalid' };

export function toEvalflowError(what: string, err: unknown): EvalflowError {
  if (err instanceof EvalflowError) return err;
  const status = dockerStatus(err);
  const code = (status === null ? undefined : NON_RETRYABLE_STATUS[status]) ?? 'backend_api';
  return new EvalflowError(code, `Docker API ${what} failed${status === null ? '' : ` with HTTP ${status}`}: ${dockerMessage(err)}`, { what, status }, { cause: err });
}

export async function docker<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toEvalflowError(what, err);
  }
}

/** Like docker(), but an HTTP status in `allowed` comes back as that number (404 on remove, 409 on create, 304 on start). */
export async function dockerAllowing<T>(what: string, allowed: readonly number[], call: () => Promise<T>): Promise<T | number> {
  try {
    return await call();
  } catch (err) {
    const status = dockerStatus(err);
    if (status !== null && allowed.includes(status)) return status;
    throw toEvalflowError(what, err);
  }
}
