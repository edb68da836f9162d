import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { viewPod } from '../../../backends/kubernetes/classify.ts';
import { exitCode } from '../../../backends/docker/classify.ts';
import type { ErrorCode } from '../../../common/errors.ts';

function pod(status: V1Pod['status'], nodeName?: string): V1Pod {
  return { metadata: { name: 'p' }, spec: { containers: [{ name: 'vllm' }], ...(nodeName ? { nodeName } : {}) }, status };
}
const running: V1ContainerStatus = { name: 'vllm', image: 'i', imageID: '', ready: false, restartCount: 0, state: { running: {} } };
const waiting = (reason: string): V1ContainerStatus => ({ ...running, state: { waiting: { reason } } });
const terminated = (reason: string, exit = 1): V1ContainerStatus => ({ ...running, state: { terminated: { reason, exitCode: exit } } });
const cond = (type: string, status: 'True' | 'False', reason?: string): V1PodCondition => ({ type, status, ...(reason ? { reason } : {}) });

describe('viewPod: the verdict on one pod read', () => {
  it.each<[string, V1Pod, ErrorCode | null]>([
    ['pending, not yet looked at', pod({ phase: 'Pending' }), null],
    ['running, not ready', pod({ phase: 'Running', containerStatuses: [running] }, 'n'), null],
    ['ErrImagePull', pod({ phase: 'Pending', containerStatuses: [waiting('ErrImagePull')] }, 'n'), 'image_pull'],
    ['ImagePullBackOff', pod({ phase: 'Pending', containerStatuses: [waiting('ImagePullBackOff')] }, 'n'), 'image_pull'],
    ['InvalidImageName', pod({ phase: 'Pending', containerStatuses: [waiting('InvalidImageName')] }, 'n'), 'image_pull'],
    ['CreateContainerConfigError', pod({ phase: 'Pending', containerStatuses: [waiting('CreateContainerConfigError')] }, 'n'), 'config_invalid'],
    ['ContainerCreating is progress', pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating')] }, 'n'), null],
    ['CrashLoopBackOff', pod({ phase: 'Running', containerStatuses: [waiting('CrashLoopBackOff')] }, 'n'), 'crash_loop'],
    ['CrashLoopBackOff after OOM', pod({ phase: 'Running', containerStatuses: [{ ...waiting('CrashLoopBackOff'), lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }, 'n'), 'oom_killed'],
    ['OOMKilled', pod({ phase: 'Failed', containerStatuses: [terminated('OOMKilled', 137)] }, 'n'), 'oom_killed'],
    ['exited with an error', pod({ phase: 'Failed', containerStatuses: [terminated('Error')] }, 'n'), 'crash_loop'],
    ['exited cleanly', pod({ phase: 'Succeeded', containerStatuses: [terminated('Completed', 0)] }, 'n'), 'crash_loop'],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }, 'n'), 'evicted'],
    ['preempted (DisruptionTarget)', pod({ phase: 'Running', conditions: [cond('DisruptionTarget', 'True', 'PreemptionByScheduler')] }, 'n'), 'evicted'],
    ['node lost', pod({ phase: 'Running', reason: 'NodeLost' }, 'n'), 'evicted'],
    ['taint manager', pod({ phase: 'Running', conditions: [cond('DisruptionTarget', 'True', 'DeletionByTaintManager')] }, 'n'), 'evicted'],
    ['graceful node shutdown', pod({ phase: 'Failed', reason: 'Terminated' }, 'n'), 'evicted'],
    ['deadline exceeded', pod({ phase: 'Failed', reason: 'DeadlineExceeded' }, 'n'), 'server_unhealthy'],
    ['failed, no detail', pod({ phase: 'Failed' }, 'n'), 'crash_loop'],
  ])('%s', (_what, p, code) => {
    expect(viewPod(p).failure?.code ?? null).toBe(code);
  });

  it('reports the scheduler message while unschedulable, and scheduling once placed', () => {
    const message = '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.';
    const pending = viewPod(pod({ phase: 'Pending', conditions: [{ ...cond('PodScheduled', 'False', 'Unschedulable'), message }] }));
    expect(pending).toMatchObject({ scheduled: false, unschedulable: message, ready: false, summary: 'Pending: Unschedulable' });
    const placed = viewPod(pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'True')] }, 'gpu-1'));
    expect(placed).toMatchObject({ scheduled: true, unschedulable: null });
  });

  it('is ready only with the Ready condition', () => {
    expect(viewPod(pod({ phase: 'Running', conditions: [cond('Ready', 'True')], containerStatuses: [running] }, 'n')).ready).toBe(true);
    expect(viewPod(pod({ phase: 'Running', conditions: [cond('Ready', 'False')], containerStatuses: [running] }, 'n')).ready).toBe(false);
  });
});

describe('docker exit classification', () => {
  const state = (s: Partial<Parameters<typeof exitCode>[0]>): Parameters<typeof exitCode>[0] => ({
    Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 1, Error: '', StartedAt: '', FinishedAt: '', ...s,
  });
  it.each<[string, Partial<Parameters<typeof exitCode>[0]>, ErrorCode]>([
    ['OOM', { OOMKilled: true, ExitCode: 137 }, 'oom_killed'],
    ['killed from outside', { ExitCode: 137 }, 'server_crashed'],
    ['SIGTERM', { ExitCode: 143 }, 'server_crashed'],
    ['dead', { Status: 'dead', Dead: true }, 'server_crashed'],
    ['error exit', { ExitCode: 1 }, 'crash_loop'],
    ['clean exit', { ExitCode: 0 }, 'crash_loop'],
  ])('%s', (_what, s, code) => {
    expect(exitCode(state(s))).toBe(code);
  });
});
