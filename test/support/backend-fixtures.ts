import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSuite, suiteConfigHash } from '../../configs/resolve.ts';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import type { ReapableKind } from '../../activities/reaper.ts';
import { assertExhaustive } from '../../common/errors.ts';
import { localLeftovers } from '../../backends/local/leftovers.ts';
import type { HardwareSummary } from '../../backends/gpu-telemetry/readings.ts';
import { FakeCluster } from '../fakes/kube/cluster.ts';
import type { FakeNodeSpec } from '../fakes/kube/kubelet.ts';
import { FakeDockerEngine } from '../fakes/docker/engine.ts';
import { freePort } from '../fakes/net.ts';
import { processesMentioning } from './processes.ts';

/** Shared by the e2e script (scripts/e2e.ts), the backend and reaper workflow tests: the checked-in example suites, pointed at the fakes. */

export const EXAMPLE_SUITES = {
  kubernetes: 'configs/suites/phase1-k8s.yaml',
  docker: 'configs/suites/phase1-docker.yaml',
  local: 'configs/suites/phase1-local.yaml',
} satisfies Record<ReapableKind, string>;

/** Two 8-GPU nodes labelled as the example suite's node_selector expects (the fake's default product). */
export const FAKE_GPU_NODES: FakeNodeSpec[] = [
  { name: 'gpu-node-1', gpus: 8 },
  { name: 'gpu-node-2', gpus: 8 },
];

/** A `vllm` that starts the simulator (test/fakes/fake-vllm.ts), for the local backend. */
export const FAKE_VLLM = [process.execPath, fileURLToPath(new URL('../fakes/fake-vllm.ts', import.meta.url))];

/** An `nvidia-smi` for the Docker and local backends' GPU sampling (test/fakes/fake-nvidia-smi.ts). */
export const FAKE_NVIDIA_SMI = [process.execPath, fileURLToPath(new URL('../fakes/fake-nvidia-smi.ts', import.meta.url))];

/** A kubeconfig file for the fake apiserver; plain HTTP needs insecure-skip-tls-verify or client-node refuses it. */
export async function writeFakeKubeconfig(cluster: FakeCluster, path: string): Promise<string> {
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: fake',
    `    cluster: { server: "${cluster.url}", insecure-skip-tls-verify: true }`,
    'users:',
    '  - name: fake-user',
    '    user: {}',
    'contexts:',
    '  - name: fake',
    '    context: { cluster: fake, user: fake-user }',
    'current-context: fake',
    '',
  ].join('\n');
  await writeFile(path, text);
  return path;
}

/** Where the fakes listen; only the one for the suite's kind is used. */
export interface FakeEndpoints {
  kubeconfig?: string;
  dockerSocket?: string;
  /** local: the pid-file folder (also what the reaper looks at). */
  localStateDir?: string;
}

/** What a backend's fake still holds once deletes have settled; `servers` is the headline (pods, containers, local servers). */
export interface Remaining {
  servers: number;
  /** Other things that must be gone too: services, simulators still listening, pid files. */
  other: Record<string, number>;
}

interface FakeBackendCommon {
  endpoints: FakeEndpoints;
  /** "pods", "containers", "local servers". */
  noun: string;
  /** The servers that exist right now, by name. */
  servers(): Promise<string[]>;
  remaining(): Promise<Remaining>;
  close(): Promise<void>;
}

/** One backend's fake with what tests need to script it. */
export type FakeBackend =
  | (FakeBackendCommon & { kind: 'kubernetes'; cluster: FakeCluster })
  | (FakeBackendCommon & { kind: 'docker'; engine: FakeDockerEngine })
  | (FakeBackendCommon & { kind: 'local'; stateDir: string });

/** The namespace the example suite's pods go to. */
export const FAKE_NAMESPACE = 'evalflow';

/**
 * Starts the fake for a backend, with its files under `work`: a kube-apiserver with GPU nodes and a kubeconfig
 * for it, a Docker Engine on a unix socket, or a pid-file folder for the fake `vllm` (test/fakes/fake-vllm.ts).
 */
export async function startFakeBackend(kind: ReapableKind, work: string, nodes: FakeNodeSpec[] = FAKE_GPU_NODES): Promise<FakeBackend> {
  switch (kind) {
    case 'kubernetes': {
      const cluster = await FakeCluster.start({ nodes, dcgmExporter: true });
      const kubeconfig = await writeFakeKubeconfig(cluster, join(work, `kubeconfig-${new URL(cluster.url).port}`));
      return {
        kind,
        cluster,
        endpoints: { kubeconfig },
        noun: 'pods',
        servers: () => Promise.resolve(cluster.store.list('pods', { namespace: FAKE_NAMESPACE, labelSelector: null, fieldSelector: null }).map((p) => p.metadata?.name ?? '')),
        remaining: async () => {
          const c = await cluster.settled(5000);
          return { servers: c.pods, other: { services: c.services, 'listening simulators': c.servers } };
        },
        close: () => cluster.close(),
      };
    }
    case 'docker': {
      const engine = await FakeDockerEngine.start();
      return {
        kind,
        engine,
        endpoints: { dockerSocket: engine.socketPath },
        noun: 'containers',
        servers: () => Promise.resolve(engine.names()),
        // Removal stops the container's simulator before it answers: nothing to wait for.
        remaining: () => Promise.resolve({ servers: engine.containerCount, other: { 'listening simulators': engine.openServers } }),
        close: () => engine.close(),
      };
    }
    case 'local': {
      const stateDir = join(work, `local-state-${process.pid}-${Date.now()}`);
      const source = localLeftovers(stateDir, 5);
      return {
        kind,
        stateDir,
        endpoints: { localStateDir: stateDir },
        noun: 'local servers',
        servers: async () => (await source.list()).filter((l) => l.state.startsWith('running')).map((l) => l.name),
        remaining: async () => {
          const pidFiles = (await source.list()).length;
          // suiteOnFake puts the state dir on the server's command line, so its processes can be found even without a pid file.
          const processes = (await processesMentioning(stateDir)).length;
          return { servers: processes, other: { 'pid files': pidFiles } };
        },
        close: () => Promise.resolve(),
      };
    }
    default:
      return assertExhaustive(kind);
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the ${what} of the fake is needed for this suite`);
  return value;
}

/**
 * The example suite for a backend with its connection pointed at a fake and its waits made short.
 * The serving port is a free one: fake pods listen on their own loopback IPs, but 0.0.0.0:8000 may be taken.
 */
export async function suiteOnFake(kind: ReapableKind, resultsDir: string, fakes: FakeEndpoints, edit: (suite: ResolvedSuite) => void = () => {}): Promise<ResolvedSuite> {
  const suite = await loadSuite(EXAMPLE_SUITES[kind], { resultsDir });
  const { backend } = suite;
  switch (backend.kind) {
    case 'kubernetes':
      suite.backend = { ...backend, kubeconfig: required(fakes.kubeconfig, 'kubeconfig'), poll_interval_s: 0.1, ready_timeout_s: 30, unschedulable_timeout_s: 30 };
      break;
    case 'docker':
      suite.backend = {
        ...backend,
        socket_path: required(fakes.dockerSocket, 'socket'),
        poll_interval_s: 0.1,
        ready_timeout_s: 30,
        gpu_telemetry: { ...backend.gpu_telemetry, nvidia_smi: FAKE_NVIDIA_SMI },
      };
      break;
    case 'local': {
      const stateDir = required(fakes.localStateDir, 'state dir');
      suite.backend = {
        ...backend,
        command: FAKE_VLLM,
        state_dir: stateDir,
        poll_interval_s: 0.1,
        ready_timeout_s: 30,
        stop_grace_s: 5,
        gpu_telemetry: { ...backend.gpu_telemetry, nvidia_smi: FAKE_NVIDIA_SMI },
      };
      // A real vllm flag that the fake ignores: it puts the state dir on the command line, where the harness looks for leaks.
      suite.serving = { ...suite.serving, extra_args: [...suite.serving.extra_args, '--download-dir', join(stateDir, 'weights')] };
      break;
    }
    case 'sim':
    case 'external':
      throw new Error(`${EXAMPLE_SUITES[kind]} is not a ${kind} suite`);
    default:
      assertExhaustive(backend);
  }
  suite.serving = { ...suite.serving, port: await freePort() };
  suite.healthTimeoutS = 30;
  edit(suite);
  suite.configHash = suiteConfigHash(suite);
  return suite;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function onlyDir(parent: string, problems: string[]): Promise<string | null> {
  const entries = (await readdir(parent).catch(() => [])).filter((e) => !e.startsWith('.'));
  if (entries.length !== 1) {
    problems.push(`${parent}: expected one run folder, found ${entries.length}`);
    return null;
  }
  return join(parent, entries[0] ?? '');
}

/**
 * What is missing or wrong in a finished suite's seed-000 results tree (empty when it is whole).
 * `gpuTelemetry: 'sampled'` (every fake has a source) wants energy and peak memory in each run_meta.json;
 * 'either' (a real cluster may lack the DCGM exporter) accepts figures or a stated reason.
 */
export async function resultsTreeProblems(suite: ResolvedSuite, gpuTelemetry: 'sampled' | 'either' = 'sampled'): Promise<string[]> {
  const problems: string[] = [];
  const root = suite.resultsRoot;
  const want: Record<string, string[]> = {
    throughput: ['throughput_results.json', 'throughput_results.csv', 'vllm_bench_raw.json', 'stdout.txt', 'stderr.txt', 'run_meta.json', 'benchmark.yaml', 'serving.yaml', 'server.log'],
    online: ['online_results.json', 'online_results.csv', 'run_meta.json', 'benchmark.yaml', 'serving.yaml', ...(suite.benchmark.online.rates === 'auto' ? [] : suite.benchmark.online.rates.map((r) => `rate_${r}/summary.json`))],
    quality: ['quality_summary.json', 'quality_summary.csv', 'run_meta.json', 'eval.yaml', 'serving.yaml', 'models.yaml', ...['gsm8k', 'math', 'routerbench'].flatMap((b) => [`${b}/${b}_results.jsonl`, `${b}/${b}_metrics.json`])],
  };
  for (const [kind, files] of Object.entries(want)) {
    const dir = await onlyDir(join(root, kind), problems);
    if (dir === null) continue;
    if (!/-\d{8}T\d{6}Z$/.test(dir)) problems.push(`${dir}: not a <kind>-<UTC timestamp> folder`);
    for (const f of files) if (!(await exists(join(dir, f)))) problems.push(`${join(dir, f)} is missing`);
    const meta = JSON.parse(await readFile(join(dir, 'run_meta.json'), 'utf8').catch(() => '{}')) as { backend?: string; config_hash?: string; hardware?: Partial<HardwareSummary> | null };
    if (meta.backend !== suite.backend.kind) problems.push(`${dir}/run_meta.json: backend ${meta.backend ?? 'missing'}, want ${suite.backend.kind}`);
    if (meta.config_hash !== suite.configHash) problems.push(`${dir}/run_meta.json: config_hash ${meta.config_hash ?? 'missing'}, want ${suite.configHash}`);
    const hw = meta.hardware;
    const sampled = typeof hw?.gpu_energy_wh === 'number' && hw.gpu_energy_wh > 0 && typeof hw.gpu_vram_peak_used_gb === 'number' && hw.gpu_vram_peak_used_gb > 0;
    const explained = typeof hw?.unavailable === 'string' && hw.unavailable.length > 0;
    if (!(sampled || (gpuTelemetry === 'either' && explained))) {
      problems.push(`${dir}/run_meta.json: no sampled GPU energy and peak memory (hardware: ${JSON.stringify(hw ?? null)})`);
    }
  }
  return problems;
}
