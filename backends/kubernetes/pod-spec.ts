import type { V1Container, V1EnvVar, V1Pod, V1PodSpec, V1Probe, V1Service, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { AllocationSpec } from '../types.ts';
import type { KubernetesBackendConfig } from './client.ts';
import { gpuCount } from '../hardware.ts';
import { vllmEngineArgs } from '../local/serve-args.ts';
import { ANNOTATION, LABEL, serverLabels, serverName, specHash } from './naming.ts';

export const CONTAINER_NAME = 'vllm';
export const PORT_NAME = 'http';
/** The vllm/vllm-openai image runs as root, so its Hugging Face cache lives under /root. */
export const HF_CACHE_PATH = '/root/.cache/huggingface';
const STARTUP_PROBE_PERIOD_S = 10;

function probe(periodSeconds: number, failureThreshold: number): V1Probe {
  return { httpGet: { path: '/health', port: PORT_NAME }, periodSeconds, failureThreshold, timeoutSeconds: 5 };
}

function env(spec: AllocationSpec, cfg: KubernetesBackendConfig): V1EnvVar[] {
  const vars: V1EnvVar[] = Object.entries(spec.serving.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  if (cfg.hf_token_secret !== undefined) {
    // Only the Secret's name and key enter the spec; the kubelet injects the value.
    vars.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: cfg.hf_token_secret.name, key: cfg.hf_token_secret.key } } });
  }
  return vars;
}

function volumes(cfg: KubernetesBackendConfig): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  // Tensor parallelism talks through shared memory; the container default of 64 MiB is far too small.
  const vols: V1Volume[] = [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: cfg.shm_size } }];
  const mounts: V1VolumeMount[] = [{ name: 'dshm', mountPath: '/dev/shm' }];
  if (cfg.hf_cache_pvc !== undefined) {
    vols.push({ name: 'hf-cache', persistentVolumeClaim: { claimName: cfg.hf_cache_pvc } });
    mounts.push({ name: 'hf-cache', mountPath: HF_CACHE_PATH });
  }
  return { volumes: vols, mounts };
}

function container(spec: AllocationSpec, cfg: KubernetesBackendConfig, mounts: V1VolumeMount[]): V1Container {
  const gpus = String(gpuCount(spec.serving));
  return {
    name: CONTAINER_NAME,
    image: spec.serving.image,
    imagePullPolicy: 'IfNotPresent',
    args: vllmEngineArgs(spec.serving),
    ports: [{ name: PORT_NAME, containerPort: spec.serving.port, protocol: 'TCP' }],
    env: env(spec, cfg),
    resources: { requests: { [cfg.gpu_resource]: gpus }, limits: { [cfg.gpu_resource]: gpus } },
    volumeMounts: mounts,
    // /health answers only once weights are loaded, so the startup probe gets the whole ready budget.
    startupProbe: probe(STARTUP_PROBE_PERIOD_S, Math.max(1, Math.ceil(cfg.ready_timeout_s / STARTUP_PROBE_PERIOD_S))),
    readinessProbe: probe(5, 3),
    livenessProbe: probe(10, 6),
  };
}

function podSpec(spec: AllocationSpec, cfg: KubernetesBackendConfig): V1PodSpec {
  const { volumes: vols, mounts } = volumes(cfg);
  const pod: V1PodSpec = {
    containers: [container(spec, cfg, mounts)],
    volumes: vols,
    restartPolicy: 'Never',
    // A Service named like the app injects VLLM_PORT=tcp://..., which vLLM cannot parse.
    enableServiceLinks: false,
    activeDeadlineSeconds: cfg.active_deadline_s,
    nodeSelector: cfg.node_selector,
    tolerations: cfg.tolerations,
    imagePullSecrets: cfg.image_pull_secrets.map((name) => ({ name })),
  };
  if (cfg.affinity !== undefined) pod.affinity = cfg.affinity;
  if (cfg.service_account !== undefined) pod.serviceAccountName = cfg.service_account;
  if (cfg.runtime_class !== undefined) pod.runtimeClassName = cfg.runtime_class;
  return pod;
}

/** The server pod: deterministic name, evalflow labels, and a hash of its spec that a 409 adopt compares. */
export function buildPod(spec: AllocationSpec, cfg: KubernetesBackendConfig): V1Pod {
  const podSpecValue = podSpec(spec, cfg);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: serverName(spec.workflowId, spec.modelName),
      namespace: cfg.namespace,
      labels: serverLabels(spec),
      annotations: { [ANNOTATION.workflowId]: spec.workflowId, [ANNOTATION.specHash]: specHash(podSpecValue) },
    },
    spec: podSpecValue,
  };
}

/** A ClusterIP Service in front of the pod, owned by it so the garbage collector removes it with the pod. */
export function buildService(spec: AllocationSpec, cfg: KubernetesBackendConfig, podUid: string): V1Service {
  const name = serverName(spec.workflowId, spec.modelName);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: cfg.namespace,
      labels: serverLabels(spec),
      annotations: { [ANNOTATION.workflowId]: spec.workflowId },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: podUid }],
    },
    spec: {
      type: 'ClusterIP',
      selector: { [LABEL.allocation]: name },
      ports: [{ name: PORT_NAME, port: spec.serving.port, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}
