/** Text formatting shared by charts and pages; pure. */

const BENCHMARK_LABELS: Record<string, string> = { gsm8k: 'GSM8K', math: 'MATH', routerbench: 'RouterBench' };

/** Display name of a benchmark key; unknown keys pass through. */
export function benchmarkLabel(key: string): string {
  return BENCHMARK_LABELS[key] ?? key;
}

/** Fixed decimals with thousands separators; an em dash for a missing value. */
export function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** At most `digits` decimals, trailing zeros dropped: a configured value (rate 0.5, size 1.5B) as written. */
export function formatCompact(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** Decimals by magnitude: 3,791 · 150.1 · 29.61 · 0.514, about four significant digits; integers as integers. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  // Counts stay counts: 32, not 32.00.
  if (Number.isInteger(value)) return formatNumber(value, 0);
  return formatNumber(value, magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 3);
}

/** GPUs as "2 × NVIDIA H100 80GB (80 GB)"; identical devices grouped. */
export function formatGpus(gpus: readonly { name: string; memory_mb: number | null }[]): string {
  if (gpus.length === 0) return 'none reported';
  const counts = new Map<string, number>();
  for (const g of gpus) {
    const label = g.memory_mb === null ? g.name : `${g.name} (${formatNumber(g.memory_mb / 1024, 0)} GB)`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => (n === 1 ? label : `${n} × ${label}`)).join(', ');
}
