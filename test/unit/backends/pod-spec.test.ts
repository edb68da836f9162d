import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPod } from '../../../backends/kubernetes/pod-spec.ts';
import { ANNOTATION, LABEL } from '../../../backends/kubernetes/naming.ts';
import type { AllocationSpec } from '../../../backends/types.ts';
import type { KubernetesBackendConfig } from '../../../backends/kubernetes/client.ts';
import { makeSpec, removeDir } from './helpers.ts';

describe('the vLLM pod spec', () => {
  let spec: AllocationSpec;
  let cfg: KubernetesBackendConfig;

  beforeAll(async () => {
    spec = await makeSpec(
      { kind: 'kubernetes', shm_size: '32Gi', hf_cache_pvc: 'hf-cache', hf_token_secret: { name: 'hf-token', key: 'token' }, active_deadline_s: 7200, ready_timeout_s: 1200 },
      { serving: { model: 'Qwen/Qwen2.5-72B-Instruct', served_model_name: 'qwen72', tensor_parallel_size: 2, enable_prefix_caching: true, extra_args: ['--enforce-eager'], env: { VLLM_LOGGING_LEVEL: 'INFO' } } },
    );
    if (spec.backend.kind !== 'kubernetes') throw new Error('unreachable');
    cfg = spec.backend;
  });
  afterAll(async () => removeDir(spec.logDir));

  it('is named and labelled for adoption and reaping', () => {
    const pod = buildPod(spec, cfg);
    expect(pod.metadata?.name).toMatch(/^vllm-qwen-0-5b-suite-smoke-qwen-0-5b-\d+-\d+-[0-9a-f]{8}$/);
    expect(pod.metadata?.labels).toMatchObject({
      [LABEL.name]: 'vllm',
      [LABEL.managedBy]: 'evalflow',
      [LABEL.runId]: spec.runId,
      [LABEL.model]: 'qwen-0.5b',
    });
    // "/" is not allowed in label values: the label is a sanitized form, the annotation the full id.
    expect(pod.metadata?.labels?.[LABEL.workflowId]).toMatch(/^suite-smoke-qwen-0.5b-\d+-\d+_[0-9a-f]{8}$/);
    expect(pod.metadata?.annotations?.[ANNOTATION.workflowId]).toBe(spec.workflowId);
    expect(pod.metadata?.annotations?.[ANNOTATION.specHash]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('has the same spec hash for the same inputs and a new one when serving changes', () => {
    const hash = (s: AllocationSpec): string | undefined => buildPod(s, cfg).metadata?.annotations?.[ANNOTATION.specHash];
    expect(hash(spec)).toBe(hash({ ...spec, runId: 'another-run' }));
    expect(hash(spec)).not.toBe(hash({ ...spec, serving: { ...spec.serving, max_num_seqs: 64 } }));
  });

  it('runs vllm serve with the serving.yaml arguments', () => {
    const container = buildPod(spec, cfg).spec?.containers[0];
    expect(container?.image).toBe('vllm/vllm-openai:v0.11.0');
    expect(container?.command).toBeUndefined();
    expect(container?.args).toEqual([
      '--model', 'Qwen/Qwen2.5-72B-Instruct',
      '--served-model-name', 'qwen72',
      '--tensor-parallel-size', '2',
      '--pipeline-parallel-size', '1',
      '--max-model-len', '8192',
      '--gpu-memory-utilization', '0.9',
      '--max-num-seqs', '256',
      '--max-num-batched-tokens', '8192',
      '--dtype', 'auto',
      '--seed', '0',
      '--enable-prefix-caching',
      '--host', '0.0.0.0',
      '--port', '8000',
      '--enforce-eager',
    ]);
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  });

  it('requests GPUs, shared memory, the HF cache, and the token by reference only', () => {
    const pod = buildPod(spec, cfg);
    const container = pod.spec?.containers[0];
    expect(container?.resources).toEqual({ requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } });
    expect(pod.spec?.volumes).toEqual([
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '32Gi' } },
      { name: 'hf-cache', persistentVolumeClaim: { claimName: 'hf-cache' } },
    ]);
    expect(container?.volumeMounts).toEqual([
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'hf-cache', mountPath: '/root/.cache/huggingface' },
    ]);
    expect(container?.env).toEqual([
      { name: 'VLLM_LOGGING_LEVEL', value: 'INFO' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
    ]);
  });

  it('probes /health with a startup budget of ready_timeout_s, and caps the pod lifetime', () => {
    const pod = buildPod(spec, cfg);
    const container = pod.spec?.containers[0];
    expect(container?.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 120 });
    expect(container?.readinessProbe?.httpGet?.path).toBe('/health');
    expect(container?.livenessProbe?.httpGet?.path).toBe('/health');
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', enableServiceLinks: false, activeDeadlineSeconds: 7200 });
  });
});
