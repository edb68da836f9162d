import type { ScalingRow } from './schema.ts';
import type { Chart } from './series.ts';
import { pointsOf, seriesOrNote, tickValues } from './series.ts';

type Field = readonly [series: string, value: (r: ScalingRow) => number | null];

interface SweepChart {
  id: string;
  /** Lower-case noun, as in "No model in the sweep has a value for energy". */
  what: string;
  caption: string;
  yTitle: string;
  fields: readonly Field[];
  domain?: readonly [number, number];
}

/** Seed 001 §5's size plots: quality, latency, throughput, memory and energy against model size. */
const SWEEP_CHARTS: readonly SweepChart[] = [
  {
    id: 'sweep-quality',
    what: 'accuracy',
    caption: 'Accuracy among scorable examples, per benchmark.',
    yTitle: 'Accuracy (%)',
    fields: [
      ['GSM8K', (r) => r.gsm8k_accuracy_pct],
      ['MATH', (r) => r.math_accuracy_pct],
      ['RouterBench', (r) => r.routerbench_accuracy_pct],
    ],
    domain: [0, 100],
  },
  {
    id: 'sweep-latency',
    what: 'latency',
    caption: 'TTFT from the offline throughput run; end-to-end latency from the online sweep.',
    yTitle: 'Latency (ms)',
    fields: [
      ['mean TTFT', (r) => r.mean_ttft_ms],
      ['p99 TTFT', (r) => r.p99_ttft_ms],
      ['p50 latency', (r) => r.latency_p50_ms],
      ['p99 latency', (r) => r.latency_p99_ms],
    ],
  },
  { id: 'sweep-throughput', what: 'throughput', caption: 'Output tokens per second in the offline throughput run.', yTitle: 'Output throughput (tok/s)', fields: [['output throughput', (r) => r.output_throughput_tps]] },
  { id: 'sweep-memory', what: 'GPU memory', caption: 'Peak GPU memory while serving.', yTitle: 'GPU memory (GB)', fields: [['GPU memory', (r) => r.gpu_memory_gb]] },
  { id: 'sweep-energy', what: 'energy', caption: 'GPU energy over the run, integrated from power samples.', yTitle: 'Energy (Wh)', fields: [['energy', (r) => r.energy_wh]] },
];

/** "energy: Qwen/Qwen2.5-32B-Instruct" for each series that some (not all) models lack: the gaps in its line. */
function gaps(rows: readonly ScalingRow[], fields: readonly Field[]): string[] {
  return fields.flatMap(([series, value]) => {
    const missing = rows.filter((r) => value(r) === null).map((r) => r.model);
    return missing.length > 0 && missing.length < rows.length ? [`${series} (${missing.join(', ')})`] : [];
  });
}

/** Each metric against model size, on a log axis labelled at the measured sizes. */
export function sweepCharts(rows: readonly ScalingRow[]): Chart[] {
  const sized = rows.filter((r): r is ScalingRow & { params_b: number } => r.params_b !== null && r.params_b > 0).sort((a, b) => a.params_b - b.params_b);
  const unsized = rows.filter((r) => !(r.params_b !== null && r.params_b > 0)).map((r) => r.model);
  const x = { title: 'Model size (billions of parameters)', log: true, ticks: tickValues(sized.map((r) => r.params_b), 16), labelSuffix: 'B' };
  const notPlotted = unsized.length > 0 ? ` Not plotted (no parameter count): ${unsized.join(', ')}.` : '';
  return SWEEP_CHARTS.map((c) => {
    const gapList = gaps(sized, c.fields);
    return seriesOrNote(
      {
        id: c.id,
        title: `${c.what[0]!.toUpperCase()}${c.what.slice(1)} vs model size`,
        caption: `${c.caption}${gapList.length > 0 ? ` Missing values: ${gapList.join('; ')}.` : ''}${notPlotted}`,
        points: pointsOf(sized, (r) => r.params_b, c.fields),
        series: c.fields.map(([s]) => s),
        x,
        y: { title: c.yTitle, ...(c.domain ? { domain: c.domain } : {}) },
      },
      sized.length === 0 ? 'No model in scaling_comparison.json has a parameter count.' : `No model in the sweep has a value for ${c.what}.`,
    );
  });
}
