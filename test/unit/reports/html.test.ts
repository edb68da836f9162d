import { describe, expect, it } from 'vitest';
import { anchorId, escapeHtml, renderPage } from '../../../reports/html.ts';
import type { Page } from '../../../reports/html.ts';
import { formatCompact, formatGpus, formatMetric, formatNumber } from '../../../reports/format.ts';

const EVIL = `<script>alert("x")</script> & 'quotes'`;

function page(overrides: Partial<Page> = {}): Page {
  return {
    title: EVIL,
    heading: EVIL,
    meta: [['Model', EVIL]],
    warnings: [EVIL],
    cards: [{ label: EVIL, value: '1', unit: EVIL, detail: EVIL }],
    sections: [
      {
        id: 'quality',
        title: EVIL,
        source: EVIL,
        empty: null,
        charts: [
          { kind: 'note', id: 'n', title: EVIL, note: EVIL },
          { kind: 'spec', id: 'c', title: 'A chart', caption: EVIL, spec: { data: { values: [] }, mark: 'point' } },
        ],
        tables: [{ caption: EVIL, columns: [{ label: EVIL }, { label: 'n', numeric: true }], rows: [[EVIL, '1']] }],
      },
    ],
    footer: EVIL,
    ...overrides,
  };
}

describe('escapeHtml', () => {
  it.each([
    ['<b>', '&lt;b&gt;'],
    ['a & b', 'a &amp; b'],
    [`"double" 'single'`, '&quot;double&quot; &#39;single&#39;'],
    ['plain', 'plain'],
  ])('%s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });

  it('anchor ids keep letters, digits and dashes only', () => {
    expect(anchorId('Latency vs rate <p99>')).toBe('latency-vs-rate-p99');
    expect(anchorId('***')).toBe('section');
  });
});

describe('renderPage', () => {
  it('escapes every piece of text, so a model name cannot inject markup', () => {
    const html = renderPage(page(), new Map([['c', '<svg class="marks"></svg>']]));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
  });

  it('is self-contained: inline CSS and SVG, a CSP that forbids fetching anything, no script', () => {
    const html = renderPage(page(), new Map([['c', '<svg class="marks"></svg>']]));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).toContain(`content="default-src 'none'`);
    expect(html).not.toMatch(/<script|<link|\bsrc=|https?:\/\//);
    expect(html).toContain('<svg class="marks"></svg>');
  });

  it('shows a note for a note chart and for a chart whose SVG is missing', () => {
    const html = renderPage(page(), new Map());
    expect(html).toContain('This chart could not be rendered.');
    expect(html.match(/class="note"/g)).toHaveLength(2);
  });

  it('shows a section\'s empty note instead of its charts and tables', () => {
    const html = renderPage(page({ sections: [{ id: 'online', title: 'Online', source: null, empty: 'No online run folder.', charts: [], tables: [] }] }), new Map());
    expect(html).toContain('<p class="note">No online run folder.</p>');
    expect(html).not.toContain('<table');
  });

  it('right-aligns numeric columns', () => {
    const html = renderPage(page(), new Map());
    expect(html).toContain('<th class="num" scope="col">n</th>');
    expect(html).toContain('<td class="num">1</td>');
  });
});

describe('number formatting', () => {
  it.each([
    [3790.636, '3,791'],
    [150.11, '150.1'],
    [29.614, '29.61'],
    [0.5144, '0.514'],
    [32, '32'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('formatMetric(%s) = %s', (value, expected) => {
    expect(formatMetric(value)).toBe(expected);
  });

  it('fixed and compact decimals, grouped GPUs', () => {
    expect(formatNumber(2.5, 2)).toBe('2.50');
    expect(formatCompact(0.5, 2)).toBe('0.5');
    expect(formatCompact(72, 2)).toBe('72');
    expect(formatGpus([])).toBe('none reported');
    expect(formatGpus([{ name: 'H100', memory_mb: 81920 }, { name: 'H100', memory_mb: 81920 }])).toBe('2 × H100 (80 GB)');
  });
});
