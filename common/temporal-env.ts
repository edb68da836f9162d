import { readFileSync } from 'node:fs';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from './constants.ts';
import { EvalflowError } from './errors.ts';

/** How to reach Temporal, from the environment, so workers and the CLI reach a self-hosted cluster or Temporal Cloud alike. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EvalflowError('config_invalid', `${variable}=${path}: ${(err as Error).message}`);
  }
}

/**
 * TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE, EVALFLOW_TASK_QUEUE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (mTLS client pair), TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS=true.
 * Returns null when TEMPORAL_ADDRESS is unset: the caller decides whether to start an embedded dev server.
 */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings | null {
  const address = env.TEMPORAL_ADDRESS;
  if (!address) return null;
  const settings: TemporalSettings = {
    address,
    namespace: env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
    taskQueue: env.EVALFLOW_TASK_QUEUE ?? TASK_QUEUE,
  };
  if (env.TEMPORAL_API_KEY) settings.apiKey = env.TEMPORAL_API_KEY;
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) throw new EvalflowError('config_invalid', 'set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY for mTLS, or neither');
  if (cert && key || env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS === 'true' || settings.apiKey) {
    const tls: NonNullable<TemporalSettings['tls']> = {};
    if (cert && key) tls.clientCertPair = { crt: readPem(cert, 'TEMPORAL_TLS_CERT'), key: readPem(key, 'TEMPORAL_TLS_KEY') };
    if (env.TEMPORAL_TLS_CA) tls.serverRootCACertificate = readPem(env.TEMPORAL_TLS_CA, 'TEMPORAL_TLS_CA');
    if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
    settings.tls = tls;
  }
  return settings;
}

/** Connection options shared by the client Connection and the worker NativeConnection. */
export function connectionOptions(s: TemporalSettings): { address: string; apiKey?: string; tls?: TemporalSettings['tls'] } {
  return { address: s.address, ...(s.apiKey ? { apiKey: s.apiKey } : {}), ...(s.tls ? { tls: s.tls } : {}) };
}
