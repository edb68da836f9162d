import type { Direction } from './policy.ts';
import { DEFAULT_ONLINE_METRICS, DEFAULT_THROUGHPUT_METRICS, resolveRule, EfficiencyPolicy } from './policy.ts';

const DEFAULT_EFFICIENCY = EfficiencyPolicy.parse({});

/**
 * Which way is better for a flattened metric name (gsm8k.accuracy_pct, throughput.p99_ttft_ms,
 * online.rate_8.latency_p99_ms), or null when "better" means nothing (counts, sizes).
 * The policy's known metrics first, then the unit suffix: times are lower-better, rates and accuracy higher.
 */
export function metricDirection(name: string): Direction | null {
  const key = name.split('.').pop() ?? name;
  const known = DEFAULT_THROUGHPUT_METRICS[key] ?? DEFAULT_ONLINE_METRICS[key];
  if (known) return resolveRule(known, DEFAULT_EFFICIENCY).better;
  if (/(_ms|_s)$/.test(key) || key === 'failed' || key === 'unscorable_examples') return 'lower';
  if (/(accuracy|_pct|_rps|_tps|goodput)/.test(key) || key === 'correct') return 'higher';
  return null;
}
