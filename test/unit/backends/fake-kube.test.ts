import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiException, CoreV1Api, Watch, type V1Pod } from '@kubernetes/client-node';
import { FakeCluster } from '../../fakes/kube/cluster.ts';
import { matchesFields, matchesLabels } from '../../fakes/kube/selectors.ts';
import { until } from './helpers.ts';

const NS = 'fake-test';

function podBody(name: string, labels: Record<string, string> = {}, gpus = 1): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { restartPolicy: 'Never', containers: [{ name: 'vllm', image: 'img', args: ['--served-model-name', 'm', '--port', '8000'], ports: [{ containerPort: 8000 }], resources: { requests: { 'nvidia.com/gpu': String(gpus) } } }] },
  };
}

describe('fake kube-apiserver (through the real client-node)', () => {
  let cluster: FakeCluster;
  let core: CoreV1Api;

  beforeEach(async () => {
    cluster = await FakeCluster.start({ nodes: [{ name: 'n1', gpus: 1 }] });
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterEach(async () => {
    for (const p of cluster.store.list('pods', { namespace: null, labelSelector: null, fieldSelector: null })) cluster.store.delete('pods', p.metadata?.namespace, p.metadata?.name ?? '');
    expect(await cluster.settled()).toEqual({ pods: 0, services: 0, servers: 0 });
    await cluster.close();
  });

  it('creates, reads, lists by label and field, and deletes; 409 and 404 carry a V1Status body', async () => {
    await core.createNamespacedPod({ namespace: NS, body: podBody('a', { app: 'x', tier: 'one' }) });
    await core.createNamespacedPod({ namespace: NS, body: podBody('b', { app: 'y' }, 0) });
    const dup = await core.createNamespacedPod({ namespace: NS, body: podBody('a') }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ApiException);
    expect((dup as ApiException<string>).code).toBe(409);
    expect(JSON.parse((dup as ApiException<string>).body)).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    expect((await core.readNamespacedPod({ name: 'a', namespace: NS })).metadata?.uid).toBeTruthy();
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) => (await core.listNamespacedPod({ namespace: NS, ...q })).items.map((p) => p.metadata?.name);
    expect(await names({ labelSelector: 'app=x' })).toEqual(['a']);
    expect(await names({ labelSelector: 'app in (x,y),!tier' })).toEqual(['b']);
    expect(await names({ fieldSelector: 'metadata.name=b' })).toEqual(['b']);
    await core.deleteNamespacedPod({ name: 'a', namespace: NS });
    const gone = await core.readNamespacedPod({ name: 'a', namespace: NS }).catch((e: unknown) => e);
    expect((gone as ApiException<string>).code).toBe(404);
    expect(JSON.parse((gone as ApiException<string>).body)).toMatchObject({ reason: 'NotFound' });
  });

  it('schedules by GPU capacity and marks the rest Unschedulable with a FailedScheduling event', async () => {
    await core.createNamespacedPod({ namespace: NS, body: podBody('fits') });
    await core.createNamespacedPod({ namespace: NS, body: podBody('waits') });
    await until(async () => (await core.readNamespacedPod({ name: 'fits', namespace: NS })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
    await until(async () => (await core.readNamespacedPod({ name: 'waits', namespace: NS })).status?.conditions?.some((c) => c.reason === 'Unschedulable') === true);
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=waits' });
    expect(events.items.map((e) => e.reason)).toContain('FailedScheduling');
    // The running pod's simulator answers on podIP:containerPort.
    const fits = await core.readNamespacedPod({ name: 'fits', namespace: NS });
    expect((await fetch(`http://${fits.status?.podIP ?? ''}:8000/health`)).status).toBe(200);
    // Deleting the first frees the GPU for the second.
    await core.deleteNamespacedPod({ name: 'fits', namespace: NS });
    await until(async () => (await core.readNamespacedPod({ name: 'waits', namespace: NS })).spec?.nodeName === 'n1');
  });

  it('streams watch events from a resourceVersion, and answers 410 Gone below the compaction point', async () => {
    const list = await core.listNamespacedPod({ namespace: NS });
    const seen: string[] = [];
    const watch = new Watch(cluster.kubeConfig());
    const controller = await watch.watch(`/api/v1/namespaces/${NS}/pods`, { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'app=w' }, (type, obj: V1Pod) => seen.push(`${type} ${obj.metadata?.name ?? ''}`), () => undefined);
    await core.createNamespacedPod({ namespace: NS, body: podBody('w1', { app: 'w' }) });
    await core.createNamespacedPod({ namespace: NS, body: podBody('other') });
    await until(() => seen.some((s) => s.startsWith('MODIFIED w1')));
    await core.deleteNamespacedPod({ name: 'w1', namespace: NS });
    await until(() => seen.includes('DELETED w1'));
    controller.abort();
    expect(seen[0]).toBe('ADDED w1');
    expect(seen.some((s) => s.includes('other'))).toBe(false);

    cluster.api.compactedBelow = cluster.store.resourceVersion;
    const errors: unknown[] = [];
    const c2 = await watch.watch(`/api/v1/namespaces/${NS}/pods`, { resourceVersion: '1' }, (type, obj: { code?: number }) => errors.push([type, obj.code]), () => undefined);
    await until(() => errors.length > 0);
    c2.abort();
    expect(errors[0]).toEqual(['ERROR', 410]);
  });

  it('injects API errors on demand', async () => {
    cluster.api.inject({ method: 'GET', path: /\/pods$/, status: 500, times: 2 });
    for (let i = 0; i < 2; i++) expect(((await core.listNamespacedPod({ namespace: NS }).catch((e: unknown) => e)) as ApiException<string>).code).toBe(500);
    expect((await core.listNamespacedPod({ namespace: NS })).items).toEqual([]);
  });
});

describe('selectors', () => {
  it.each([
    ['a=1', { a: '1' }, true],
    ['a==1', { a: '2' }, false],
    ['a!=1', {}, true],
    ['a', { a: '' }, true],
    ['!a', { a: 'x' }, false],
    ['a in (1, 2),b notin (3)', { a: '2', b: '4' }, true],
    ['a in (1,2)', {}, false],
    ['', {}, true],
  ])('labels %j on %j → %s', (selector, labels, match) => {
    expect(matchesLabels(selector, labels)).toBe(match);
  });

  it('fields follow dotted paths', () => {
    const obj = { metadata: { name: 'p' }, status: { phase: 'Running' }, spec: { nodeName: 'n' } };
    expect(matchesFields('metadata.name=p,status.phase!=Failed', obj)).toBe(true);
    expect(matchesFields('spec.nodeName=x', obj)).toBe(false);
  });
});
