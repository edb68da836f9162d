import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../configs/load.ts';
import { DEFAULT_POLICY, RegressionPolicy } from '../../../regression/policy.ts';
import { metricDirection } from '../../../regression/direction.ts';

describe('RegressionPolicy', () => {
  it('defaults: α 0.05 Holm, exact McNemar, 2 pts, 20 pairs, B 10,000; −5% throughput, +10% latency', () => {
    expect(DEFAULT_POLICY.quality).toEqual({ alpha: 0.05, correction: 'holm', test: 'mcnemar_exact', min_effect_pts: 2, min_paired_items: 20, bootstrap_resamples: 10_000, bootstrap_seed: 12345 });
    expect(DEFAULT_POLICY.efficiency).toMatchObject({ throughput_drop_pct: 5, latency_rise_pct: 10, require_self_check: true });
    expect(DEFAULT_POLICY.efficiency.online_metrics).toEqual({ effective_throughput_tps: 'higher', latency_p50_ms: 'lower', latency_p99_ms: 'lower', ttft_p99_ms: 'lower' });
  });

  it('parses from YAML (as a schedule carries it), filling defaults', () => {
    const p = parseConfigText(RegressionPolicy, 'quality:\n  alpha: 0.01\n  correction: bh\nefficiency:\n  latency_rise_pct: 20\n', 'policy.yaml');
    expect(p.quality).toMatchObject({ alpha: 0.01, correction: 'bh', min_effect_pts: 2 });
    expect(p.efficiency).toMatchObject({ latency_rise_pct: 20, throughput_drop_pct: 5 });
  });

  it.each([
    ['quality:\n  alpah: 0.01\n', 'policy.yaml:2:3: quality.alpah: unknown key "alpah"'],
    ['quality:\n  alpha: 2\n', 'quality.alpha'],
    ['quality:\n  correction: bonferroni\n', 'quality.correction'],
    ['efficiency:\n  throughput_metrics:\n    request_throughput_rps: sideways\n', 'efficiency.throughput_metrics.request_throughput_rps'],
  ])('rejects %j', (text, message) => {
    expect(() => parseConfigText(RegressionPolicy, text, 'policy.yaml')).toThrow(message);
  });
});

describe('metricDirection', () => {
  it.each([
    ['gsm8k.accuracy_pct', 'higher'],
    ['throughput.request_throughput_rps', 'higher'],
    ['throughput.p99_ttft_ms', 'lower'],
    ['online.rate_8.latency_p99_ms', 'lower'],
    ['online.rate_8.goodput_rps', 'higher'],
    ['gsm8k.unscorable_examples', 'lower'],
    ['gsm8k.total_examples', null],
  ])('%s → %s', (name, dir) => {
    expect(metricDirection(name)).toBe(dir);
  });
});
