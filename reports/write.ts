import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeTextAtomic } from '../store/files.ts';
import type { Page } from './html.ts';
import { renderPage } from './html.ts';
import type { RunFolders } from './load.ts';
import { loadRun, loadSweep } from './load.ts';
import { renderSvg } from './render.ts';
import { runPage } from './run-page.ts';
import { sweepPage } from './sweep-page.ts';

export const RUN_REPORT_FILE = 'report.html';
export const SWEEP_REPORT_FILE = 'sweep_report.html';

export interface WriteOptions {
  /** Where to write; the default sits next to the data (results root or sweep folder). */
  outFile?: string;
  /** The footer's "generated" time; tests pin it. */
  now?: Date;
}

async function evalflowVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Every chart of the page as SVG, keyed by chart id. A chart that fails to render becomes a note, not a failed report. */
export async function renderCharts(page: Page): Promise<Map<string, string>> {
  const svgs = new Map<string, string>();
  for (const section of page.sections) {
    for (const chart of section.charts) {
      if (chart.kind !== 'spec') continue;
      try {
        svgs.set(chart.id, await renderSvg(chart.spec, chart.id));
      } catch (err) {
        console.warn(`evalflow report: chart ${chart.id} could not be rendered: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return svgs;
}

async function write(page: Page, outFile: string): Promise<string> {
  await writeTextAtomic(outFile, renderPage(page, await renderCharts(page)));
  return outFile;
}

/** The first given folder's grandparent: results/throughput/throughput-<ts> → results. */
function resultsRootOf(folders: RunFolders): string {
  const first = folders.throughput ?? folders.online ?? folders.quality;
  return first === undefined ? '.' : dirname(dirname(first));
}

/** report.html for a run: the latest folders under a results root, or the folders given. Returns the path written. */
export async function writeRunReport(source: string | RunFolders, opts: WriteOptions = {}): Promise<string> {
  const data = await loadRun(source);
  const outFile = opts.outFile ?? join(typeof source === 'string' ? source : resultsRootOf(source), RUN_REPORT_FILE);
  return write(runPage(data, { generatedAt: opts.now ?? new Date(), version: await evalflowVersion() }), outFile);
}

/** sweep_report.html for a sweep folder holding scaling_comparison.json. Returns the path written. */
export async function writeSweepReport(sweepDir: string, opts: WriteOptions = {}): Promise<string> {
  const data = await loadSweep(sweepDir);
  const outFile = opts.outFile ?? join(sweepDir, SWEEP_REPORT_FILE);
  return write(sweepPage(data, { generatedAt: opts.now ?? new Date(), version: await evalflowVersion() }), outFile);
}
