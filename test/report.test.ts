/**
 * The learning-curve report: from train's own JSON events (epochs only, as today) and from events
 * of the evaluation contract (report, drift, model), several runs or learners, a long run kept
 * small with its drift dip, train --report (also when stopped), the SVG alone, and the terminal
 * sparkline.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ChartRenderer, chartPlans, chartSpec, renderSvg, scatterSpec } from '../src/report/charts.js';
import { Downsampler } from '../src/report/downsample.js';
import { RunCollector } from '../src/report/runs.js';
import { sparkline, SparklineReporter } from '../src/report/sparkline.js';
import type { RunEvent } from '../src/run/events.js';
import { BIN, ROOT, jsonLines, runCli } from './helpers.js';
import { simulatedRuns, type SimulatedLearner } from './report-events.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-report-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const LEARNERS: SimulatedLearner[] = [
  { name: 'logistic', before: 0.86, after: 0.84, recovery: 800 },
  { name: 'mlp', before: 0.9, after: 0.92, recovery: 1500 },
];

/** The charts of a report page: each figure's metric and its SVG. */
function charts(html: string): { metric: string; svg: string }[] {
  return [...html.matchAll(/<figure class="chart" data-metric="([^"]+)">([\s\S]*?)<\/figure>/g)].map((m) => ({ metric: m[1]!, svg: m[2]! }));
}

/** The line paths of a chart: one per learner (the line mark's items). */
function linePaths(svg: string): string[] {
  const group = /<g class="mark-line role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g;
  return [...svg.matchAll(group)].flatMap((m) => [...m[1]!.matchAll(/<path [^>]*d="([^"]+)"/g)].map((p) => p[1]!));
}

/** An SVG's elements in a canonical order: each one's text with its numbers taken out, and its numbers (clip-path ids are numbered by render). */
function elements(svg: string): { text: string; numbers: number[] }[] {
  const number = /-?\d+(\.\d+)?(e-?\d+)?/g;
  return svg
    .replace(/clip\d+/g, 'clip')
    .split('><')
    .map((e) => ({ text: e.replace(number, '#'), numbers: (e.match(number) ?? []).map(Number) }))
    .sort((a, b) => a.text.localeCompare(b.text) || a.numbers.join().localeCompare(b.numbers.join()));
}

/** Nothing a browser would fetch: no script, no stylesheet or image from elsewhere. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\((?!#)/i);
  assert.doesNotMatch(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]+"/g, ''), /(src|href)=["']?(https?:)?\/\//i);
}

describe('inc-learn report', () => {
  it('two runs of train --json (epoch events only): one chart per metric with one line per learner, epochs marked, the summary table', async () => {
    const files = [];
    for (const model of ['linear', 'mlp']) {
      const run = await runCli(['train', 'datasets/sea_drift.csv', '--json', '--epochs', '2', '--model', model, '--hidden', '8']);
      assert.equal(run.code, 0, run.stderr);
      files.push(join(dir, `${model}.jsonl`));
      writeFileSync(files.at(-1)!, run.stdout);
    }
    const out = join(dir, 'epochs.html');
    const result = await runCli(['report', ...files, '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(out, 'utf8');
    assertSelfContained(html);
    const epochs = files.map((f) => jsonLines(readFileSync(f, 'utf8')));
    const learners = epochs.map((events) => String(events.find((e) => e.event === 'start')!.learner));
    assert.match(learners[0]!, /^logistic/);
    assert.match(learners[1]!, /^mlp/);
    assert.ok(html.includes(`<title>inc-learn report: ${learners.join(', ')}</title>`));
    const found = charts(html);
    const epochFields = new Set(epochs.flatMap((events) => events.filter((e) => e.event === 'epoch').flatMap((e) => Object.keys(e))));
    assert.ok(found.some((c) => c.metric === 'accuracy') && found.some((c) => c.metric === 'loss'));
    for (const chart of found) assert.ok(epochFields.has(chart.metric), `${chart.metric} is a field of the epoch events`);
    for (const chart of found) {
      assert.equal(linePaths(chart.svg).length, 2, chart.metric);
      assert.match(chart.svg, /epoch 2/);
      assert.match(chart.svg, /rows seen \(count\)/);
    }
    assert.match(html, /no <code>report<\/code> events/);
    // The summary's numbers, as the runs' summary events have them.
    for (const events of epochs) {
      const summary = events.find((e) => e.event === 'summary')!;
      assert.ok(html.includes(`>${(summary.accuracy as number).toPrecision(4)}</td>`), `accuracy ${String(summary.accuracy)}`);
    }
  });

  it('report and drift events (contract C), several learners in one file by their model field: rolling and cumulative curves, drift markers', async () => {
    const [events] = simulatedRuns(LEARNERS, { rows: 6000, reportEvery: 100, window: 500, driftAt: 3000, modelField: true });
    const out = join(dir, 'model-field.html');
    const result = await runCli(['report', '-', '-o', out], { stdin: events! });
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(out, 'utf8');
    assertSelfContained(html);
    const found = charts(html);
    assert.deepEqual(found.map((c) => c.metric), ['rolling_accuracy', 'accuracy', 'rolling_loss', 'loss']);
    for (const chart of found) {
      const paths = linePaths(chart.svg);
      assert.equal(paths.length, 2, chart.metric);
      // 60 report events per learner: 60 points per line, none dropped.
      for (const d of paths) assert.equal(d.split(/[ML]/).filter(Boolean).length, 60, chart.metric);
      assert.match(chart.svg, /dashed: drift detected/);
      assert.equal([...chart.svg.matchAll(/<line [^>]*stroke-dasharray="4,3"/g)].length, 2, `${chart.metric}: a drift marker per learner`);
    }
    assert.match(html, /<th>majority_accuracy<\/th>/);
    assert.match(html, /mlp<\/td>/);
  });

  it("train's own report and drift events: two runs concatenated into one file are two learners; the terminal shows each run's sparkline", async () => {
    let events = '';
    for (const model of ['linear', 'mlp']) {
      const run = await runCli(['train', 'datasets/sine_drift.csv', '--json', '--report-every', '200', '--drift', 'ddm', '--model', model, '--hidden', '8']);
      assert.equal(run.code, 0, run.stderr);
      // The sparkline follows the summary on stderr, in ASCII (the tests run with NO_COLOR).
      assert.match(run.stderr, /\n {2}rolling accuracy {2}[_.\-:=+*#]{48} {2}0\.\d{4} \(lowest 0\.\d{4} at row [\d,]+\)\n$/);
      events += run.stdout;
    }
    const input = join(dir, 'concatenated.jsonl');
    writeFileSync(input, events);
    const out = join(dir, 'concatenated.html');
    const result = await runCli(['report', input, '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(out, 'utf8');
    const found = charts(html);
    assert.equal(found[0]!.metric, 'rolling_accuracy');
    for (const chart of found) {
      const paths = linePaths(chart.svg);
      assert.equal(paths.length, 2, chart.metric);
      // A point every 200 of the 16,000 rows.
      for (const d of paths) assert.equal(d.split(/[ML]/).filter(Boolean).length, 80, chart.metric);
    }
    const drifts = jsonLines(events).filter((e) => e.event === 'drift').length;
    assert.ok(drifts > 0);
    assert.equal([...found[0]!.svg.matchAll(/<line [^>]*stroke-dasharray="4,3"/g)].length, drifts);
    assert.match(html, /<th>rolling window<\/th><td>1,000<\/td>/);
    assert.match(html, /<th>drift detector<\/th><td>ddm<\/td>/);
  });

  it('regression: each summary carries a seeded sample of its (prediction, truth) pairs, which the page plots against each other', async () => {
    const run = await runCli(['train', 'datasets/friedman.csv', '--json', '--quiet', '--model', 'linear,ht']);
    assert.equal(run.code, 0, run.stderr);
    const targets = new Set(readFileSync(join(ROOT, 'datasets/friedman.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',').at(-1))));
    const summaries = jsonLines(run.stdout).filter((e) => e.event === 'summary');
    const samples = summaries.map((s) => s.predictions_sample as [number, number][]);
    for (const sample of samples) {
      assert.equal(sample.length, 500, 'at most 500 of the 5,000 rows');
      for (const [prediction, truth] of sample) assert.ok(targets.has(truth) && Number.isFinite(prediction), `${prediction}, ${truth}`);
    }
    // The same seed draws the same rows for each learner; their predictions differ.
    assert.deepEqual(samples[0]!.map((p) => p[1]), samples[1]!.map((p) => p[1]));
    assert.notDeepEqual(samples[0]!.map((p) => p[0]), samples[1]!.map((p) => p[0]));
    const input = join(dir, 'regression.jsonl');
    writeFileSync(input, run.stdout);
    const out = join(dir, 'regression.html');
    assert.equal((await runCli(['report', input, '-o', out])).code, 0);
    const html = readFileSync(out, 'utf8');
    const scatter = /<figure class="scatter">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    assert.match(scatter, /true value \(target units\)/);
    assert.match(scatter, /prediction \(target units\)/);
    // A point per pair, in each learner's colour.
    const marks = /<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(scatter)?.[1] ?? '';
    const symbols = [...marks.matchAll(/<path [^>]*fill="(#[0-9A-Fa-f]{6})"/g)].map((m) => m[1]!.toUpperCase());
    assert.equal(symbols.filter((c) => c === '#0072B2').length, 500);
    assert.equal(symbols.filter((c) => c === '#D55E00').length, 500);
    // Classification has none.
    const classification = new RunCollector();
    for (const e of jsonLines(simulatedRuns(LEARNERS, { rows: 500, reportEvery: 100, window: 100, driftAt: 250 })[0]!)) classification.add(e, 'simulated');
    assert.equal(scatterSpec(classification.result()), null);
  });

  it('a 10M-row run stays small: at most 2,000 points per curve, and the drift dip survives the downsampling', async () => {
    const [events] = simulatedRuns(LEARNERS.slice(0, 1), { rows: 10_000_000, reportEvery: 1000, window: 1000, driftAt: 6_000_000 });
    const input = join(dir, 'long.jsonl');
    writeFileSync(input, events!);
    const lowest = Math.min(...jsonLines(events!).filter((e) => e.event === 'report').map((e) => e.rolling_accuracy as number));
    const out = join(dir, 'long.svg');
    const result = await runCli(['report', input, '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    const svg = readFileSync(out, 'utf8');
    assert.ok(svg.startsWith('<svg') && svg.includes('<!-- made by inc-learn report -->'));
    const [path] = linePaths(svg);
    const points = path!.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]);
    assert.ok(points.length <= 2000 && points.length >= 1000, `${points.length} points`);
    // The lowest point drawn is the run's lowest rolling accuracy: the y pixel of the dip is the chart's maximum y.
    const yMax = Math.max(...points.map((p) => p[1]));
    const xAtDip = points.find((p) => p[1] === yMax)![0];
    assert.ok(Math.abs(xAtDip / 720 - 0.6) < 0.01, `the dip is drawn at ${(xAtDip / 720).toFixed(3)} of the width, the drift at 0.6 (lowest ${lowest})`);
    assert.ok(svg.length < 200_000, `${svg.length} bytes`);
  });

  it('the charts of a page, drawn with one view, draw what each drawn alone does', async () => {
    const collector = new RunCollector();
    const [events] = simulatedRuns(LEARNERS, { rows: 3000, reportEvery: 50, window: 200, driftAt: 1500, epochs: 2, modelField: true });
    for (const e of jsonLines(events!)) collector.add(e, 'simulated');
    const runs = collector.result();
    const plans = chartPlans(runs);
    assert.ok(plans.length >= 4);
    const renderer = new ChartRenderer(runs);
    try {
      for (const plan of plans) {
        const [together, alone] = [await renderer.render(plan), await renderSvg(chartSpec(runs, plan))].map(elements);
        assert.equal(together.length, alone.length, plan.metric);
        for (let i = 0; i < alone.length; i++) {
          assert.equal(together[i]!.text, alone[i]!.text, plan.metric);
          // The layout's rounding: a margin a pixel wider at most.
          together[i]!.numbers.forEach((n, j) => assert.ok(Math.abs(n - alone[i]!.numbers[j]!) <= 1, `${plan.metric}: ${together[i]!.text}`));
        }
      }
    } finally {
      renderer.close();
    }
  });

  it('the downsampler keeps every extreme, in order, within its bound', () => {
    const d = new Downsampler(100);
    const ys: number[] = [];
    for (let i = 0; i < 1_000_003; i++) ys.push(Math.sin(i / 5000) + (i === 777_777 ? -5 : i === 123_456 ? 5 : 0));
    ys.forEach((y, i) => d.add(i, y));
    const points = d.points();
    assert.ok(points.length <= 200, `${points.length}`);
    assert.ok(points.every((p, i) => i === 0 || p.x > points[i - 1]!.x));
    assert.ok(points.some((p) => p.x === 777_777 && p.y === ys[777_777]));
    assert.ok(points.some((p) => p.x === 123_456 && p.y === ys[123_456]));
    // Few points pass through untouched.
    const small = new Downsampler(100);
    [3, 1, 2].forEach((y, x) => small.add(x, y));
    assert.deepEqual(small.points(), [{ x: 0, y: 3 }, { x: 1, y: 1 }, { x: 2, y: 2 }]);
  });

  it('train --report writes the page at the end, and also when the run is stopped (SIGINT), with what it has', async () => {
    const out = join(dir, 'train.html');
    const done = await runCli(['train', 'datasets/stagger.csv', '--epochs', '2', '--report', out, '--quiet']);
    assert.equal(done.code, 0, done.stderr);
    const html = readFileSync(out, 'utf8');
    assertSelfContained(html);
    assert.match(html, /datasets\/stagger\.csv/);
    assert.match(html, /<th>feature columns<\/th><td>size \(categorical\), color \(categorical\), shape \(categorical\), weight \(numeric\)<\/td>/);
    assert.equal(charts(html).length > 0, true);

    // Regression's curve alone is the rolling RMSE, in the target's units.
    const regression = join(dir, 'friedman.svg');
    assert.equal((await runCli(['train', 'datasets/friedman.csv', '--report-every', '500', '--report', regression, '--quiet'])).code, 0);
    const curve = readFileSync(regression, 'utf8');
    assert.match(curve, />RMSE \(rolling, last 1,000 rows\)</);
    assert.match(curve, />RMSE \(target units\)</);

    const stopped = join(dir, 'stopped.svg');
    const child = spawn(process.execPath, [BIN, 'train', '-', '--infer-rows', '50', '--report', stopped], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    const rows = readFileSync(`${ROOT}datasets/sea_drift.csv`, 'utf8').split('\n').slice(0, 5000).join('\n') + '\n';
    child.stdin.write(rows);
    while (!err.includes('learner')) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    assert.equal(await exit, 130, err);
    assert.ok(existsSync(stopped), err);
    assert.match(readFileSync(stopped, 'utf8'), /^<svg[\s\S]*made by inc-learn report/);
  });

  it('never overwrites a file it did not make; bad events are one line naming the file and line', async () => {
    const mine = join(dir, 'notes.html');
    writeFileSync(mine, '<p>my notes</p>');
    const [events] = simulatedRuns(LEARNERS, { rows: 1000, reportEvery: 100, window: 100, driftAt: 500 });
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, events!);
    const refused = await runCli(['report', input, '-o', mine]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /notes\.html: the file exists and was not made by inc-learn report/);
    assert.equal(readFileSync(mine, 'utf8'), '<p>my notes</p>');
    const trained = await runCli(['train', 'datasets/sea_drift.csv', '--report', mine]);
    assert.equal(trained.code, 2, 'checked before training');
    // Its own report, it replaces.
    const own = join(dir, 'own.html');
    assert.equal((await runCli(['report', input, '-o', own])).code, 0);
    assert.equal((await runCli(['report', input, '-o', own])).code, 0);

    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, events!.split('\n').slice(0, 3).join('\n') + '\n{"event": "report", "rows": 5\n');
    const bad = await runCli(['report', broken, '-o', join(dir, 'x.html')]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `inc-learn: ${broken}:4: expected a JSON event (inc-learn train --json), found "{\\"event\\": \\"report\\", \\"rows\\": 5"\n`);
    const notEvents = await runCli(['report', '-', '-o', join(dir, 'y.html')], { stdin: 'a,b\n1,2\n' });
    assert.equal(notEvents.code, 1);
    assert.match(notEvents.stderr, /^inc-learn: stdin:1: expected a JSON event/);
    const empty = await runCli(['report', '-', '-o', join(dir, 'z.html')], { stdin: '{"event":"progress","rows":1}\n' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /z\.html: not written: the events hold no start, epoch, report or summary event/);
    assert.equal((await runCli(['report', input, '-o', join(dir, 'r.pdf')])).code, 2);
    assert.equal((await runCli(['report', input])).code, 2);
  });
});

describe('terminal sparkline', () => {
  it('scales the values to eight levels, in blocks or ASCII', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8, false), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8, true), '_.-:=+*#');
    assert.equal(sparkline([0, 0, 7, 7], 2, false), '▁█');
    assert.equal(sparkline([1, 1, 1], 10, true), '###');
  });

  it('prints one line per learner after the last summary: its rolling metric, last value and lowest point', () => {
    const [events] = simulatedRuns(LEARNERS, { rows: 4000, reportEvery: 50, window: 200, driftAt: 2000, modelField: true });
    for (const ascii of [false, true]) {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const reporter = new SparklineReporter(out, ascii, 40);
      const parsed = jsonLines(events!);
      for (const e of parsed) reporter.on(e as unknown as RunEvent);
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, 2, text);
      for (const [i, learner] of ['logistic', 'mlp'].entries()) {
        const reports = parsed.filter((e) => e.event === 'report' && e.model === learner);
        const low = reports.reduce((a, b) => ((b.rolling_accuracy as number) < (a.rolling_accuracy as number) ? b : a));
        assert.match(lines[i]!, new RegExp(`^  rolling accuracy  ${learner.padEnd(8)}  ${ascii ? '[_.\\-:=+*#]' : '[▁-█]'}{40}  ${(reports.at(-1)!.rolling_accuracy as number).toFixed(4)} \\(lowest ${(low.rolling_accuracy as number).toFixed(4)} at row ${String(low.rows).replace(/\B(?=(\d{3})+$)/g, ',')}\\)$`));
      }
    }
  });
});
