import { createHash } from 'node:crypto';
import type { AllocationSpec } from '../types.ts';

/**
 * Names, labels and the spec hash every evalflow server carries. The keys follow Kubernetes
 * conventions; the docker and local backends reuse them so one reaper reads them all.
 */
export const LABEL = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  workflowId: 'evalflow.dev/workflow-id',
  runId: 'evalflow.dev/run-id',
  model: 'evalflow.dev/model',
  /** The deterministic server name; a Service selects its pod by it. */
  allocation: 'evalflow.dev/allocation',
} as const;

export const ANNOTATION = {
  /** Label values are capped at 63 characters, so the full workflow id lives here. */
  workflowId: 'evalflow.dev/workflow-id',
  /** What a 409 adopt compares: same hash, same server. */
  specHash: 'evalflow.dev/spec-hash',
} as const;

export const APP_NAME = 'vllm';
export const MANAGED_BY = 'evalflow';
/** Selects everything evalflow ever created, for the reaper. */
export const MANAGED_SELECTOR = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.name}=${APP_NAME}`;

const MAX_NAME = 63;

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

export function specHash(value: unknown): string {
  return shortHash(canonicalJson(value), 16);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A DNS-1123 label (also a valid DNS-1035 Service name and Docker container name) that is the same
 * for the same (workflow id, model): readable prefix, then a hash of the full inputs so truncation never collides.
 */
export function serverName(workflowId: string, modelName: string): string {
  const hash = shortHash(`${workflowId}\u0000${modelName}`);
  const readable = `${APP_NAME}-${slug(modelName)}-${slug(workflowId)}`;
  const room = MAX_NAME - hash.length - 1;
  const prefix = readable.slice(0, room).replace(/-+$/, '');
  return `${prefix}-${hash}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The value itself when it is a valid label value, else a sanitized prefix plus a hash of the original. */
export function labelValue(text: string): string {
  if (text.length <= MAX_NAME && LABEL_VALUE.test(text)) return text;
  const hash = shortHash(text);
  const prefix = text
    .replace(/[^-A-Za-z0-9_.]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_NAME - hash.length - 1);
  return prefix.length > 0 ? `${prefix}_${hash}` : hash;
}

export function serverLabels(spec: Pick<AllocationSpec, 'workflowId' | 'runId' | 'modelName'>): Record<string, string> {
  return {
    [LABEL.name]: APP_NAME,
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.workflowId]: labelValue(spec.workflowId),
    [LABEL.runId]: labelValue(spec.runId),
    [LABEL.model]: labelValue(spec.modelName),
    [LABEL.allocation]: serverName(spec.workflowId, spec.modelName),
  };
}
