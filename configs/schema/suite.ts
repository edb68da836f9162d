import { z } from 'zod';
import { ServingConfig } from './serving.ts';
import { SimulatorOptions } from './simulator.ts';
import { DatasetSource } from './eval.ts';
import { DcgmTelemetry, NvidiaSmiTelemetry } from './gpu-telemetry.ts';

export const StepName = z.enum(['throughput', 'online', 'gsm8k', 'math', 'routerbench']);
export type StepName = z.infer<typeof StepName>;

export const PresetName = z.enum(['smoke', 'quick', 'full']);
export type PresetName = z.infer<typeof PresetName>;

/** Where the vLLM server runs. Each kind is one Backend implementation (backends/). */
export const BackendConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sim'),
    simulator: SimulatorOptions.default(SimulatorOptions.parse({})),
  }),
  z.strictObject({
    kind: z.literal('external'),
    base_url: z.url({ protocol: /^https?$/ }).describe('an OpenAI-compatible server that is already running, e.g. http://gpu-node:8000'),
    api_key_env: z.string().min(1).optional().describe('name of the environment variable holding the API key (never the key itself)'),
  }),
  z
    .strictObject({
      kind: z.literal('kubernetes'),
      namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label').max(63).default('evalflow'),
      kubeconfig: z.string().min(1).optional().describe('kubeconfig path; absent: in-cluster service account, else $KUBECONFIG or ~/.kube/config'),
      context: z.string().min(1).optional().describe('kubeconfig context; absent: the current context'),
      node_selector: z.record(z.string(), z.string()).default({}).describe('e.g. {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}'),
      tolerations: z
        .array(
          z.strictObject({
            key: z.string().optional(),
            operator: z.enum(['Exists', 'Equal']).optional(),
            value: z.string().optional(),
            effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
            tolerationSeconds: z.int().optional(),
          }),
        )
        .default([])
        .describe('Kubernetes tolerations, as in a pod spec (e.g. key nvidia.com/gpu, operator Exists)'),
      affinity: z
        .strictObject({
          nodeAffinity: z.record(z.string(), z.unknown()).optional(),
          podAffinity: z.record(z.string(), z.unknown()).optional(),
          podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
        })
        .optional()
        .describe('Kubernetes affinity, copied verbatim into the pod spec (the API server validates the inside)'),
      gpu_resource: z.string().min(1).default('nvidia.com/gpu').describe('extended resource requested per GPU, e.g. nvidia.com/mig-4g.71gb'),
      runtime_class: z.string().min(1).optional().describe('runtimeClassName, e.g. nvidia, where the cluster needs one'),
      shm_size: z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 16Gi').default('16Gi').describe('/dev/shm size (memory emptyDir), needed for tensor parallelism'),
      hf_cache_pvc: z.string().min(1).optional().describe('PersistentVolumeClaim mounted at /root/.cache/huggingface so weights download once'),
      hf_token_secret: z
        .strictObject({ name: z.string().min(1), key: z.string().min(1).default('token') })
        .optional()
        .describe('Secret holding the Hugging Face token, exposed as HF_TOKEN via secretKeyRef (the value never enters config or history)'),
      service_account: z.string().min(1).optional(),
      image_pull_secrets: z.array(z.string().min(1)).default([]),
      active_deadline_s: z.int().positive().default(6 * 3600).describe('hard cap on the pod lifetime (GPU time), activeDeadlineSeconds'),
      ready_timeout_s: z.number().positive().default(1800).describe('how long the pod may take from scheduled to Ready (model download and load); also sizes the startup probe'),
      on_unschedulable: z.enum(['wait', 'fail']).default('wait').describe('wait for GPUs up to unschedulable_timeout_s, or fail at once'),
      unschedulable_timeout_s: z.number().positive().default(1800),
      expose: z.enum(['pod_ip', 'service']).default('pod_ip').describe('reach the server by pod IP, or through a ClusterIP Service'),
      poll_interval_s: z.number().positive().default(2).describe('longest gap between two status reads while waiting'),
      gpu_telemetry: DcgmTelemetry.default(DcgmTelemetry.parse({})),
    })
    .describe('a vLLM pod on a Kubernetes cluster (backends/kubernetes)'),
  z
    .strictObject({
      kind: z.literal('docker'),
      socket_path: z.string().min(1).optional().describe('Docker Engine socket; default /var/run/docker.sock'),
      host: z.url({ protocol: /^https?$/ }).optional().describe('Docker Engine over TCP, e.g. http://127.0.0.1:2375 (instead of socket_path)'),
      gpus: z
        .union([z.literal('all'), z.int().positive(), z.array(z.string().min(1)).min(1)])
        .default('all')
        .describe('"all", a count, or device ids such as ["0","1"] (HostConfig.DeviceRequests)'),
      shm_size: z.string().regex(/^(\d+(\.\d+)?(k|m|g|Ki|Mi|Gi)?|host)$/, 'a size such as 16g, or "host" for --ipc=host').default('16g'),
      hf_cache_dir: z.string().min(1).optional().describe('host folder bound at /root/.cache/huggingface'),
      hf_token_env: z.string().min(1).optional().describe("name of the worker's environment variable whose value becomes HF_TOKEN (never the token)"),
      pull: z.enum(['missing', 'always', 'never']).default('missing').describe('when to pull the image'),
      publish_ip: z.string().default('127.0.0.1').describe('host address the server port is published on (a random host port)'),
      ready_timeout_s: z.number().positive().default(1800).describe('how long the server may take to answer /health'),
      poll_interval_s: z.number().positive().default(2),
      gpu_telemetry: NvidiaSmiTelemetry.default(NvidiaSmiTelemetry.parse({})),
    })
    .refine((c) => c.socket_path === undefined || c.host === undefined, { message: 'set socket_path or host, not both' })
    .describe('a vLLM container on one Docker host (backends/docker)'),
  z
    .strictObject({
      kind: z.literal('local'),
      command: z
        .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
        .default('vllm')
        .describe('the vllm executable, or an argv prefix such as ["python", "-m", "vllm.entrypoints.cli.main"]; "serve" and the engine args follow'),
      state_dir: z.string().min(1).optional().describe("pid files that let a restarted worker adopt or stop its servers; default: the worker's backend state folder"),
      ready_timeout_s: z.number().positive().default(1800),
      stop_grace_s: z.number().positive().default(30).describe('SIGTERM to SIGKILL delay on teardown'),
      env_passthrough: z.array(z.string().min(1)).default([]).describe("worker environment variables the server inherits, e.g. HF_TOKEN, CUDA_VISIBLE_DEVICES"),
      poll_interval_s: z.number().positive().default(1),
      gpu_telemetry: NvidiaSmiTelemetry.default(NvidiaSmiTelemetry.parse({})),
    })
    .describe('a vllm serve process on the worker machine (backends/local)'),
]);
export type BackendConfig = z.infer<typeof BackendConfig>;
export type BackendKind = BackendConfig['kind'];

export const SuiteConfig = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  description: z.string().optional(),
  model: z.string().min(1).describe('a name from models.yaml'),
  preset: PresetName.default('full'),
  backend: BackendConfig.default({ kind: 'sim', simulator: SimulatorOptions.parse({}) }),
  configs: z
    .strictObject({
      serving: z.string().default('../serving.yaml'),
      benchmark: z.string().default('../benchmark.yaml'),
      eval: z.string().default('../eval.yaml'),
      models: z.string().default('../models.yaml'),
      presets: z.string().default('../presets.yaml'),
    })
    .default({
      serving: '../serving.yaml',
      benchmark: '../benchmark.yaml',
      eval: '../eval.yaml',
      models: '../models.yaml',
      presets: '../presets.yaml',
    })
    .describe('paths relative to this file'),
  steps: z.array(StepName).min(1).default(['throughput', 'online', 'gsm8k', 'math', 'routerbench']),
  serving: ServingConfig.partial().default({}).describe('overrides of serving.yaml for this suite'),
  datasets: z.partialRecord(z.enum(['gsm8k', 'math', 'routerbench']), DatasetSource).default({}).describe('overrides of the eval.yaml dataset sources'),
  results_dir: z.string().default('results').describe('relative to the working directory'),
  seed: z.int().nonnegative().default(42),
  health_timeout_s: z.number().positive().default(900).describe('how long the server may take to become healthy'),
});
export type SuiteConfig = z.infer<typeof SuiteConfig>;
