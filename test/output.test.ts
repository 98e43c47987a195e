/** What people read: the table's columns and colours, predict's digits, the progress bars of predict and evaluate. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { styleAccuracy } from '../src/report/style.js';
import { TableReporter } from '../src/report/table.js';
import type { EpochEvent, StartEvent } from '../src/run/events.js';
import { Random } from '../src/util/random.js';
import { BIN, jsonLines, ROOT, runCli } from './helpers.js';

const SEA = `${ROOT}datasets/sea_drift.csv`;
const FRIEDMAN = `${ROOT}datasets/friedman.csv`;
const GREEN = '\u001b[32m';
let dir: string;
let model: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-output-'));
  model = join(dir, 'sea-model');
  const trained = await runCli(['train', SEA, '--save', model, '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file of rows whose three labels are drawn at random, independent of the features: chance level. */
function chanceCsv(name: string, seed: number, rows: number): string {
  const random = new Random(seed);
  let text = 'a,b,label\n';
  for (let i = 0; i < rows; i++) text += `${random.next()},${random.next()},${'xyz'[random.int(3)]}\n`;
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('the table', () => {
  it('shows val_mae beside val_loss and val_rmse for regression with a holdout', async () => {
    const table = await runCli(['train', FRIEDMAN, '--holdout', '0.2']);
    const json = await runCli(['train', FRIEDMAN, '--holdout', '0.2', '--json', '--quiet']);
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n') as [string, string];
    const titles = header.trim().split(/\s+/);
    assert.deepEqual(titles.slice(3, 8), ['loss', 'mae', 'rmse', 'val_loss', 'val_mae']);
    assert.equal(titles[8], 'val_rmse');
    const epoch = jsonLines(json.stdout).find((e) => e.event === 'epoch') as { val_mae: number };
    assert.equal(row.trim().split(/\s+/)[titles.indexOf('val_mae')], epoch.val_mae.toFixed(4));
  });

  it('colours an accuracy green only when it beats both the majority-class and the no-change baselines', () => {
    const style = new Chalk({ level: 1 });
    assert.equal(styleAccuracy(style, '0.9000', { accuracy: 0.9, majority_accuracy: 0.6, no_change_accuracy: 0.7 }), style.green('0.9000'));
    for (const fields of [
      { accuracy: 0.327, majority_accuracy: 0.34, no_change_accuracy: 0.33 }, // chance level on three random classes
      { accuracy: 0.8, majority_accuracy: 0.6, no_change_accuracy: 0.85 }, // a slowly changing label: no-change wins
      { accuracy: 0.6, majority_accuracy: 0.6, no_change_accuracy: 0.5 }, // a tie is not a win
      { accuracy: 0.9 }, // baselines unknown: nothing to say
    ]) {
      assert.equal(styleAccuracy(style, 'x', fields), 'x', JSON.stringify(fields));
    }
    assert.equal(styleAccuracy(style, 'v', { val_accuracy: 0.9, val_majority_accuracy: 0.5, val_no_change_accuracy: 0.5, accuracy: 0 }, 'val_'), style.green('v'));
  });

  it('end to end: green on a learnable stream, plain at chance level, as the events\' baselines say', async () => {
    const chancePath = chanceCsv('chance.csv', 11, 3000);
    const colour = { FORCE_COLOR: '1', NO_COLOR: '' };
    for (const [path, learnable] of [[SEA, true], [chancePath, false]] as const) {
      const json = await runCli(['train', path, '--json', '--quiet']);
      const e = jsonLines(json.stdout).find((x) => x.event === 'epoch') as { accuracy: number; majority_accuracy: number; no_change_accuracy: number };
      assert.equal(e.accuracy > e.majority_accuracy && e.accuracy > e.no_change_accuracy, learnable, JSON.stringify(e));
      const table = await runCli(['train', path], { env: colour });
      const row = table.stdout.trim().split('\n')[1]!;
      assert.equal(row.includes(`${GREEN}   ${e.accuracy.toFixed(4)}`), learnable, row);
    }
  });

  it('evaluate colours its accuracy as train does, by the baselines its event now carries', async () => {
    const chancePath = chanceCsv('chance-evaluate.csv', 12, 2000);
    const chanceModel = join(dir, 'chance-model');
    assert.equal((await runCli(['train', chancePath, '--save', chanceModel, '--quiet'])).code, 0);
    for (const [path, saved, learnable] of [[SEA, model, true], [chancePath, chanceModel, false]] as const) {
      const json = await runCli(['evaluate', '--model', saved, path, '--json']);
      const e = jsonLines(json.stdout)[0] as { accuracy: number; majority_accuracy: number; no_change_accuracy: number };
      assert.equal(typeof e.majority_accuracy, 'number', json.stdout);
      assert.equal(typeof e.no_change_accuracy, 'number', json.stdout);
      assert.equal(e.accuracy > e.majority_accuracy && e.accuracy > e.no_change_accuracy, learnable, JSON.stringify(e));
      const shown = await runCli(['evaluate', '--model', saved, path], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
      const line = shown.stdout.split('\n').find((l) => l.includes('accuracy'))!;
      assert.equal(line.includes(`${GREEN}${e.accuracy.toFixed(4)}`), learnable, line);
      assert.match(shown.stdout, new RegExp(`majority class ${e.majority_accuracy.toFixed(4)}, no change ${e.no_change_accuracy.toFixed(4)}`));
    }
  });

  it('the table colours each epoch by its own baselines', () => {
    let out = '';
    const stream = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WritableStream;
    const style = new Chalk({ level: 1 });
    const reporter = new TableReporter({ stream, style }, stream, new Chalk({ level: 0 }), true);
    const start = { event: 'start', schema: { task: 'classification', columns: [], classes: ['a', 'b', 'c'], target: 'y', rows_inspected: 3 }, holdout: 0 } as unknown as StartEvent;
    reporter.on(start);
    const epoch = (accuracy: number, majority: number): EpochEvent =>
      ({ event: 'epoch', epoch: 1, rows: 10, trained: 10, loss: 1, accuracy, majority_accuracy: majority, no_change_accuracy: 0.3, rows_per_sec: 1, elapsed_ms: 1 }) as unknown as EpochEvent;
    reporter.on(epoch(0.327, 0.34));
    reporter.on(epoch(0.9, 0.34));
    const [, chance, learned] = out.trim().split('\n') as [string, string, string];
    assert.ok(!chance.includes(GREEN), chance);
    assert.ok(learned.includes(`${GREEN}   0.9000`), learned);
  });
});

describe('predict --precision', () => {
  it('writes N significant digits of the probabilities; by default every digit, as before', async () => {
    const full = await runCli(['predict', '--model', model, SEA]);
    const short = await runCli(['predict', '--model', model, SEA, '--precision', '3']);
    assert.equal(short.code, 0, short.stderr);
    const fullLines = full.stdout.trim().split('\n');
    const shortLines = short.stdout.trim().split('\n');
    assert.equal(shortLines[0], 'prediction,p_0,p_1');
    assert.equal(shortLines.length, fullLines.length);
    assert.ok(fullLines.slice(1).some((l) => l.split(',')[1]!.replace(/^0\.0*/, '').length > 10), 'the default keeps every digit');
    for (let i = 1; i < fullLines.length; i += 97) {
      const [label, ...ps] = fullLines[i]!.split(',');
      assert.equal(shortLines[i], [label, ...ps.map((p) => String(Number(Number(p).toPrecision(3))))].join(','));
    }
    const jsonl = await runCli(['predict', '--model', model, SEA, '--precision', '2', '--output', 'jsonl']);
    const first = jsonLines(jsonl.stdout)[0] as Record<string, number>;
    for (const key of ['p_0', 'p_1']) assert.ok(first[key]! === Number(first[key]!.toPrecision(2)), `${key} ${first[key]}`);
    const bad = await runCli(['predict', '--model', model, SEA, '--precision', '18']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--precision must be an integer >= 1 and <= 17; got 18/);
  });
});

describe('progress bars of predict and evaluate', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;
  const onTerminal = (args: string): string => {
    // script(1) gives the command a terminal; its output is what the terminal showed.
    const command = `"${process.execPath}" "${BIN}" ${args}`;
    return execFileSync('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 });
  };

  it('draws a bar on a terminal, and none when stderr is not one', { skip: hasScript ? false : 'script(1) is not installed' }, async () => {
    // Enough rows for a few progress ticks.
    execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" generate sea --rows 400000 > big.csv`], { cwd: dir });
    for (const command of ['predict', 'evaluate']) {
      const shown = onTerminal(`${command} --model sea-model big.csv${command === 'predict' ? ' > /dev/null' : ''}`);
      assert.match(shown, new RegExp(`${command} \\[[█░]+\\] \\d+% \\| \\d+ rows \\| \\d+ rows/s`), command);
      const quiet = onTerminal(`${command} --model sea-model big.csv --quiet${command === 'predict' ? ' > /dev/null' : ''}`);
      assert.doesNotMatch(quiet, /rows\/s/, `${command} --quiet`);
      const piped = await runCli([command, '--model', model, join(dir, 'big.csv')]);
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stderr, /rows\/s|\[[█░]/, `${command} without a terminal`);
    }
  });
});
