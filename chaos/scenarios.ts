import { setTimeout as sleep } from 'node:timers/promises';
import type { ExpectedOutcome, ObservedOutcome, ResultsSnapshot } from './checks.ts';
import { describeTrigger } from './harness.ts';
import type { ScenarioEnv, Trigger } from './harness.ts';

/** How long one phase of a sweep may take to close (a worker-crash recovery waits out a 20 s heartbeat timeout). */
const CLOSE_TIMEOUT_MS = 150_000;

export interface Phase {
  expected: ExpectedOutcome;
  observed: ObservedOutcome;
}

/** What a scenario did; run.ts adds the checks over the results tree, the simulators' records and the cluster. */
export interface ScenarioRecord {
  /** The fault and its moment, in one line. */
  fault: string;
  /** When the fault was injected; finished work is what the snapshot `before` (taken just before) holds. */
  faultAtMs: number;
  before: ResultsSnapshot;
  phases: Phase[];
  /** Results as a stop left them (before any resubmission), checked like the final tree: partial results intact. */
  checkpoints: { label: string; snapshot: ResultsSnapshot; writersMayRun: boolean }[];
  /** Pods found where there must be none before the end (right after a cancel, after the reaper). */
  leakedPods: number;
  /** Scenario-specific findings (a reaper that had nothing to prove). */
  problems: string[];
}

export interface Scenario {
  description: string;
  run(env: ScenarioEnv): Promise<ScenarioRecord>;
}

const COMPLETED: ExpectedOutcome = { sweep: 'COMPLETED' };

interface Injected {
  trigger: Trigger;
  fault: string;
  faultAtMs: number;
  before: ResultsSnapshot;
  /** Run ids of the sweep and its children just before the fault. */
  runIds: Record<string, string>;
}

/** Submits the sweep, waits for the seeded moment, snapshots the results and injects the fault. */
async function injectMidStep(env: ScenarioEnv, fault: (t: Trigger) => Promise<string>): Promise<Injected> {
  await env.submit();
  const trigger = env.pickTrigger();
  await env.waitForTrigger(trigger);
  const before = await env.snapshot();
  const runIds = await env.runIds();
  const faultAtMs = Date.now();
  const what = await fault(trigger);
  return { trigger, fault: `${what} at ${describeTrigger(trigger)}`, faultAtMs, before, runIds };
}

async function phase(env: ScenarioEnv, name: string, expected: ExpectedOutcome): Promise<Phase> {
  const closed = await env.waitClosed(CLOSE_TIMEOUT_MS);
  return { expected, observed: await env.observe(name, closed) };
}

/** The fault, then the sweep must complete on its own. */
function survives(description: string, fault: (env: ScenarioEnv, t: Trigger) => Promise<string>): Scenario {
  return {
    description,
    async run(env) {
      const injected = await injectMidStep(env, (t) => fault(env, t));
      const phases = [await phase(env, 'after the fault', COMPLETED)];
      // Survived means the same runs finished: a fault must not make Temporal lose a run or start one afresh.
      const after = await env.runIds();
      const problems = Object.entries(injected.runIds)
        .filter(([id, runId]) => after[id] !== runId)
        .map(([id, runId]) => `${id}: run ${runId} before the fault, ${after[id] ?? 'none'} after`);
      return { ...injected, phases, checkpoints: [], leakedPods: 0, problems };
    },
  };
}

/** Every scenario, by the name `--scenario` takes, in the order they run. */
export const SCENARIOS = {
  'worker-sigkill': survives('the worker process is SIGKILLed mid-step; a new worker starts and the step resumes', async (env) => {
    const killed = await env.workers.kill('SIGKILL');
    const delayMs = env.rng.int(0, 2000);
    await sleep(delayMs);
    await env.workers.start();
    return `SIGKILL ${killed} worker(s), a new one ${delayMs} ms later,`;
  }),

  'simulator-kill': survives("the vLLM process in the pod dies (the pod's simulator closes; the kubelet reports the container exited)", async (env, t) => {
    const pod = env.podOf(t);
    await env.cluster.killServer(pod, 'Error');
    return `vLLM killed in pod ${pod.name}`;
  }),

  'pod-evicted': survives('the pod is evicted under node pressure (Failed, reason Evicted); the step is retried on a new pod', async (env, t) => {
    const pod = env.podOf(t);
    await env.cluster.evict(pod);
    return `evicted pod ${pod.name}`;
  }),

  'pod-oomkilled': {
    description: "the pod's container is OOMKilled: that model fails (non-retryable) and the sweep records it, the others complete; a resubmission finishes it",
    async run(env) {
      const injected = await injectMidStep(env, async (t) => {
        const pod = env.podOf(t);
        await env.cluster.killServer(pod, 'OOMKilled');
        return `OOMKilled pod ${pod.name}`;
      });
      const first = await phase(env, 'after the OOM', { sweep: 'FAILED', failureType: 'sweep_incomplete', failedModels: [{ model: injected.trigger.model, reasonIncludes: 'oom_killed' }] });
      const checkpoints = [{ label: 'after the OOM', snapshot: await env.snapshot(), writersMayRun: false }];
      await env.submit();
      return { ...injected, phases: [first, await phase(env, 'after resubmitting', COMPLETED)], checkpoints, leakedPods: 0, problems: [] };
    },
  },

  'node-lost': survives("the pod's node stops reporting (NotReady, unreachable taint, pods marked for deletion); the step moves to the other node", async (env, t) => {
    const pod = env.podOf(t);
    if (pod.node === null) throw new Error(`pod ${pod.name} has no node`);
    await env.cluster.loseNode(pod.node);
    return `lost node ${pod.node} (pod ${pod.name})`;
  }),

  'temporal-restart': survives('the Temporal server is SIGKILLed and started again on the same port and database', async (env) => {
    await env.shared.temporal.crash();
    const downMs = env.rng.int(500, 3000);
    await sleep(downMs);
    await env.shared.temporal.launch();
    return `Temporal SIGKILLed, down ${downMs} ms,`;
  }),

  'sweep-cancel': {
    description: 'the sweep is cancelled mid-run: it stops cleanly (children cancelled, servers torn down, partial results intact); a resubmission finishes it',
    async run(env) {
      const injected = await injectMidStep(env, async () => {
        await env.handle().cancel();
        return 'sweep cancelled';
      });
      const stopped = await phase(env, 'after the cancel', { sweep: 'CANCELLED' });
      const problems: string[] = [];
      const checkpoints = [{ label: 'after the cancel', snapshot: await env.snapshot(), writersMayRun: false }];
      const left = await env.cluster.leftovers(10_000);
      if (left.pods > 0) problems.push(`${left.pods} pod(s) left after the cancel`);
      await env.submit();
      return { ...injected, phases: [stopped, await phase(env, 'after resubmitting', COMPLETED)], checkpoints, leakedPods: left.pods, problems };
    },
  },

  'sweep-terminate': {
    description: 'the sweep and its running children are terminated (no cleanup runs); the reaper removes their pods; a resubmission finishes it',
    async run(env) {
      let children = 0;
      const injected = await injectMidStep(env, async () => {
        await env.handle().terminate('chaos: terminate the sweep');
        // Children are abandoned by design (they tear down on their own); an operator ending the sweep ends them too.
        children = await env.terminateChildren('chaos: terminate the sweep');
        return `sweep and ${children} child(ren) terminated`;
      });
      const stopped = await phase(env, 'after the termination', { sweep: 'TERMINATED' });
      const problems: string[] = [];
      // Reaping under activities that have not yet heard of the termination races them (they would see their
      // server vanish); the reaper's job is the leftovers, so it runs once they went quiet.
      const quietMs = await env.waitQuiet();
      const leftBefore = env.cluster.pods().length;
      const report = await env.reap();
      const removed = report.targets.reduce((n, r) => n + r.leftovers.filter((l) => l.resource === 'pod' && r.removed.includes(l.name)).length, 0);
      if (children > 0 && leftBefore === 0) problems.push('the terminated children left no pod: the reaper had nothing to prove');
      const left = await env.cluster.leftovers(10_000);
      if (left.pods > 0) problems.push(`${left.pods} pod(s) left after the reaper`);
      const checkpoints = [{ label: 'after the reaper', snapshot: await env.snapshot(), writersMayRun: true }];
      await env.submit();
      const finished = await phase(env, 'after resubmitting', COMPLETED);
      return { ...injected, fault: `${injected.fault}; quiet after ${(quietMs / 1000).toFixed(1)} s, reaper removed ${removed} of ${leftBefore} pod(s)`, phases: [stopped, finished], checkpoints, leakedPods: left.pods, problems };
    },
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES: ScenarioName[] = Object.keys(SCENARIOS).filter((k): k is ScenarioName => k in SCENARIOS);
