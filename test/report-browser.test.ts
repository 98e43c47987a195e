/**
 * The report in a real browser: headless Chromium (Debian's package, driven by playwright-core,
 * no browser download) opens the page from file://, and it must load with no console error and no
 * request beyond the file itself, each chart an SVG with one line per learner, and a regression
 * run's predicted-against-true plot a point per sampled pair. Screenshots go to test/output/ (not committed). Where the browser is missing, the test says so and skips.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, runCli } from './helpers.js';
import { simulatedRuns } from './report-events.js';

const BROWSER = process.env.CHROMIUM ?? '/usr/bin/chromium';
const MISSING = existsSync(BROWSER) ? false : `skipped: no Chromium at ${BROWSER} (apt-get install chromium, or set CHROMIUM to its path)`;

describe('the report in headless Chromium', () => {
  it('loads from file:// with no console error and no network request; every chart is an SVG with one line per learner', { skip: MISSING, timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inc-learn-browser-'));
    const browser = await chromium.launch({ executablePath: BROWSER, args: ['--no-sandbox'] });
    try {
      const learners = [
        { name: 'logistic', before: 0.86, after: 0.84, recovery: 800 },
        { name: 'mlp', before: 0.9, after: 0.92, recovery: 1500 },
        { name: 'tree', before: 0.8, after: 0.88, recovery: 400 },
      ];
      const files = simulatedRuns(learners, { rows: 8000, reportEvery: 50, window: 500, driftAt: 3000, epochs: 2 }).map((events, i) => {
        const path = join(dir, `run${i}.jsonl`);
        writeFileSync(path, events);
        return path;
      });
      const page = join(dir, 'report.html');
      const made = await runCli(['report', ...files, '-o', page]);
      assert.equal(made.code, 0, made.stderr);

      const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      tab.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(page).href;
      await tab.goto(url, { waitUntil: 'load' });

      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url], 'the page itself and nothing else');
      const charts = await tab.$$eval('figure.chart', (figures) =>
        figures.map((f) => ({
          metric: f.getAttribute('data-metric'),
          svgs: f.querySelectorAll(':scope > svg').length,
          lines: f.querySelectorAll('g.mark-line path').length,
          width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        })),
      );
      assert.deepEqual(charts.map((c) => c.metric), ['rolling_accuracy', 'accuracy', 'rolling_loss', 'loss']);
      for (const c of charts) {
        assert.equal(c.svgs, 1, `${c.metric}: one SVG`);
        assert.equal(c.lines, learners.length, `${c.metric}: one line per learner`);
        assert.ok(c.width > 300, `${c.metric}: drawn ${c.width}px wide`);
      }
      assert.equal(await tab.locator('table.summary tbody tr').count(), learners.length);
      assert.equal(await tab.locator('figure.scatter').count(), 0, 'classification: no predicted-against-true plot');
      mkdirSync(join(ROOT, 'test/output'), { recursive: true });
      await tab.screenshot({ path: join(ROOT, 'test/output/report.png'), fullPage: true });

      // Regression: the summaries' samples of (prediction, truth) pairs, a point each, in each learner's colour.
      const regression = join(dir, 'regression.jsonl');
      const start = { event: 'start', input: 'friedman.csv', format: 'csv', schema: { columns: [], target: 'y', task: 'regression', classes: [], rows_inspected: 100 }, learner: 'several' };
      const summary = (model: string, pairs: number, bias: number) => ({
        event: 'summary', model, epochs: 1, rows: 1000, loss: 1, rmse: 1, predictions_sample: Array.from({ length: pairs }, (_, i) => [i / 10 + bias * Math.sin(i), i / 10]),
      });
      writeFileSync(regression, [start, summary('linear', 300, 2), summary('tree', 200, 1)].map((e) => JSON.stringify(e)).join('\n') + '\n');
      const regressionPage = join(dir, 'regression.html');
      assert.equal((await runCli(['report', regression, '-o', regressionPage])).code, 0);
      const scatterUrl = pathToFileURL(regressionPage).href;
      await tab.goto(scatterUrl, { waitUntil: 'load' });
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url, scatterUrl]);
      const scatter = await tab.$$eval('figure.scatter', (figures) =>
        figures.map((f) => ({ svgs: f.querySelectorAll(':scope > svg').length, fills: [...f.querySelectorAll('g.mark-symbol.role-mark path')].map((p) => p.getAttribute('fill')) })),
      );
      assert.equal(scatter.length, 1);
      assert.equal(scatter[0]!.svgs, 1);
      assert.equal(scatter[0]!.fills.filter((f) => f === '#0072B2').length, 300, 'linear: a point per pair');
      assert.equal(scatter[0]!.fills.filter((f) => f === '#D55E00').length, 200, 'tree: a point per pair');
      await tab.screenshot({ path: join(ROOT, 'test/output/report-regression.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
