import type { BackendKind } from '../../configs/schema/suite.ts';

/**
 * The reaper's core, shared by every backend that can leak a server: terminated workflows run
 * no `finally`, so anything labelled with a closed workflow's id is a leftover.
 */
export interface Leftover {
  kind: BackendKind;
  /** What it is: pod, service, container, process. */
  resource: string;
  /** Pod, container or allocation name. */
  name: string;
  /** Full workflow id (from the annotation or label), or null when it cannot be read. */
  workflowId: string | null;
  runId: string | null;
  model: string | null;
  /** ISO time the object was created, when known. */
  createdAt: string | null;
  /** Pod phase, container state, or "running"/"exited" for a process. */
  state: string;
}

/** What a backend exposes to the reaper: list what evalflow created, remove one (idempotent). */
export interface LeftoverSource {
  list(): Promise<Leftover[]>;
  remove(leftover: Leftover): Promise<void>;
}

export type IsWorkflowOpen = (workflowId: string) => Promise<boolean>;

/** Objects whose workflow is closed. An object without a readable workflow id is left alone: it may not be ours to judge. */
export async function listLeftovers(source: LeftoverSource, isWorkflowOpen: IsWorkflowOpen): Promise<Leftover[]> {
  const all = await source.list();
  const open = new Map<string, boolean>();
  const leftovers: Leftover[] = [];
  for (const item of all) {
    if (item.workflowId === null) continue;
    let isOpen = open.get(item.workflowId);
    if (isOpen === undefined) {
      isOpen = await isWorkflowOpen(item.workflowId);
      open.set(item.workflowId, isOpen);
    }
    if (!isOpen) leftovers.push(item);
  }
  return leftovers;
}

export interface ReapReport {
  leftovers: Leftover[];
  removed: string[];
  failed: { name: string; error: string }[];
  dryRun: boolean;
}

/** Deletes every leftover (or only lists them with dryRun); one failure does not stop the rest. */
export async function reap(source: LeftoverSource, isWorkflowOpen: IsWorkflowOpen, options: { dryRun: boolean }): Promise<ReapReport> {
  const leftovers = await listLeftovers(source, isWorkflowOpen);
  const report: ReapReport = { leftovers, removed: [], failed: [], dryRun: options.dryRun };
  if (options.dryRun) return report;
  for (const item of leftovers) {
    try {
      await source.remove(item);
      report.removed.push(item.name);
    } catch (err) {
      report.failed.push({ name: item.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}
