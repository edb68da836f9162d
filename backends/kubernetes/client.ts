import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { BackendConfig } from '../../configs/schema/suite.ts';
import { EvalflowError, type ErrorCode } from '../../common/errors.ts';

export type KubernetesBackendConfig = Extract<BackendConfig, { kind: 'kubernetes' }>;

/** How a backend gets a KubeConfig for a config; tests pass one that points at the fake apiserver. */
export type KubeConfigFactory = (cfg: KubernetesBackendConfig) => KubeConfig;

/** kubeconfig path → in-cluster service account → $KUBECONFIG / ~/.kube/config, refusing client-node's silent localhost:8080 fallback. */
export const loadKubeConfig: KubeConfigFactory = (cfg) => {
  const kc = new KubeConfig();
  const inCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  try {
    if (cfg.kubeconfig !== undefined) kc.loadFromFile(cfg.kubeconfig);
    else if (inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
    if (cfg.context !== undefined) kc.setCurrentContext(cfg.context);
  } catch (err) {
    throw new EvalflowError('config_invalid', `cannot load kubeconfig: ${errorText(err)}`, { kubeconfig: cfg.kubeconfig ?? null, context: cfg.context ?? null });
  }
  const cluster = kc.getCurrentCluster();
  const fellBack = cfg.kubeconfig === undefined && !inCluster && cluster?.server === 'http://localhost:8080';
  if (cluster === null || fellBack) {
    throw new EvalflowError('config_invalid', 'no Kubernetes cluster configured: set backend.kubeconfig, $KUBECONFIG, or run in a cluster');
  }
  return kc;
};

export interface KubeClients {
  core: CoreV1Api;
}

export function makeClients(kc: KubeConfig): KubeClients {
  return { core: kc.makeApiClient(CoreV1Api) };
}

/** The HTTP status of a failed client-node call, or null for network and other errors. */
export function apiStatus(err: unknown): number | null {
  return err instanceof ApiException ? (err as ApiException<unknown>).code : null;
}

/** client-node leaves undocumented statuses' V1Status as a raw JSON string; read its reason and message. */
function statusBody(err: ApiException<unknown>): { reason: string | null; message: string | null } {
  const body: unknown = err.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { reason: null, message: body.slice(0, 500) };
    }
  }
  if (parsed === null || typeof parsed !== 'object') return { reason: null, message: null };
  const { reason, message } = parsed as { reason?: unknown; message?: unknown };
  return { reason: typeof reason === 'string' ? reason : null, message: typeof message === 'string' ? message : null };
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

/** Statuses that no retry can fix: bad credentials, missing RBAC, a spec the API rejects. */
const NON_RETRYABLE_STATUS: Record<number, ErrorCode> = {
  400: 'config_invalid',
  401: 'config_invalid',
  403: 'config_invalid',
  422: 'config_invalid',
};

export function toEvalflowError(what: string, err: unknown): EvalflowError {
  if (err instanceof EvalflowError) return err;
  const status = apiStatus(err);
  if (status === null) {
    return new EvalflowError('backend_api', `Kubernetes API ${what} failed: ${errorText(err)}`, { what }, { cause: err });
  }
  const { reason, message } = statusBody(err as ApiException<unknown>);
  const code = NON_RETRYABLE_STATUS[status] ?? 'backend_api';
  return new EvalflowError(code, `Kubernetes API ${what} failed with HTTP ${status}${reason ? ` ${reason}` : ''}: ${message ?? 'no message'}`, { what, status, reason }, { cause: err });
}

/** Runs one API call, turning every failure into a classified EvalflowError. */
export async function kube<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toEvalflowError(what, err);
  }
}

/** Like kube(), but an HTTP status in `allowed` comes back as that number instead of an error (404 on delete, 409 on create). */
export async function kubeAllowing<T>(what: string, allowed: readonly number[], call: () => Promise<T>): Promise<T | number> {
  try {
    return await call();
  } catch (err) {
    const status = apiStatus(err);
    if (status !== null && allowed.includes(status)) return status;
    throw toEvalflowError(what, err);
  }
}
