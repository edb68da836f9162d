import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { buildPod, buildService } from '../../../backends/kubernetes/pod-spec.ts';
import { SuiteConfig } from '../../../configs/schema/suite.ts';
import { makeSpec, removeDir } from './helpers.ts';

const K8S_DIR = fileURLToPath(new URL('../../../k8s/', import.meta.url));

interface Validatable {
  validate(): void;
}

/** apiVersion/kind → the kubernetes-models class whose JSON schema checks it. A kind missing here fails the test. */
const MODELS: Record<string, (data: unknown) => Validatable> = {
  'v1/Namespace': (d) => new Namespace(d as ConstructorParameters<typeof Namespace>[0]),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as ConstructorParameters<typeof ServiceAccount>[0]),
  'v1/ConfigMap': (d) => new ConfigMap(d as ConstructorParameters<typeof ConfigMap>[0]),
  'v1/Secret': (d) => new Secret(d as ConstructorParameters<typeof Secret>[0]),
  'v1/PersistentVolumeClaim': (d) => new PersistentVolumeClaim(d as ConstructorParameters<typeof PersistentVolumeClaim>[0]),
  'v1/Pod': (d) => new Pod(d as ConstructorParameters<typeof Pod>[0]),
  'v1/Service': (d) => new Service(d as ConstructorParameters<typeof Service>[0]),
  'apps/v1/Deployment': (d) => new Deployment(d as ConstructorParameters<typeof Deployment>[0]),
  'rbac.authorization.k8s.io/v1/Role': (d) => new Role(d as ConstructorParameters<typeof Role>[0]),
  'rbac.authorization.k8s.io/v1/RoleBinding': (d) => new RoleBinding(d as ConstructorParameters<typeof RoleBinding>[0]),
  'rbac.authorization.k8s.io/v1/ClusterRole': (d) => new ClusterRole(d as ConstructorParameters<typeof ClusterRole>[0]),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (d) => new ClusterRoleBinding(d as ConstructorParameters<typeof ClusterRoleBinding>[0]),
};

function validate(doc: unknown): string {
  const { apiVersion, kind } = doc as { apiVersion?: string; kind?: string };
  const key = `${apiVersion ?? '?'}/${kind ?? '?'}`;
  const model = MODELS[key];
  if (model === undefined) throw new Error(`no kubernetes-models class registered for ${key}`);
  model(doc).validate();
  return key;
}

async function manifests(): Promise<{ file: string; docs: unknown[] }[]> {
  const files = (await readdir(K8S_DIR)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const parsed = parseAllDocuments(await readFile(join(K8S_DIR, file), 'utf8'));
      for (const d of parsed) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      return { file, docs: parsed.map((d) => d.toJSON() as unknown).filter((d) => d !== null) };
    }),
  );
}

describe('k8s/ manifests', () => {
  it('every document validates against the Kubernetes schemas', async () => {
    const all = await manifests();
    expect(all.map((m) => m.file)).toEqual(expect.arrayContaining(['namespace.yaml', 'rbac.yaml', 'worker.yaml', 'storage.yaml', 'configmap.yaml', 'serviceaccount.yaml']));
    const kinds = all.flatMap(({ file, docs }) => docs.map((doc) => `${file}: ${validate(doc)}`));
    expect(kinds).toContain('worker.yaml: apps/v1/Deployment');
  });

  it('the Role grants only what the kubernetes backend uses', async () => {
    const rbac = (await manifests()).find((m) => m.file === 'rbac.yaml');
    const role = rbac?.docs.find((d) => (d as { kind?: string }).kind === 'Role') as { rules: { resources: string[]; verbs: string[] }[] };
    expect(Object.fromEntries(role.rules.map((r) => [r.resources.join(','), r.verbs]))).toEqual({
      pods: ['create', 'get', 'list', 'watch', 'delete'],
      'pods/log': ['get'],
      services: ['create', 'get', 'list', 'delete'],
      events: ['get', 'list', 'watch'],
    });
  });

  it("finding the DCGM exporter needs only pods list in its namespace, bound to the worker's account", async () => {
    const rbac = (await manifests()).find((m) => m.file === 'rbac.yaml');
    type Doc = { kind?: string; metadata: { namespace?: string }; rules?: { resources: string[]; verbs: string[] }[]; subjects?: { name: string }[] };
    const inExporterNs = (rbac?.docs ?? []).map((d) => d as Doc).filter((d) => d.metadata.namespace === 'gpu-operator');
    expect(inExporterNs.find((d) => d.kind === 'Role')?.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    expect(inExporterNs.find((d) => d.kind === 'RoleBinding')?.subjects?.map((s) => s.name)).toEqual(['evalflow-worker']);
  });

  it('the worker has a graceful shutdown, the results PVC and the Temporal settings', async () => {
    const worker = (await manifests()).find((m) => m.file === 'worker.yaml')?.docs[0] as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: { env: { name: string }[]; lifecycle: unknown; volumeMounts: { mountPath: string }[] }[] } } };
    };
    const pod = worker.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(35);
    const container = pod.containers[0];
    expect(container?.lifecycle).toHaveProperty('preStop');
    expect(container?.env.map((e) => e.name)).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']));
    expect(container?.volumeMounts.map((m) => m.mountPath)).toContain('/app/results');
  });

  it('the ConfigMap suite parses with the suite schema', async () => {
    const { parse } = await import('yaml');
    const cm = (await manifests()).find((m) => m.file === 'configmap.yaml')?.docs[0] as { data: Record<string, string> };
    for (const text of Object.values(cm.data)) {
      const suite = SuiteConfig.parse(parse(text));
      expect(suite.backend.kind).toBe('kubernetes');
    }
  });
});

describe('generated server objects', () => {
  it('the vLLM pod and Service validate against the Kubernetes schemas', async () => {
    const spec = await makeSpec(
      {
        kind: 'kubernetes',
        namespace: 'evalflow',
        node_selector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] }] }] } } },
        hf_cache_pvc: 'evalflow-hf-cache',
        hf_token_secret: { name: 'hf-token' },
        service_account: 'vllm',
        image_pull_secrets: ['regcred'],
        runtime_class: 'nvidia',
      },
      { serving: { model: 'Qwen/Qwen2.5-72B-Instruct', tensor_parallel_size: 2, extra_args: ['--enforce-eager'] } },
    );
    try {
      if (spec.backend.kind !== 'kubernetes') throw new Error('unreachable');
      const pod: unknown = JSON.parse(JSON.stringify(buildPod(spec, spec.backend)));
      expect(validate(pod)).toBe('v1/Pod');
      const svc: unknown = JSON.parse(JSON.stringify(buildService(spec, spec.backend, '0b1c2d3e-0000-4000-8000-000000000000')));
      expect(validate(svc)).toBe('v1/Service');
    } finally {
      await removeDir(spec.logDir);
    }
  });
});
