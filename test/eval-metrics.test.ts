import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { confusionRows, perClass } from '../src/eval/catalogue.js';
import { Evaluator } from '../src/eval/metrics.js';
import { StreamEvaluation, type StreamEvaluationState } from '../src/eval/stream.js';
import { Tally } from '../src/eval/tally.js';
import { Random } from '../src/util/random.js';
import { ROOT } from './helpers.js';

interface Case {
  name: string;
  task: 'classification' | 'regression';
  classes?: number;
  y: number[];
  p?: number[][];
  prediction?: number[];
  expected: Record<string, number | number[] | number[][]>;
}

const fixtures = JSON.parse(readFileSync(`${ROOT}test/fixtures/metrics/sklearn.json`, 'utf8')) as { cases: Case[] };

function close(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${String(actual)} vs sklearn ${expected}`);
}

/** Feeds a case through an evaluator with a window longer than the case (so rolling_ covers every row). */
function run(c: Case): { evaluator: Evaluator; stream: StreamEvaluation } {
  const stream = new StreamEvaluation(c.task, { window: 1000 });
  const evaluator = new Evaluator(c.task, stream);
  if (c.task === 'classification') {
    const k = c.classes!;
    const p = new Float64Array(k);
    c.y.forEach((y, i) => {
      p.set(c.p![i]!);
      evaluator.add(p, 0, k, y);
    });
  } else {
    const p = new Float64Array(1);
    c.y.forEach((y, i) => {
      p[0] = c.prediction![i]!;
      evaluator.add(p, 0, 1, y);
    });
  }
  return { evaluator, stream };
}

for (const c of fixtures.cases) {
  test(`metrics agree with scikit-learn to 1e-9: ${c.name}`, () => {
    const { evaluator } = run(c);
    const metrics = evaluator.metrics();
    for (const [name, expected] of Object.entries(c.expected)) {
      if (name === 'confusion_matrix') assert.deepEqual(confusionRows(evaluator.tally), expected);
      else if (name === 'auc') close(metrics['rolling_auc'], expected as number, 'rolling_auc');
      else if (name === 'precision' || name === 'recall' || name === 'f1') {
        const classes = Array.from({ length: c.classes! }, (_, i) => String(i));
        const per = perClass(evaluator.tally, classes);
        (expected as number[]).forEach((v, i) => close(per[String(i)]![name], v, `${name}[${i}]`));
      } else {
        close(metrics[name], expected as number, name);
        // The window holds every row: its metrics are the cumulative ones.
        if (name !== 'auc') close(metrics[`rolling_${name}`], expected as number, `rolling_${name}`);
      }
    }
  });
}

/** A classification stream with a drifting class balance and a model of varying skill. */
function classStream(rows: number, k: number, seed: number): { y: number[]; p: number[][] } {
  const rng = new Random(seed);
  const y: number[] = [];
  const p: number[][] = [];
  for (let i = 0; i < rows; i++) {
    // Runs of the same label (so the no-change baseline means something) and a shifting majority.
    const label = i > 0 && rng.next() < 0.4 ? y[i - 1]! : rng.next() < 0.5 + 0.3 * Math.sin(i / 700) ? 0 : rng.int(k);
    y.push(label);
    const row = Array.from({ length: k }, () => rng.next());
    row[label] = row[label]! + (i % 2000 < 1000 ? 1.5 : 0.2) * rng.next();
    const sum = row.reduce((a, b) => a + b, 0);
    p.push(row.map((v) => v / sum));
  }
  return { y, p };
}

const argmaxLast = (row: number[]): number => row.reduce((best, v, i) => (v >= row[best]! ? i : best), 0);

test('kappa-M and kappa-T: the baselines counted directly (majority so far, previous label)', () => {
  const k = 3;
  const { y, p } = classStream(3000, k, 5);
  const stream = new StreamEvaluation('classification', { window: 0 });
  const evaluator = new Evaluator('classification', stream);
  const row = new Float64Array(k);
  y.forEach((label, i) => {
    row.set(p[i]!);
    evaluator.add(row, 0, k, label);
  });
  // Direct count: before each row, the class with the highest count (ties: the one that reached
  // that count at the earlier row) and the previous row's class.
  const counts = new Map<number, { n: number; reachedAt: number }>();
  let majorityRight = 0;
  let noChangeRight = 0;
  let right = 0;
  y.forEach((label, i) => {
    let majority = -1;
    let best = { n: 0, reachedAt: Infinity };
    for (const [cls, c] of counts) if (c.n > best.n || (c.n === best.n && c.reachedAt < best.reachedAt)) [majority, best] = [cls, c];
    if (label === majority) majorityRight++;
    if (i > 0 && label === y[i - 1]) noChangeRight++;
    if (argmaxLast(p[i]!) === label) right++;
    counts.set(label, { n: (counts.get(label)?.n ?? 0) + 1, reachedAt: i });
  });
  const m = evaluator.metrics();
  const n = y.length;
  close(m['majority_accuracy'], majorityRight / n, 'majority_accuracy');
  close(m['no_change_accuracy'], noChangeRight / n, 'no_change_accuracy');
  close(m['kappa_m'], (right / n - majorityRight / n) / (1 - majorityRight / n), 'kappa_m');
  close(m['kappa_t'], (right / n - noChangeRight / n) / (1 - noChangeRight / n), 'kappa_t');
});

test('rolling metrics equal a recomputation over the last N rows, at every report point', () => {
  const k = 3;
  const window = 250;
  const { y, p } = classStream(4000, k, 9);
  const stream = new StreamEvaluation('classification', { window });
  const evaluator = new Evaluator('classification', stream);
  // The baselines' flags of each row, from a second evaluation of the whole stream.
  const flagsOf: number[] = [];
  const reference = new StreamEvaluation('classification', { window: 0 });
  y.forEach((label) => flagsOf.push(reference.baselines(label)));
  const row = new Float64Array(k);
  for (let i = 0; i < y.length; i++) {
    row.set(p[i]!);
    evaluator.add(row, 0, k, y[i]!);
    if ((i + 1) % 97 !== 0 && i !== y.length - 1) continue;
    const recent = new Tally('classification', true);
    for (let j = Math.max(0, i + 1 - window); j <= i; j++) {
      const q = p[j]!;
      recent.addClass(y[j]!, argmaxLast(q), -Math.log(Math.max(q[y[j]!]!, 1e-15)), flagsOf[j]!);
    }
    const expected = recent.metrics('rolling_');
    const actual = stream.metrics();
    for (const [name, v] of Object.entries(expected)) {
      if (v === null) assert.equal(actual[name], null, name);
      else close(actual[name], v, `${name} after ${i + 1} rows`);
    }
  }
});

test('rolling regression metrics equal a recomputation, also with targets far from 0', () => {
  const window = 300;
  const rng = new Random(4);
  const ys: number[] = [];
  const errs: number[] = [];
  const stream = new StreamEvaluation('regression', { window });
  const evaluator = new Evaluator('regression', stream);
  const p = new Float64Array(1);
  for (let i = 0; i < 2500; i++) {
    const y = 1e6 + 50 * Math.sin(i / 100) + rng.normal();
    const err = rng.normal() * (i < 1200 ? 1 : 3);
    ys.push(y);
    errs.push(err);
    p[0] = y + err;
    evaluator.add(p, 0, 1, y);
    if ((i + 1) % 131 !== 0) continue;
    const recent = new Tally('regression', true);
    for (let j = Math.max(0, i + 1 - window); j <= i; j++) recent.addValue(ys[j]!, errs[j]!);
    const expected = recent.metrics('rolling_');
    const actual = stream.metrics();
    for (const [name, v] of Object.entries(expected)) {
      // R² divides by the window's spread of targets: relative to it, 1e-7 is exact enough.
      const tolerance = name === 'rolling_r2' ? 1e-7 : 1e-9;
      assert.ok(Math.abs((actual[name] as number) - v!) <= tolerance * Math.max(1, Math.abs(v!)), `${name} after ${i + 1}: ${String(actual[name])} vs ${v}`);
    }
  }
});

test('fading metrics: sum of a^(n-i) x_i over sum of a^(n-i), with rescaling over long streams', () => {
  const factor = 0.99;
  const { y, p } = classStream(200_000, 2, 3);
  const stream = new StreamEvaluation('classification', { window: 1000, fading: factor });
  const evaluator = new Evaluator('classification', stream);
  const row = new Float64Array(2);
  let right = 0;
  let weight = 0;
  let loss = 0;
  y.forEach((label, i) => {
    row.set(p[i]!);
    evaluator.add(row, 0, 2, label);
    right = factor * right + (argmaxLast(p[i]!) === label ? 1 : 0);
    loss = factor * loss - Math.log(Math.max(p[i]![label]!, 1e-15));
    weight = factor * weight + 1;
  });
  const m = stream.metrics();
  close(m['rolling_accuracy'], right / weight, 'faded accuracy');
  close(m['rolling_loss'], loss / weight, 'faded loss');
  assert.equal(m['rolling_auc'], undefined, 'no AUC with a fading factor');
});

test('the stream evaluation continues exactly from its state (window, baselines, detector)', () => {
  const k = 2;
  const { y, p } = classStream(6000, k, 12);
  const feed = (evaluator: Evaluator, from: number, to: number): void => {
    const row = new Float64Array(k);
    for (let i = from; i < to; i++) {
      row.set(p[i]!);
      evaluator.stream!.index = i;
      evaluator.add(row, 0, k, y[i]!);
    }
  };
  for (const settings of [{ window: 500, drift: 'adwin' as const }, { window: 0, fading: 0.995, drift: 'ddm' as const }, { window: 64, drift: 'ph' as const }]) {
    const whole = new StreamEvaluation('classification', settings);
    const wholeEval = new Evaluator('classification', whole, new Tally('classification', true));
    feed(wholeEval, 0, y.length);
    const first = new StreamEvaluation('classification', settings);
    const total = new Tally('classification', true);
    feed(new Evaluator('classification', first, total), 0, 2345);
    const saved = JSON.parse(JSON.stringify({ s: first.state(), t: total.state() })) as { s: StreamEvaluationState; t: ReturnType<Tally['state']> };
    const resumed = new StreamEvaluation('classification', settings, saved.s);
    const resumedTotal = new Tally('classification', true);
    resumedTotal.restore(saved.t);
    feed(new Evaluator('classification', resumed, resumedTotal), 2345, y.length);
    assert.deepEqual(resumed.metrics(), whole.metrics(), `rolling metrics, ${JSON.stringify(settings)}`);
    assert.deepEqual(resumed.state(), whole.state());
    assert.deepEqual(resumedTotal.metrics(), wholeEval.total!.metrics());
    assert.deepEqual(
      [...first.pending, ...resumed.pending].map((d) => d.index),
      whole.pending.map((d) => d.index),
      'the same changes at the same rows',
    );
  }
});

test('held-out rows (no stream) have no baselines; a class never seen counts as wrong, outside the matrix', () => {
  const evaluator = new Evaluator('classification');
  const p = Float64Array.of(0.2, 0.8);
  evaluator.add(p, 0, 2, 1);
  evaluator.add(p, 0, 2, -1);
  const m = evaluator.metrics();
  assert.equal(m['accuracy'], 0.5);
  assert.equal(m['kappa_m'], undefined);
  assert.deepEqual(confusionRows(evaluator.tally), [[0, 0], [0, 1]]);
});
