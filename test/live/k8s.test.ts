import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { loadSuite, suiteConfigHash } from '../../configs/resolve.ts';
import type { ResolvedSuite } from '../../configs/resolve.ts';
import { KubernetesBackend } from '../../backends/kubernetes/backend.ts';
import { isReapable } from '../../activities/reaper.ts';
import { reaperWorkflow } from '../../workflows/reaper.ts';
import { EXAMPLE_SUITES, resultsTreeProblems } from '../support/backend-fixtures.ts';
import { backendWorker, executeSuite, serverOf } from '../support/backend-workflows.ts';
import { connectTestTemporal, tempDir } from '../support/temporal.ts';
import type { TestTemporal } from '../support/temporal.ts';
import { waitFor } from '../support/processes.ts';

/**
 * The live tier: the Phase-1 smoke suite on a real cluster with the kubernetes backend. Skipped unless KUBECONFIG
 * is set. This process is the worker, so it must reach pod IPs (run it inside the cluster network, e.g. from a pod
 * or a node); the vLLM pods need GPU nodes. Optional settings:
 *   EVALFLOW_LIVE_NAMESPACE      namespace with k8s/rbac.yaml applied (default evalflow)
 *   EVALFLOW_LIVE_MODEL          a models.yaml name (default qwen2.5-1.5b-instruct: one GPU)
 *   EVALFLOW_LIVE_NODE_SELECTOR  JSON, e.g. {"nvidia.com/gpu.product":"NVIDIA-H100-80GB-HBM3"} (default: any node with GPUs)
 *   EVALFLOW_LIVE_HF_TOKEN_SECRET  a Secret with key "token" (default: none, fine for Qwen)
 *   EVALFLOW_LIVE_HF_CACHE_PVC   a PVC for the weights (default: none, weights download into the pod)
 *   EVALFLOW_LIVE_EXPOSE         pod_ip (default) or service
 */

const LiveEnv = z.object({
  KUBECONFIG: z.string().min(1).optional(),
  EVALFLOW_LIVE_NAMESPACE: z.string().default('evalflow'),
  EVALFLOW_LIVE_MODEL: z.string().default('qwen2.5-1.5b-instruct'),
  EVALFLOW_LIVE_NODE_SELECTOR: z
    .string()
    .default('{}')
    .transform((text) => z.record(z.string(), z.string()).parse(JSON.parse(text))),
  EVALFLOW_LIVE_HF_TOKEN_SECRET: z.string().min(1).optional(),
  EVALFLOW_LIVE_HF_CACHE_PVC: z.string().min(1).optional(),
  EVALFLOW_LIVE_EXPOSE: z.enum(['pod_ip', 'service']).default('pod_ip'),
});
const env = LiveEnv.parse(process.env);

describe.skipIf(env.KUBECONFIG === undefined)('the kubernetes backend on a real cluster (KUBECONFIG)', () => {
  let t: TestTemporal;
  let work: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    t = await connectTestTemporal();
    work = await tempDir('live-k8s');
  });
  afterAll(async () => {
    await t?.close();
    await work?.remove();
  });

  /** The example suite with the cluster-specific parts from the environment; the kubeconfig comes from $KUBECONFIG. */
  async function liveSuite(): Promise<ResolvedSuite> {
    const suite = await loadSuite(EXAMPLE_SUITES.kubernetes, { resultsDir: join(work.path, 'results'), model: env.EVALFLOW_LIVE_MODEL });
    if (suite.backend.kind !== 'kubernetes') throw new Error(`${EXAMPLE_SUITES.kubernetes} is not a kubernetes suite`);
    const { hf_token_secret: _token, hf_cache_pvc: _pvc, ...rest } = suite.backend;
    suite.backend = {
      ...rest,
      namespace: env.EVALFLOW_LIVE_NAMESPACE,
      node_selector: env.EVALFLOW_LIVE_NODE_SELECTOR,
      expose: env.EVALFLOW_LIVE_EXPOSE,
      ready_timeout_s: 1800,
      unschedulable_timeout_s: 600,
      ...(env.EVALFLOW_LIVE_HF_TOKEN_SECRET ? { hf_token_secret: { name: env.EVALFLOW_LIVE_HF_TOKEN_SECRET, key: 'token' } } : {}),
      ...(env.EVALFLOW_LIVE_HF_CACHE_PVC ? { hf_cache_pvc: env.EVALFLOW_LIVE_HF_CACHE_PVC } : {}),
    };
    suite.configHash = suiteConfigHash(suite);
    return suite;
  }

  it('runs the smoke suite with a vLLM pod, writes the results tree, and leaves no pod behind', async () => {
    const suite = await liveSuite();
    if (!isReapable(suite.backend) || suite.backend.kind !== 'kubernetes') throw new Error('kubernetes only');
    const backend = suite.backend;
    const workflowId = `live-k8s-${process.pid}-${Date.now()}`;
    const { worker, taskQueue } = await backendWorker(t, 'live-k8s', work.path);
    // One worker run for both workflows: a Worker runs once.
    await worker.runUntil(async () => {
      const result = await executeSuite(t, suite, taskQueue, workflowId);
      expect(result.steps.map((s) => [s.step, s.status])).toEqual(suite.steps.map((s) => [s, 'done']));
      // GPU figures need the DCGM exporter and k8s/rbac.yaml's Role for it; without them run_meta.json says why.
      expect(await resultsTreeProblems(suite, 'either')).toEqual([]);

      // Deletion is graceful on a real cluster: wait for the pod to go, then the reaper must find nothing of ours.
      const source = new KubernetesBackend().leftovers(backend);
      const ours = async (): Promise<string[]> => (await source.list()).filter((l) => l.workflowId === workflowId).map((l) => l.name);
      await waitFor(async () => (await ours()).length === 0, 180_000, `pod ${serverOf(suite, workflowId)} to be deleted`, 2000);
      const reaped = await t.client.workflow.execute(reaperWorkflow, { taskQueue, workflowId: `${workflowId}-reaper`, args: [{ targets: [{ backend }], dryRun: true }] });
      expect(reaped.targets[0]?.leftovers.filter((l) => l.workflowId === workflowId)).toEqual([]);
    });
  });
});
