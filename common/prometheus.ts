/**
 * A small, tolerant parser for the Prometheus text format, enough to read a
 * few vLLM gauges. Lines that do not parse are skipped, never fatal: a scrape
 * is a side measurement and must not fail a benchmark.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;

function parseValue(text: string): number | null {
  switch (text) {
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      const v = Number(text);
      return text.length > 0 && !Number.isNaN(v) ? v : null;
    }
  }
}

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Samples of the wanted metric names (all when `names` is absent). */
export function parsePrometheusText(text: string, names?: ReadonlySet<string>): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (names !== undefined && !names.has(name)) continue;
    const value = parseValue(m[4]!);
    if (value === null) continue;
    const labels: Record<string, string> = {};
    if (m[3] !== undefined) for (const l of m[3].matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    out.push({ name, labels, value });
  }
  return out;
}
