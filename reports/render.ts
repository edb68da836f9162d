import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import { textWidth } from './text-width.ts';

/** Vega text is a string, a number, or an array of lines. */
type TextValue = string | number | readonly (string | number)[] | null;

interface TextItem {
  text?: TextValue;
  fontSize?: number;
  fontWeight?: string | number;
}

declare module 'vega' {
  /** Exported by vega-scenegraph but missing from vega-typings; vl-convert replaces `width` the same way. */
  export const textMetrics: { width: (item: TextItem, text?: TextValue) => number };
}

function isBold(weight: TextItem['fontWeight']): boolean {
  return weight === 'bold' || (typeof weight === 'number' && weight >= 600) || (typeof weight === 'string' && Number(weight) >= 600);
}

// Once per process: Node has no canvas to measure text, and every chart should lay out the same way.
vega.textMetrics.width = (item, text) => {
  const value = text ?? item.text;
  const lines = value === null || value === undefined ? [''] : typeof value === 'object' ? value.map(String) : [String(value)];
  return Math.max(0, ...lines.map((line) => textWidth(line, item.fontSize ?? 11, isBold(item.fontWeight))));
};

/**
 * Vega numbers clip paths and gradients per process (clip1, gradient_0…); prefixing them with the chart id keeps
 * them unique when several SVGs share one HTML page, whatever order or process they were rendered in.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}

/** A Vega-Lite spec as a standalone SVG string, rendered headless (no browser, no DOM). */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return scopeSvgIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
