/**
 * Nested config → dotted keys (serving.max_num_seqs, eval.benchmarks.gsm8k.subset_size) so two
 * runs' configs diff line by line. Scalars are shown as JSON (strings bare); arrays stay whole,
 * as JSON, because their elements are rarely meaningful alone (extra_args, rates).
 */
export function flattenObject(value: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && path) out[path] = '{}';
      for (const [k, child] of entries) walk(child, path ? `${path}.${k}` : k);
      return;
    }
    if (!path) return;
    out[path] = typeof v === 'string' ? v : v === undefined ? 'undefined' : JSON.stringify(v);
  };
  walk(value, prefix);
  return out;
}
