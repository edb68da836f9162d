import type { Chart } from './series.ts';
import { PAGE_CSS } from './page-css.ts';

/** A headline number: "Output throughput · 3,791 tok/s · 29.61 req/s". */
export interface Card {
  label: string;
  value: string;
  unit: string;
  detail: string;
}

export interface Column {
  label: string;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
}

export interface Table {
  caption: string;
  /** A narrow table sits in the chart grid beside the charts; others span the page below them. */
  inline?: boolean;
  columns: readonly Column[];
  rows: readonly (readonly string[])[];
}

export interface Section {
  id: string;
  title: string;
  /** Where the numbers came from, e.g. the run folder and its timestamp. */
  source: string | null;
  /** Shown instead of charts and tables when the section has no data. */
  empty: string | null;
  charts: readonly Chart[];
  tables: readonly Table[];
}

/** Everything on a page, as plain text; renderPage escapes it. */
export interface Page {
  title: string;
  heading: string;
  meta: readonly (readonly [string, string])[];
  warnings: readonly string[];
  cards: readonly Card[];
  sections: readonly Section[];
  footer: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text into HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** A fragment id from any text: letters, digits and dashes only. */
export function anchorId(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';
}

function renderCard(card: Card): string {
  const unit = card.unit ? ` <span class="unit">${escapeHtml(card.unit)}</span>` : '';
  return `<div class="card"><div class="card-label">${escapeHtml(card.label)}</div><div class="card-value">${escapeHtml(card.value)}${unit}</div><div class="card-detail">${escapeHtml(card.detail)}</div></div>`;
}

/**
 * A chart as a figure. The SVG comes from Vega's renderer, which escapes its own text, so it is the one
 * string placed unescaped; a chart without an SVG (a note, or a render that failed) shows its note.
 */
function renderFigure(chart: Chart, svgs: ReadonlyMap<string, string>): string {
  const heading = `<h3>${escapeHtml(chart.title)}</h3>`;
  const svg = chart.kind === 'spec' ? svgs.get(chart.id) : undefined;
  if (chart.kind === 'note' || svg === undefined) {
    const note = chart.kind === 'note' ? chart.note : 'This chart could not be rendered.';
    return `<figure class="chart chart-note" id="${escapeHtml(anchorId(chart.id))}">${heading}<p class="note">${escapeHtml(note)}</p></figure>`;
  }
  return `<figure class="chart" id="${escapeHtml(anchorId(chart.id))}">${heading}<div class="svg">${svg}</div><figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`;
}

function renderTable(table: Table): string {
  const cls = (c: Column | undefined): string => (c?.numeric ? ' class="num"' : '');
  const head = table.columns.map((c) => `<th${cls(c)} scope="col">${escapeHtml(c.label)}</th>`).join('');
  const body = table.rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(table.columns[i])}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><caption>${escapeHtml(table.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function renderSection(section: Section, svgs: ReadonlyMap<string, string>): string {
  const grid = [...section.charts.map((c) => renderFigure(c, svgs)), ...section.tables.filter((t) => t.inline).map(renderTable)];
  const source = section.source ? `<p class="source">${escapeHtml(section.source)}</p>` : '';
  const body =
    section.empty !== null
      ? `<p class="note">${escapeHtml(section.empty)}</p>`
      : `${grid.length > 0 ? `<div class="charts">${grid.join('\n')}</div>` : ''}${section.tables.filter((t) => !t.inline).map(renderTable).join('\n')}`;
  return `<section id="${escapeHtml(anchorId(section.id))}"><h2>${escapeHtml(section.title)}</h2>${source}${body}</section>`;
}

/** A self-contained page: inline CSS and SVG, no scripts, no external requests. `svgs` maps chart ids to rendered SVG. */
export function renderPage(page: Page, svgs: ReadonlyMap<string, string>): string {
  const meta = page.meta.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('');
  const warnings = page.warnings.map((w) => `<p class="warning" role="note">${escapeHtml(w)}</p>`).join('\n');
  const nav = page.sections.map((s) => `<a href="#${escapeHtml(anchorId(s.id))}">${escapeHtml(s.title)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(page.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<p class="kicker">evalflow report</p>
<h1>${escapeHtml(page.heading)}</h1>
<dl class="meta">${meta}</dl>
<nav>${nav}</nav>
</header>
<main>
${warnings}
${page.cards.length > 0 ? `<div class="cards">${page.cards.map(renderCard).join('\n')}</div>` : ''}
${page.sections.map((s) => renderSection(s, svgs)).join('\n')}
</main>
<footer>${escapeHtml(page.footer)}</footer>
</body>
</html>
`;
}
