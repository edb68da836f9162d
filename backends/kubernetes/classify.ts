import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { ErrorCode } from '../../common/errors.ts';

/** A verdict on a pod that will not become a healthy server on its own. */
export interface PodFailure {
  code: ErrorCode;
  reason: string;
  message: string;
  /** Whether the container ran, so its log is worth attaching. */
  ran: boolean;
}

/** Everything the wait loops need from one pod read, computed without I/O. */
export interface PodView {
  phase: string;
  scheduled: boolean;
  /** The scheduler's message while the pod cannot be placed (PodScheduled=False, reason Unschedulable). */
  unschedulable: string | null;
  ready: boolean;
  /** The pod is being deleted (preemption, node loss, a person): it will not serve. */
  deleting: boolean;
  failure: PodFailure | null;
  /** One line for heartbeats and logs, e.g. "Pending: ContainerCreating". */
  summary: string;
}

/** Pod-level reasons (status.reason or the DisruptionTarget condition) for a pod taken away from under us: retry elsewhere. */
const POD_REASONS: Record<string, ErrorCode> = {
  Evicted: 'evicted',
  Preempting: 'evicted',
  NodeLost: 'evicted',
  NodeShutdown: 'evicted',
  Shutdown: 'evicted',
  Terminated: 'evicted',
  UnexpectedAdmissionError: 'evicted',
  TerminationByKubelet: 'evicted',
  PreemptionByScheduler: 'evicted',
  DeletionByTaintManager: 'evicted',
  DeletionByPodGC: 'evicted',
  EvictionByEvictionAPI: 'evicted',
  // activeDeadlineSeconds hit: the cap is there to stop a server that never got healthy.
  DeadlineExceeded: 'server_unhealthy',
};

/** Reasons a container waits forever. */
const WAITING_REASONS: Record<string, ErrorCode> = {
  ErrImagePull: 'image_pull',
  ImagePullBackOff: 'image_pull',
  InvalidImageName: 'image_pull',
  ErrImageNeverPull: 'image_pull',
  CrashLoopBackOff: 'crash_loop',
  // A missing Secret or ConfigMap key: fix the config, do not retry.
  CreateContainerConfigError: 'config_invalid',
  CreateContainerError: 'crash_loop',
  RunContainerError: 'crash_loop',
};

/** Reasons a container stopped; with restartPolicy Never any stop ends the server. */
const TERMINATED_REASONS: Record<string, ErrorCode> = {
  OOMKilled: 'oom_killed',
  Error: 'crash_loop',
  Completed: 'crash_loop',
  ContainerCannotRun: 'crash_loop',
  StartError: 'crash_loop',
};

function containerFailure(cs: V1ContainerStatus): PodFailure | null {
  const waiting = cs.state?.waiting;
  if (waiting?.reason !== undefined) {
    const code = WAITING_REASONS[waiting.reason];
    // A crash loop's real cause (often OOMKilled) is in lastState.
    const last = cs.lastState?.terminated;
    if (code === 'crash_loop' && last?.reason === 'OOMKilled') {
      return { code: 'oom_killed', reason: 'OOMKilled', message: `container ${cs.name} was OOM-killed (exit ${last.exitCode})`, ran: true };
    }
    if (code !== undefined) {
      return { code, reason: waiting.reason, message: `container ${cs.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`, ran: code === 'crash_loop' };
    }
  }
  const terminated = cs.state?.terminated;
  if (terminated !== undefined) {
    const reason = terminated.reason ?? 'Error';
    const code = TERMINATED_REASONS[reason] ?? 'crash_loop';
    const signal = terminated.signal !== undefined ? `, signal ${terminated.signal}` : '';
    return { code, reason, message: `container ${cs.name} exited (${reason}, exit ${terminated.exitCode}${signal})${terminated.message ? `: ${terminated.message}` : ''}`, ran: true };
  }
  return null;
}

function podLevelFailure(pod: V1Pod): PodFailure | null {
  const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const reason = pod.status?.reason ?? disruption?.reason;
  if (reason === undefined) return null;
  const code = POD_REASONS[reason];
  if (code === undefined) return null;
  const message = pod.status?.message ?? disruption?.message ?? '';
  return { code, reason, message: `pod ${pod.metadata?.name ?? '?'} ${reason}${message ? `: ${message}` : ''}`, ran: code !== 'evicted' };
}

function failureOf(pod: V1Pod): PodFailure | null {
  const podLevel = podLevelFailure(pod);
  if (podLevel !== null) return podLevel;
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const failure = containerFailure(cs);
    if (failure !== null) return failure;
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    return { code: 'crash_loop', reason: phase, message: `pod ${pod.metadata?.name ?? '?'} ended (${phase})${pod.status?.message ? `: ${pod.status.message}` : ''}`, ran: true };
  }
  return null;
}

export function viewPod(pod: V1Pod): PodView {
  const conditions = pod.status?.conditions ?? [];
  const scheduledCond = conditions.find((c) => c.type === 'PodScheduled');
  const scheduled = pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '';
  const unschedulable = !scheduled && scheduledCond?.status === 'False' && scheduledCond.reason === 'Unschedulable' ? (scheduledCond.message ?? 'Unschedulable') : null;
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const failure = failureOf(pod);
  const phase = pod.status?.phase ?? 'Unknown';
  const waitingReason = pod.status?.containerStatuses?.find((cs) => cs.state?.waiting?.reason)?.state?.waiting?.reason;
  const detail = failure?.reason ?? (unschedulable !== null ? 'Unschedulable' : (waitingReason ?? (ready ? 'Ready' : scheduled ? 'NotReady' : 'Unscheduled')));
  return {
    phase,
    scheduled,
    unschedulable,
    ready,
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    failure,
    summary: `${phase}: ${detail}`,
  };
}

/** The newest few events as "Reason: message" lines, for heartbeats and error details. */
export function eventLines(events: CoreV1Event[], limit = 5): string[] {
  const time = (e: CoreV1Event): number => (e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp)?.getTime() ?? 0;
  return [...events]
    .sort((a, b) => time(a) - time(b))
    .slice(-limit)
    .map((e) => `${e.type === 'Warning' ? 'Warning ' : ''}${e.reason ?? '?'}: ${e.message ?? ''}`);
}
