import { randomUUID } from 'node:crypto';
import type { CoreV1Event, V1Node, V1ObjectMeta, V1Pod, V1Service } from '@kubernetes/client-node';
import { matchesFields, matchesLabels } from './selectors.ts';

/** The resources the fake apiserver serves, and the object type each holds. */
export interface ResourceTypes {
  pods: V1Pod;
  services: V1Service;
  events: CoreV1Event;
  nodes: V1Node;
}
export type ResourceName = keyof ResourceTypes;
export const RESOURCES: readonly ResourceName[] = ['pods', 'services', 'events', 'nodes'];
export const NAMESPACED: Record<ResourceName, boolean> = { pods: true, services: true, events: true, nodes: false };
export const KIND: Record<ResourceName, string> = { pods: 'Pod', services: 'Service', events: 'Event', nodes: 'Node' };

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface Change {
  type: ChangeType;
  resource: ResourceName;
  rv: number;
  object: ResourceTypes[ResourceName];
}

export interface ListQuery {
  namespace: string | null;
  labelSelector: string | null;
  fieldSelector: string | null;
}

type Maps = { [R in ResourceName]: Map<string, ResourceTypes[R]> };

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** In-memory etcd: objects, a global resourceVersion, a change history for watches, and listeners for the kubelet. */
export class FakeStore {
  #rv = 0;
  readonly #maps: Maps = { pods: new Map(), services: new Map(), events: new Map(), nodes: new Map() };
  readonly history: Change[] = [];
  readonly #listeners = new Set<(change: Change) => void>();

  get resourceVersion(): number {
    return this.#rv;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit<R extends ResourceName>(type: ChangeType, resource: R, object: ResourceTypes[R]): void {
    const change: Change = { type, resource, rv: this.#rv, object: structuredClone(object) };
    this.history.push(change);
    for (const listener of this.#listeners) listener(change);
  }

  #stamp(meta: V1ObjectMeta): void {
    this.#rv += 1;
    meta.resourceVersion = String(this.#rv);
  }

  /** Adds the object, or returns null when the name is taken (the caller answers 409). */
  create<R extends ResourceName>(resource: R, object: ResourceTypes[R]): ResourceTypes[R] | null {
    const meta = (object.metadata ??= {});
    const name = meta.name ?? '';
    const map = this.#maps[resource];
    if (map.has(key(meta.namespace, name))) return null;
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date();
    this.#stamp(meta);
    map.set(key(meta.namespace, name), object);
    this.#emit('ADDED', resource, object);
    return object;
  }

  get<R extends ResourceName>(resource: R, namespace: string | undefined, name: string): ResourceTypes[R] | undefined {
    return this.#maps[resource].get(key(NAMESPACED[resource] ? namespace : undefined, name));
  }

  /** Applies `mutate` and bumps the resourceVersion; a no-op for objects that are gone. */
  update<R extends ResourceName>(resource: R, namespace: string | undefined, name: string, mutate: (object: ResourceTypes[R]) => void): ResourceTypes[R] | undefined {
    const object = this.get(resource, namespace, name);
    if (object === undefined) return undefined;
    mutate(object);
    this.#stamp((object.metadata ??= {}));
    this.#emit('MODIFIED', resource, object);
    return object;
  }

  delete<R extends ResourceName>(resource: R, namespace: string | undefined, name: string): ResourceTypes[R] | undefined {
    const object = this.get(resource, namespace, name);
    if (object === undefined) return undefined;
    this.#maps[resource].delete(key(NAMESPACED[resource] ? namespace : undefined, name));
    this.#stamp((object.metadata ??= {}));
    this.#emit('DELETED', resource, object);
    return object;
  }

  list<R extends ResourceName>(resource: R, query: ListQuery): ResourceTypes[R][] {
    return [...this.#maps[resource].values()].filter((o) => this.matches(o, query));
  }

  matches(object: ResourceTypes[ResourceName], query: ListQuery): boolean {
    if (query.namespace !== null && object.metadata?.namespace !== query.namespace) return false;
    if (!matchesLabels(query.labelSelector, object.metadata?.labels)) return false;
    // Field selectors see the wire form (dates as strings), like the real apiserver.
    return matchesFields(query.fieldSelector, JSON.parse(JSON.stringify(object)));
  }

  count(resource: ResourceName): number {
    return this.#maps[resource].size;
  }

  /** Records an event on an object, folding repeats into a count like the real event recorder. */
  recordEvent(involved: V1Pod | V1Node, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const namespace = involved.metadata?.namespace ?? 'default';
    const involvedName = involved.metadata?.name ?? '';
    const kind = involved.kind ?? 'Pod';
    const existing = this.list('events', { namespace, labelSelector: null, fieldSelector: null }).find(
      (e) => e.involvedObject.name === involvedName && e.reason === reason && e.message === message,
    );
    const now = new Date();
    if (existing !== undefined) {
      this.update('events', namespace, existing.metadata.name ?? '', (e) => {
        e.count = (e.count ?? 1) + 1;
        e.lastTimestamp = now;
      });
      return;
    }
    this.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involvedName}.${randomUUID().slice(0, 8)}`, namespace },
      involvedObject: { kind, name: involvedName, namespace, uid: involved.metadata?.uid },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: reason === 'FailedScheduling' || reason === 'Scheduled' ? 'default-scheduler' : 'kubelet' },
    });
  }
}
