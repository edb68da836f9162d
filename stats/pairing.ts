/**
 * Pairs two runs' per-item outcomes for the paired tests. Items pair by (benchmark, id), and only
 * where the prompt hashes match: the same id with a different prompt is a different question
 * (a changed template or few-shot set), so comparing them would test the prompt, not the server.
 */

/** One line of `<bench>_results.jsonl`, reduced to what pairing needs. */
export interface ItemOutcome {
  benchmark: string;
  id: string;
  prompt_hash: string | null;
  /** null: unscorable (no answer, no label, request error). */
  correct: boolean | null;
}

export interface PairingCounts {
  paired: number;
  /** Present on both sides with the same prompt, but unscorable on at least one. */
  unscorable_dropped: number;
  /** Present on both sides with different (or missing) prompt hashes. */
  prompt_mismatch: number;
  only_a: number;
  only_b: number;
  /** Repeated ids within one side (the last line wins, as a resumed file would be read). */
  duplicates: number;
}

export interface PairedSample {
  benchmark: string;
  /** Item ids in sorted order: the bootstrap's resampling depends on order, file order must not. */
  ids: string[];
  /** 1 = correct, 0 = wrong, aligned with ids. */
  a: Uint8Array;
  b: Uint8Array;
  counts: PairingCounts;
}

function byBenchmark(items: readonly ItemOutcome[]): { map: Map<string, Map<string, ItemOutcome>>; duplicates: Map<string, number> } {
  const map = new Map<string, Map<string, ItemOutcome>>();
  const duplicates = new Map<string, number>();
  for (const item of items) {
    let inner = map.get(item.benchmark);
    if (!inner) map.set(item.benchmark, (inner = new Map<string, ItemOutcome>()));
    if (inner.has(item.id)) duplicates.set(item.benchmark, (duplicates.get(item.benchmark) ?? 0) + 1);
    inner.set(item.id, item);
  }
  return { map, duplicates };
}

function compareIds(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Pair a's and b's outcomes per benchmark; benchmarks present on either side get an entry (possibly with 0 pairs). */
export function pairItems(a: readonly ItemOutcome[], b: readonly ItemOutcome[]): Map<string, PairedSample> {
  const left = byBenchmark(a);
  const right = byBenchmark(b);
  const names = [...new Set([...left.map.keys(), ...right.map.keys()])].sort(compareIds);
  const out = new Map<string, PairedSample>();
  for (const benchmark of names) {
    const la = left.map.get(benchmark) ?? new Map<string, ItemOutcome>();
    const rb = right.map.get(benchmark) ?? new Map<string, ItemOutcome>();
    const counts: PairingCounts = {
      paired: 0,
      unscorable_dropped: 0,
      prompt_mismatch: 0,
      only_a: 0,
      only_b: 0,
      duplicates: (left.duplicates.get(benchmark) ?? 0) + (right.duplicates.get(benchmark) ?? 0),
    };
    const ids: string[] = [];
    for (const id of [...la.keys()].sort(compareIds)) {
      const x = la.get(id)!;
      const y = rb.get(id);
      if (!y) {
        counts.only_a++;
        continue;
      }
      if (x.prompt_hash === null || x.prompt_hash !== y.prompt_hash) counts.prompt_mismatch++;
      else if (x.correct === null || y.correct === null) counts.unscorable_dropped++;
      else ids.push(id);
    }
    for (const id of rb.keys()) if (!la.has(id)) counts.only_b++;
    counts.paired = ids.length;
    const av = new Uint8Array(ids.length);
    const bv = new Uint8Array(ids.length);
    ids.forEach((id, i) => {
      av[i] = la.get(id)!.correct ? 1 : 0;
      bv[i] = rb.get(id)!.correct ? 1 : 0;
    });
    out.set(benchmark, { benchmark, ids, a: av, b: bv, counts });
  }
  return out;
}
