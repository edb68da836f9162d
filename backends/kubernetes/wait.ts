import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { EvalflowError, type ErrorCode } from '../../common/errors.ts';
import type { BackendContext } from '../types.ts';
import type { KubernetesBackendConfig } from './client.ts';
import { apiStatus, kubeAllowing, toEvalflowError } from './client.ts';
import { eventLines, viewPod, type PodFailure, type PodView } from './classify.ts';
import { CONTAINER_NAME } from './pod-spec.ts';

export type WaitGoal = 'scheduled' | 'ready';

export interface WaitOptions {
  core: CoreV1Api;
  cfg: KubernetesBackendConfig;
  name: string;
  goal: WaitGoal;
  ctx: BackendContext;
}

/** Transient read errors tolerated in a row before a wait gives up; a retried activity adopts the pod anyway. */
const MAX_READ_ERRORS = 3;
const LOG_TAIL_LINES = 40;
const MESSAGE_LOG_LINES = 8;

/** The last lines of the server container's log, or [] where it has none (never started, already gone). */
export async function tailLog(core: CoreV1Api, namespace: string, name: string, lines = LOG_TAIL_LINES): Promise<string[]> {
  try {
    const text = await core.readNamespacedPodLog({ name, namespace, container: CONTAINER_NAME, tailLines: lines });
    return text.split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

async function recentEvents(core: CoreV1Api, namespace: string, name: string): Promise<string[]> {
  try {
    const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}` });
    return eventLines(list.items);
  } catch {
    // Events are decoration; a cluster that hides them must not fail the wait.
    return [];
  }
}

interface Verdict {
  code: ErrorCode;
  message: string;
  reason: string;
  /** Attach the server log: the container ran, so its last lines say why it failed. */
  withLogs: boolean;
  extra?: Record<string, unknown>;
}

function fromFailure(failure: PodFailure): Verdict {
  return { code: failure.code, message: failure.message, reason: failure.reason, withLogs: failure.ran };
}

async function failWith(opts: WaitOptions, view: PodView, verdict: Verdict): Promise<never> {
  const { core, cfg, name } = opts;
  const { code, message } = verdict;
  const [events, logLines] = await Promise.all([recentEvents(core, cfg.namespace, name), verdict.withLogs ? tailLog(core, cfg.namespace, name) : Promise.resolve([])]);
  const tail = logLines.slice(-MESSAGE_LOG_LINES);
  const fullMessage = tail.length > 0 ? `${message}\n--- last server log lines ---\n${tail.join('\n')}` : message;
  throw new EvalflowError(code, fullMessage, { namespace: cfg.namespace, pod: name, phase: view.phase, reason: verdict.reason, events, last_log_lines: logLines, ...verdict.extra });
}

/**
 * Polls the pod until it reaches `goal` or a verdict, heartbeating phase and events each round.
 * Polling (not watch) because every round re-reads the truth: no missed events, no client-node watch timeouts to babysit.
 */
export async function waitForPod(opts: WaitOptions): Promise<V1Pod> {
  const { core, cfg, name, goal, ctx } = opts;
  const started = Date.now();
  const maxDelayMs = cfg.poll_interval_s * 1000;
  let delayMs = Math.min(250, maxDelayMs);
  let unschedulableSince: number | null = null;
  let readErrors = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    let pod: V1Pod;
    try {
      pod = await core.readNamespacedPod({ name, namespace: cfg.namespace });
      readErrors = 0;
    } catch (err) {
      if (apiStatus(err) === 404) {
        throw new EvalflowError('evicted', `pod ${cfg.namespace}/${name} disappeared while waiting (deleted by preemption, node loss or a person)`, { namespace: cfg.namespace, pod: name });
      }
      const classified = toEvalflowError(`read pod ${name}`, err);
      readErrors += 1;
      if (classified.code !== 'backend_api' || readErrors >= MAX_READ_ERRORS) throw classified;
      ctx.log(`pod ${name}: ${classified.message}; retrying`);
      await sleep(delayMs, undefined, { signal: ctx.signal });
      continue;
    }
    const view = viewPod(pod);
    if (view.failure !== null) await failWith(opts, view, fromFailure(view.failure));
    if (view.deleting) await failWith(opts, view, { code: 'evicted', message: `pod ${cfg.namespace}/${name} is being deleted`, reason: 'Deleting', withLogs: false });
    if (goal === 'scheduled' && view.scheduled) return pod;
    if (goal === 'ready' && view.ready) return pod;

    const now = Date.now();
    if (view.unschedulable !== null) {
      unschedulableSince ??= now;
      const waitedS = (now - unschedulableSince) / 1000;
      if (cfg.on_unschedulable === 'fail' || waitedS >= cfg.unschedulable_timeout_s) {
        const after = cfg.on_unschedulable === 'wait' ? ` after ${Math.round(waitedS)} s` : '';
        // The policy rides along so the activity layer can stop retrying when the suite asked to fail fast.
        const extra = { policy: cfg.on_unschedulable, waited_s: Math.round(waitedS) };
        await failWith(opts, view, { code: 'unschedulable', message: `pod ${cfg.namespace}/${name} cannot be scheduled${after}: ${view.unschedulable}`, reason: 'Unschedulable', withLogs: false, extra });
      }
    } else {
      unschedulableSince = null;
    }
    const elapsedS = (now - started) / 1000;
    if (goal === 'scheduled' && view.unschedulable === null && elapsedS >= cfg.unschedulable_timeout_s) {
      await failWith(opts, view, { code: 'unschedulable', message: `pod ${cfg.namespace}/${name} was not scheduled within ${cfg.unschedulable_timeout_s} s (${view.summary})`, reason: 'NotScheduled', withLogs: false });
    }
    if (goal === 'ready' && elapsedS >= cfg.ready_timeout_s) {
      await failWith(opts, view, { code: 'server_unhealthy', message: `pod ${cfg.namespace}/${name} not Ready within ${cfg.ready_timeout_s} s (${view.summary})`, reason: 'NotReady', withLogs: true });
    }

    const events = await recentEvents(core, cfg.namespace, name);
    ctx.heartbeat({ pod: name, goal, phase: view.phase, status: view.summary, events, waited_s: Math.round(elapsedS) });
    await sleep(delayMs, undefined, { signal: ctx.signal });
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}

/** Reads the pod until it is gone (deletes are graceful), for recreating a dead pod under the same name. */
export async function waitForPodGone(core: CoreV1Api, cfg: KubernetesBackendConfig, name: string, ctx: BackendContext, timeoutS = 120): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    ctx.signal.throwIfAborted();
    const found = await kubeAllowing(`read pod ${name}`, [404], () => core.readNamespacedPod({ name, namespace: cfg.namespace }));
    if (found === 404) return;
    ctx.heartbeat({ pod: name, status: 'waiting for the old pod to go' });
    await sleep(Math.min(1000, cfg.poll_interval_s * 1000), undefined, { signal: ctx.signal });
  }
  throw new EvalflowError('backend_api', `old pod ${cfg.namespace}/${name} still exists after ${timeoutS} s`, { namespace: cfg.namespace, pod: name });
}
