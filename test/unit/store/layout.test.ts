import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../../configs/resolve.ts';
import { compactTimestamp, rateFolderName, runFolderName, stepKey, qualityRunKey } from '../../../store/layout.ts';

describe('results layout', () => {
  it('names run folders like the seed: <kind>-YYYYMMDDTHHMMSSZ', () => {
    const d = new Date('2026-02-24T12:00:00.123Z');
    expect(compactTimestamp(d)).toBe('20260224T120000Z');
    expect(runFolderName('throughput', d)).toBe('throughput-20260224T120000Z');
  });

  it.each([
    [1, 'rate_1'],
    [10, 'rate_10'],
    [0.5, 'rate_0.5'],
    [2.25, 'rate_2.25'],
  ])('rate %s -> %s', (rate, name) => {
    expect(rateFolderName(rate)).toBe(name);
  });
});

describe('step keys depend on exactly the config that affects each step', () => {
  it('are stable for equal configs', async () => {
    const a = await loadSuite('configs/suites/phase1.yaml');
    const b = await loadSuite('configs/suites/phase1.yaml', { resultsDir: '/elsewhere' });
    for (const step of a.steps) expect(stepKey(a, step)).toBe(stepKey(b, step));
  });

  it('a batching knob changes efficiency keys but not quality keys', async () => {
    const a = await loadSuite('configs/suites/phase1.yaml');
    const b = structuredClone(a);
    b.serving.max_num_seqs += 1;
    expect(stepKey(b, 'throughput')).not.toBe(stepKey(a, 'throughput'));
    expect(stepKey(b, 'online')).not.toBe(stepKey(a, 'online'));
    expect(stepKey(b, 'gsm8k')).toBe(stepKey(a, 'gsm8k'));
  });

  it('a benchmark setting changes only that benchmark (and the quality run folder)', async () => {
    const a = await loadSuite('configs/suites/phase1.yaml');
    const b = structuredClone(a);
    b.eval.benchmarks.math!.subset_size = 3;
    expect(stepKey(b, 'math')).not.toBe(stepKey(a, 'math'));
    expect(stepKey(b, 'gsm8k')).toBe(stepKey(a, 'gsm8k'));
    expect(stepKey(b, 'throughput')).toBe(stepKey(a, 'throughput'));
    expect(qualityRunKey(b)).not.toBe(qualityRunKey(a));
  });

  it('GPU sampling settings change no key (sampling only watches), other backend settings do', async () => {
    const a = await loadSuite('configs/suites/phase1-k8s.yaml');
    if (a.backend.kind !== 'kubernetes') throw new Error('phase1-k8s.yaml is a kubernetes suite');
    const sampled = structuredClone(a);
    sampled.backend = { ...a.backend, gpu_telemetry: { dcgm_exporter: null, interval_s: 5 } };
    const moved = structuredClone(a);
    moved.backend = { ...a.backend, namespace: 'elsewhere' };
    for (const step of a.steps) {
      expect(stepKey(sampled, step)).toBe(stepKey(a, step));
      expect(stepKey(moved, step)).not.toBe(stepKey(a, step));
    }
  });

  it('another model or backend changes every key', async () => {
    const a = await loadSuite('configs/suites/phase1.yaml');
    const b = await loadSuite('configs/suites/phase1.yaml', { model: 'qwen2.5-7b-instruct' });
    const c = structuredClone(a);
    c.backend = { kind: 'external', base_url: 'http://x:8000' };
    for (const step of a.steps) {
      expect(stepKey(b, step)).not.toBe(stepKey(a, step));
      expect(stepKey(c, step)).not.toBe(stepKey(a, step));
    }
  });
});
