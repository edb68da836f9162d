/** The report's only stylesheet, inlined so the page is one file that opens anywhere (mail, CI artefacts, offline). */
export const PAGE_CSS = `
:root { --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --bg: #f6f7f9; --card: #ffffff; --accent: #0072B2; --warn: #9a3412; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background: #0f172a; color: #f8fafc; padding: 28px 40px 0; }
header .kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #94a3b8; }
header h1 { margin: 4px 0 16px; font-size: 26px; font-weight: 650; overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px 28px; margin: 0 0 18px; }
dl.meta div { min-width: 0; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #94a3b8; }
dl.meta dd { margin: 0; font-size: 14px; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
nav { display: flex; gap: 4px; flex-wrap: wrap; border-top: 1px solid #1e293b; padding: 8px 0; }
nav a { color: #cbd5e1; text-decoration: none; padding: 4px 10px; border-radius: 6px; font-size: 14px; }
nav a:hover { background: #1e293b; color: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 40px 40px; }
.warning { background: #fff7ed; border: 1px solid #fdba74; color: var(--warn); padding: 10px 14px; border-radius: 8px; margin: 0 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 14px; margin: 8px 0 28px; }
.card { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 10px; padding: 14px 16px; min-width: 0; }
.card-label { font-size: 13px; color: var(--muted); font-weight: 600; }
.card-value { white-space: nowrap; font-size: 26px; font-weight: 700; line-height: 1.2; margin: 4px 0; font-variant-numeric: tabular-nums; }
.card-value .unit { font-size: 15px; font-weight: 500; color: var(--muted); }
.card-detail { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
section { margin: 0 0 36px; }
section h2 { font-size: 20px; margin: 0 0 2px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
.source { margin: 6px 0 14px; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 540px), 1fr)); gap: 18px; margin-bottom: 18px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
figure.chart h3 { margin: 0 0 8px; font-size: 15px; }
figure.chart .svg { overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
.note { color: var(--muted); font-style: italic; margin: 8px 0; }
.chart-note { display: flex; flex-direction: column; justify-content: flex-start; }
.table-wrap { overflow-x: auto; margin: 0 0 18px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; padding: 10px 14px 6px; }
th, td { padding: 6px 8px; border-top: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f9fafb; font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); vertical-align: bottom; }
td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.charts > .table-wrap { margin: 0; align-self: start; }
tbody tr:nth-child(even) { background: #fafafa; }
footer { max-width: 1240px; margin: 0 auto; padding: 0 40px 32px; color: var(--muted); font-size: 12px; }
@media (max-width: 700px) { header, main, footer { padding-left: 16px; padding-right: 16px; } }
@media print { body { background: #fff; } header { background: #fff; color: var(--ink); } nav { display: none; } figure.chart, .card, .table-wrap { break-inside: avoid; } }
`;
