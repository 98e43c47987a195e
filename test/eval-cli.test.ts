/** The evaluation stage from the command line: events, resume, predict --learn, the table. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../src/persist/store.js';
import { ROOT, jsonLines, runCli } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-eval-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Event = Record<string, any>;

async function cli(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; events: Event[] }> {
  const r = await runCli(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return { ...r, events: args.includes('--json') ? jsonLines(r.stdout) : [] };
}

/** Rows [from, to) of a CSV file, with its header, as a new file. */
function part(path: string, from: number, to: number, name: string): string {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const out = join(dir, name);
  writeFileSync(out, [lines[0]!, ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
  return out;
}

const STAGGER = `${ROOT}datasets/stagger.csv`;
const FRIEDMAN = `${ROOT}datasets/friedman.csv`;

describe('evaluation events', () => {
  it('report events every --report-every rows: the learning curve, ending where the epoch does', async () => {
    const { events } = await cli(['train', STAGGER, '--json', '--report-every', '700', '--window', '200', '--epochs', '2']);
    const reports = events.filter((e) => e.event === 'report');
    assert.deepEqual(
      reports.map((e) => [e.epoch, e.rows]),
      [1, 2].flatMap((epoch) => [700, 1400, 2100, 2800, 3500, 4200, 4900].map((rows) => [epoch, rows])),
    );
    const r = reports[3]!;
    for (const key of ['epoch', 'rows', 'stream_rows', 'trained', 'evaluated', 'elapsed_ms', 'rows_per_sec', 'loss', 'accuracy', 'kappa_t', 'rolling_accuracy', 'rolling_auc']) assert.ok(key in r, key);
    assert.equal(r.stream_rows, 2800);
    const epochs = events.filter((e) => e.event === 'epoch');
    // The epoch's own metrics at its end, and the rolling window carried across the epochs.
    assert.equal(epochs.length, 2);
    for (const key of ['balanced_accuracy', 'f1_macro', 'kappa', 'kappa_m', 'kappa_t', 'mcc', 'majority_accuracy', 'no_change_accuracy', 'rolling_loss', 'rolling_auc']) {
      assert.equal(typeof epochs[0]![key], 'number', key);
    }
    const start = events[0]!;
    assert.equal(start.window, 200);
    assert.equal(start.drift, null);
  });

  it('regression: r2 and mape beside mse (loss), mae and rmse, and their rolling values', async () => {
    const { events } = await cli(['train', FRIEDMAN, '--json']);
    const summary = events.at(-1)!;
    for (const key of ['loss', 'mae', 'rmse', 'r2', 'mape', 'rolling_loss', 'rolling_r2', 'cumulative_r2']) assert.equal(typeof summary[key], 'number', key);
    assert.equal(summary.per_class, undefined);
  });

  it('the summary has per-class precision, recall and F1 and the confusion matrix, in the order of `classes`', async () => {
    const { events } = await cli(['train', STAGGER, '--json']);
    const s = events.at(-1)!;
    assert.deepEqual(Object.keys(s.per_class), s.classes);
    const cm = s.confusion_matrix as number[][];
    assert.equal(cm.flat().reduce((a, b) => a + b, 0), s.evaluated);
    const right = cm.reduce((sum, row, i) => sum + row[i]!, 0);
    assert.equal(right / s.evaluated, s.accuracy);
  });

  it('--window 0 leaves the rolling metrics out; --fading gives them with a fading factor', async () => {
    const none = (await cli(['train', STAGGER, '--json', '--window', '0'])).events.at(-1)!;
    assert.equal(none.rolling_accuracy, undefined);
    const faded = (await cli(['train', STAGGER, '--json', '--fading', '0.99'])).events;
    assert.equal(faded[0]!.fading, 0.99);
    assert.equal(typeof faded.at(-1)!.rolling_accuracy, 'number');
  });

  it('--metrics chooses the table columns; a metric of the other task or an unknown one is refused', async () => {
    const { stdout } = await cli(['train', STAGGER, '-q', '--metrics', 'accuracy,f1,kappa_t,auc']);
    assert.match(stdout.split('\n')[0]!, /accuracy +f1_macro +kappa_t +rolling_auc/);
    const wrong = await runCli(['train', STAGGER, '-q', '--metrics', 'r2']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /"r2" is not a classification metric/);
    const unknown = await runCli(['train', STAGGER, '-q', '--metrics', 'acuracy']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown metric "acuracy"/);
  });
});

describe('resume and predict --learn continue the evaluation exactly', () => {
  it('train A --save, train B --resume == train A+B: rolling window, detector, every cumulative metric', async () => {
    const n = 5000;
    const split = 2222;
    const a = part(STAGGER, 0, split, 'a.csv');
    const b = part(STAGGER, split, n, 'b.csv');
    const flags = ['--drift', 'adwin', '--window', '300', '--json', '-q'];
    const whole = (await cli(['train', STAGGER, ...flags, '--save', join(dir, 'whole')])).events;
    const first = (await cli(['train', a, ...flags, '--save', join(dir, 'half')])).events;
    const second = (await cli(['train', b, '--json', '-q', '--resume', join(dir, 'half'), '--save', join(dir, 'resumed')])).events;
    const w = whole.at(-1)!;
    const r = second.at(-1)!;
    const keys = Object.keys(w).filter((k) => k.startsWith('rolling_') || k.startsWith('cumulative_'));
    assert.ok(keys.length > 20);
    for (const key of keys) assert.equal(r[key], w[key], key);
    // The changes: the same rows of the stream, found by the first run or the resumed one.
    const rowsOf = (events: Event[]): number[] => events.filter((e) => e.event === 'drift').map((e) => e.stream_rows);
    assert.deepEqual([...rowsOf(first), ...rowsOf(second)], rowsOf(whole));
    const [x, y] = await Promise.all([readCheckpoint(join(dir, 'whole')), readCheckpoint(join(dir, 'resumed'))]);
    assert.deepEqual(y.state.evaluation, x.state.evaluation);
    assert.deepEqual(y.state.evaluator, x.state.evaluator);
  });

  it("predict --learn's per-row output gives the metrics train --resume reports, and the same evaluation state", async () => {
    const a = part(STAGGER, 0, 3000, 'pa.csv');
    const b = part(STAGGER, 3000, 5000, 'pb.csv');
    await cli(['train', a, '--json', '-q', '--drift', 'ph', '--save', join(dir, 'base')]);
    const resumed = (await cli(['train', b, '--json', '-q', '--resume', join(dir, 'base'), '--save', join(dir, 'via-train')])).events;
    const predicted = await cli(['predict', b, '--model', join(dir, 'base'), '--learn', '--save', join(dir, 'via-predict'), '-q']);
    const out = predicted.stdout.trimEnd().split('\n');
    const header = out[0]!.split(',');
    const labels = readFileSync(b, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(',').at(-1)!);
    let right = 0;
    let loss = 0;
    out.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      if (cells[0] === labels[i]) right++;
      loss -= Math.log(Math.max(Number(cells[header.indexOf(`p_${labels[i]}`)]), 1e-15));
    });
    const epoch = resumed.find((e) => e.event === 'epoch')!;
    assert.equal(right / labels.length, epoch.accuracy);
    assert.ok(Math.abs(loss / labels.length - epoch.loss) < 1e-12, `${loss / labels.length} vs ${epoch.loss}`);
    const [x, y] = await Promise.all([readCheckpoint(join(dir, 'via-train')), readCheckpoint(join(dir, 'via-predict'))]);
    assert.deepEqual(y.state.evaluation, x.state.evaluation);
    assert.deepEqual(y.state.evaluator, x.state.evaluator);
  });
});

describe('CI: --assert, and runs that learned nothing', () => {
  it('--assert: exit 3 after the results, one line per failed condition with the measured value', async () => {
    const ok = await runCli(['train', STAGGER, '-q', '--assert', 'accuracy>=0.5', '--assert', 'rolling_accuracy > 0.5', '--report-every', '1000']);
    assert.equal(ok.code, 0, ok.stderr);
    const failed = await runCli(['train', STAGGER, '--json', '--assert', 'accuracy>=0.99', '--assert', 'kappa_t<=1', '--assert', 'rolling_accuracy>0.999', '--report-every', '1000']);
    assert.equal(failed.code, 3);
    // The results were printed first.
    assert.equal(jsonLines(failed.stdout).at(-1)!['event'], 'summary');
    const lines = failed.stderr.trim().split('\n').filter((l) => l.startsWith('inc-learn: '));
    assert.equal(lines.length, 2, failed.stderr);
    assert.match(lines[0]!, /^inc-learn: assertion failed: accuracy>=0\.99: accuracy = 0\.\d{6}$/);
    assert.match(lines[1]!, /^inc-learn: assertion failed: rolling_accuracy>0\.999 at row 1,000 of epoch 1: rolling_accuracy = 0\.\d{6}$/);
  });

  it('--assert: a bad condition or an unknown metric is a usage error (exit 2)', async () => {
    for (const [cond, message] of [
      ['accuracy=>0.8', /expected <metric><op><number>/],
      ['acc>=0.8', /unknown metric "acc"/],
    ] as const) {
      const r = await runCli(['train', STAGGER, '-q', '--assert', cond]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    }
  });

  it('--on-error skip with every row skipped exits 1 naming why; --max-skip-rate fails a run past it', async () => {
    const bad = join(dir, 'all-bad.csv');
    writeFileSync(bad, 'a,b,label\n1,2\n3,4\n5,6,7,8\n');
    const r = await runCli(['train', bad, '--on-error', 'skip', '-q']);
    assert.equal(r.code, 1);
    assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^inc-learn: .*all-bad\.csv: no row was learned: 3 of 3 rows were skipped \(ragged-row 3\)$/);
    const some = join(dir, 'some-bad.csv');
    writeFileSync(some, 'a,b,label\n' + Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? `${i},x,y,z` : `${i},${i % 3},${i % 2 ? 'p' : 'q'}`)).join('\n') + '\n');
    assert.equal((await runCli(['train', some, '--on-error', 'skip', '-q', '--max-skip-rate', '0.25'])).code, 0);
    const over = await runCli(['train', some, '--on-error', 'skip', '-q', '--max-skip-rate', '0.1']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /20\.00% of the rows were skipped \(4 of 20: ragged-row 4\), more than --max-skip-rate 0\.1/);
  });
});

describe('--delay: labels that arrive N rows after the prediction', () => {
  const metrics = (e: Event): Event => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'elapsed_ms' && k !== 'rows_per_sec'));

  it('--delay 0 gives the same results as no delay, to the last digit', async () => {
    const plain = (await cli(['train', STAGGER, '--json', '-q'])).events;
    const zero = (await cli(['train', STAGGER, '--json', '-q', '--delay', '0'])).events;
    assert.deepEqual(metrics(zero.find((e) => e.event === 'epoch')!), metrics(plain.find((e) => e.event === 'epoch')!));
  });

  it('a delay longer than the stream: every row predicted by the untrained model (p = 1/2: loss ln 2), then all learned', async () => {
    const { events } = await cli(['train', STAGGER, '--json', '-q', '--delay', '100000']);
    const epoch = events.find((e) => e.event === 'epoch')!;
    const labels = readFileSync(STAGGER, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',').at(-1));
    // A tie predicts the later class, the second of `classes`.
    const second = events[0]!.schema.classes[1];
    assert.ok(Math.abs(epoch.loss - Math.LN2) < 1e-12);
    assert.equal(epoch.accuracy, labels.filter((l) => l === second).length / labels.length);
    assert.equal(epoch.evaluated, 5000);
    assert.equal(epoch.trained, 5000);
  });

  it('learns the same rows in the same order: the final model equals the undelayed one; resuming continues the delay exactly', async () => {
    await cli(['train', STAGGER, '--json', '-q', '--save', join(dir, 'd0')]);
    await cli(['train', STAGGER, '--json', '-q', '--delay', '37', '--save', join(dir, 'd37')]);
    // The checkpoint holds the last 37 rows still waiting; a model used to predict learns them first.
    const b = await readCheckpoint(join(dir, 'd37'));
    assert.equal(b.state.carried.delayed!.rows, 37);
    const scored = await Promise.all(['d0', 'd37'].map(async (m) => metrics(jsonLines((await cli(['evaluate', STAGGER, '--model', join(dir, m), '--json'])).stdout)[0]!)));
    assert.deepEqual({ ...scored[1], model: null }, { ...scored[0], model: null });
    const first = part(STAGGER, 0, 1234, 'da.csv');
    const rest = part(STAGGER, 1234, 5000, 'db.csv');
    await cli(['train', first, '--json', '-q', '--delay', '37', '--save', join(dir, 'dhalf')]);
    const half = await readCheckpoint(join(dir, 'dhalf'));
    assert.equal(half.state.carried.delayed!.rows, 37, 'the rows still waiting for their label are in the checkpoint');
    await cli(['train', rest, '--json', '-q', '--resume', join(dir, 'dhalf'), '--save', join(dir, 'dresumed')]);
    const c = await readCheckpoint(join(dir, 'dresumed'));
    for (const key of ['learner', 'evaluator', 'evaluation', 'counts'] as const) assert.deepEqual(c.state[key], b.state[key], key);
    const conflict = await runCli(['train', rest, '-q', '--resume', join(dir, 'dhalf'), '--delay', '5', '--save', join(dir, 'unused')]);
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /--delay 5 conflicts with the checkpoint/);
  });
});
