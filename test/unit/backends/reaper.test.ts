import { describe, expect, it, vi } from 'vitest';
import { listLeftovers, reap, type Leftover, type LeftoverSource } from '../../../backends/kubernetes/reaper.ts';

function leftover(name: string, workflowId: string | null): Leftover {
  return { kind: 'kubernetes', resource: 'pod', name, workflowId, runId: null, model: 'm', createdAt: null, state: 'Running' };
}

function source(items: Leftover[], failOn: string[] = []): LeftoverSource & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    list: () => Promise.resolve(items.filter((i) => !removed.includes(i.name))),
    remove: (l) => (failOn.includes(l.name) ? Promise.reject(new Error(`cannot delete ${l.name}`)) : Promise.resolve(void removed.push(l.name))),
  };
}

describe('reaper', () => {
  const items = [leftover('a', 'wf-open'), leftover('b', 'wf-closed'), leftover('c', 'wf-closed'), leftover('d', null)];

  it('lists objects of closed workflows, asking once per workflow and skipping unreadable ids', async () => {
    const isOpen = vi.fn((id: string) => Promise.resolve(id === 'wf-open'));
    const found = await listLeftovers(source(items), isOpen);
    expect(found.map((l) => l.name)).toEqual(['b', 'c']);
    expect(isOpen).toHaveBeenCalledTimes(2);
  });

  it('dry run removes nothing', async () => {
    const s = source(items);
    const report = await reap(s, (id) => Promise.resolve(id === 'wf-open'), { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, removed: [], failed: [] });
    expect(report.leftovers).toHaveLength(2);
    expect(s.removed).toEqual([]);
  });

  it('removes every leftover and reports failures without stopping', async () => {
    const s = source(items, ['b']);
    const report = await reap(s, (id) => Promise.resolve(id === 'wf-open'), { dryRun: false });
    expect(report.removed).toEqual(['c']);
    expect(report.failed).toEqual([{ name: 'b', error: 'cannot delete b' }]);
  });
});
