import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { writeRunReport, writeSweepReport } from '../../reports/write.ts';
import { buildResultsTree, buildSweep } from '../unit/reports/fixture.ts';

/*
 * The browser tier: open the reports in headless Chromium and check what a person would see. Needs a Chromium
 * binary (CI installs /usr/bin/chromium; CHROMIUM_PATH points elsewhere) and skips, saying so, without one.
 * Screenshots land in EVALFLOW_SCREENSHOT_DIR (default <tmp>/evalflow-report-screenshots), overwritten each run.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = process.env.EVALFLOW_SCREENSHOT_DIR ?? join(tmpdir(), 'evalflow-report-screenshots');
// Without the background-networking flags Chromium keeps calling home, which floods a closed network.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!HAVE_CHROMIUM) console.warn(`browser tier skipped: no Chromium at ${CHROMIUM} (CI installs it; set CHROMIUM_PATH to use another binary)`);

/** Whether the page needs no sideways scrolling. A string expression: this project compiles without DOM types. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

describe.skipIf(!HAVE_CHROMIUM)(`reports in headless Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let dir: string;
  const reports: Record<'run' | 'sweep', string> = { run: '', sweep: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evalflow-browser-'));
    const tree = await buildResultsTree(join(dir, 'results'));
    reports.run = await writeRunReport(tree.root);
    reports.sweep = await writeSweepReport(await buildSweep(join(dir, 'sweep')));
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a report, recording console errors, page errors and any request besides the file itself. */
  async function open(file: string, width: number): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const url = pathToFileURL(file).href;
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it.each([
    ['run', 4],
    ['sweep', 5],
  ] as const)('%s report: every chart is drawn at a real size, nothing clipped, no errors, no requests', async (kind, charts) => {
    const { page, errors, requests } = await open(reports[kind], 1280);
    const figures = await page.locator('figure.chart').all();
    const boxes = [];
    for (const figure of figures) {
      const frame = await figure.boundingBox();
      const svg = await figure.locator('svg').boundingBox();
      const id = (await figure.getAttribute('id')) ?? '?';
      boxes.push({ id, width: svg?.width ?? 0, height: svg?.height ?? 0, fits: frame !== null && svg !== null && svg.x >= frame.x && svg.x + svg.width <= frame.x + frame.width });
    }
    expect(boxes).toHaveLength(charts);
    for (const b of boxes) {
      expect(b, b.id).toMatchObject({ fits: true });
      expect(b.width, b.id).toBeGreaterThan(300);
      expect(b.height, b.id).toBeGreaterThan(100);
    }
    // Wide tables scroll inside their own box; the page itself never scrolls sideways.
    expect(await fitsWidth(page)).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const shot = join(SCREENSHOTS, `${kind}-report.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.info(`screenshot: ${shot}`);
    await page.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const { page, errors } = await open(reports.run, 390);
    expect(await fitsWidth(page)).toBe(true);
    for (const svg of await page.locator('figure.chart svg').all()) {
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'run-report-phone.png'), fullPage: true });
    await page.close();
  });
});
