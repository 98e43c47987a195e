/**
 * `auto` against a reference computed beside it: each member of the pool run alone on the
 * featurizer's own rows (the dense row for the linear members, the raw one for the others), and
 * the mix of their predictions computed by hand: Hedges from their discounted errors, the stacked
 * logistic regression's AdaGrad steps, and the Hedge over those from their own discounted errors; and
 * auto against its members run beside it. The save and resume contract, samplers, holdout, epochs,
 * stdin, predict and evaluate are checked for every learner in learners.test.ts; its accuracy floors
 * on the shared streams there too.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectModel } from '../src/cli/inspect.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { learnerByKind } from '../src/learners/registry.js';
import { AUTO_DEFAULTS, AutoLearner, MIXERS, POOLS } from '../src/learners/auto.js';
import { createLearner } from '../src/learners/index.js';
import type { Learner, LearnerState, Task } from '../src/learners/types.js';
import { Random } from '../src/util/random.js';
import { ROOT, SHARED_MISSING, batchOf, cliOk, csvPart, jsonLines, sharedDataset } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-auto-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Two numbers and a category whose values arrive over time. Classification: a third class from row
 * 300. Regression: a linear target whose slope turns at row 250.
 */
function stream(n: number, task: Task): (string | number)[][] {
  const random = new Random(11);
  const rows: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const x1 = random.next() * 10;
    const x2 = random.next() * 10;
    const colour = ['red', 'green', 'blue', 'grey'][Math.floor(random.next() * Math.min(4, 1 + i / 80))]!;
    const noise = random.next();
    if (task === 'regression') {
      rows.push([x1, x2, colour, (i < 250 ? 3 : -2) * x1 - x2 + (colour === 'green' ? 5 : 0) + noise]);
      continue;
    }
    let y = x1 + (colour === 'green' ? 3 : 0) > 6 ? 'p' : 'n';
    if (i >= 300 && x2 > 8) y = 'q';
    if (noise < 0.1) y = y === 'p' ? 'n' : 'p';
    rows.push([x1, x2, colour, y]);
  }
  return rows;
}

const ROWS = stream(500, 'classification');
const schema = inferSchema('t', ['x1', 'x2', 'colour', 'y'], [batchOf(ROWS.slice(0, 50))], {});
const entryOf = (name: string) => learnerByKind(name)!;

/** A member of the pool built as a run of it alone builds it (createLearner), with the pool's settings. */
async function alone(spec: { learner: string; lr?: number }, featurizer: Featurizer, task: Task): Promise<Learner> {
  const layout = learnerByKind(spec.learner)!.input === 'dense' ? 'dense' : 'raw';
  const config = { model: spec.learner, optimizer: 'sgd' as const, lr: spec.lr ?? 0, l2: 0, batchSize: 1, hidden: [], activation: 'relu' as const };
  const shape = { task, dim: featurizer.widthOf(layout), classes: featurizer.classes.length, features: featurizer.rawFeatures() };
  return (await createLearner(config, shape, 5)).learner;
}

/** Hedge's weights: exp(-eta * (error - the least)), normalized. */
function hedge(errors: ArrayLike<number>): number[] {
  const least = Math.min(...Array.from(errors));
  const w = Array.from(errors, (e) => Math.exp(-AUTO_DEFAULTS.eta * (e - least)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** sum_i weights[i] * outs[i], a vector of k. */
function mixOf(outs: Float64Array[], weights: number[], k: number): Float64Array {
  const mix = new Float64Array(k);
  outs.forEach((p, i) => {
    for (let c = 0; c < k; c++) mix[c]! += weights[i]! * p[c]!;
  });
  return mix;
}

describe('auto', () => {
  for (const task of ['classification', 'regression'] as const) {
    it(`${task}: predicts the mix of Hedges${task === 'classification' ? ' and a stack' : ''} over its members, each exactly as it learns alone on the featurizer's rows`, async () => {
      const rows = task === 'classification' ? ROWS : stream(500, 'regression');
      const own = task === 'classification' ? schema : inferSchema('t', ['x1', 'x2', 'colour', 'y'], [batchOf(rows.slice(0, 50))], { task });
      const featurizer = new Featurizer(own, { layouts: ['dense', 'raw'] });
      const auto = AutoLearner.create(task, featurizer.rawFeatures(), featurizer.classes.length, 5, entryOf);
      const pool = POOLS[task];
      const members = await Promise.all(pool.map((spec) => alone(spec, featurizer, task)));
      const { decays, stack: stacked } = MIXERS[task];
      const errors = decays.map(() => new Float64Array(pool.length));
      const mixerErrors = new Float64Array(decays.length + (stacked ? 1 : 0));
      // The stack's weights, w[c][m][c'] from member m's probability of class c' to class c, and
      // its biases (a class not seen yet: 0); their sums of squared gradients in squares and
      // biasSquares (AdaGrad's, from AUTO_DEFAULTS.stackSquares).
      const w: number[][][] = [];
      const bias: number[] = [];
      const squares: number[][][] = [];
      const biasSquares: number[] = [];
      const adagrad = (weight: number, sum: number, g: number): [number, number] =>
        g === 0 ? [weight, sum] : [weight - (AUTO_DEFAULTS.stackRate * g) / Math.sqrt(sum + g * g), sum + g * g];
      const targets: number[] = [];
      const batch = batchOf(rows);
      let width = featurizer.dim;
      let classes = featurizer.classes.length;
      const out = new Float64Array(3);
      for (let r = 0; r < rows.length; r++) {
        const y = featurizer.encode(batch, r, true) as number;
        if (featurizer.dim !== width || featurizer.classes.length !== classes) {
          width = featurizer.dim;
          classes = featurizer.classes.length;
          members.forEach((m) => m.grow(m.input === 'raw' ? featurizer.widthOf('raw') : width, classes));
          auto.grow(featurizer.widthOf('raw'), classes);
        }
        const k = task === 'regression' ? 1 : Math.max(2, classes);
        // The reference: the weights from the losses before this row; regression's in the
        // variance of the targets before it.
        // The targets' recent variance: each weighs 0.999^age (its mean weighted alike).
        const ages = targets.map((_, i) => AUTO_DEFAULTS.targetFading ** (targets.length - 1 - i));
        const weight = ages.reduce((a, b) => a + b, 0);
        const mean = targets.reduce((a, b, i) => a + ages[i]! * b, 0) / weight;
        const deviations = targets.reduce((a, b, i) => a + ages[i]! * (b - mean) ** 2, 0);
        const variance = targets.length < 2 || !(deviations > 0) ? 1 : deviations / weight;
        const loss = (p: Float64Array) => (task === 'regression' ? (p[0]! - y) ** 2 / variance : p.indexOf(Math.max(...p)) === y ? 0 : 1);
        const outs: Float64Array[] = [];
        for (const m of members) {
          const p = new Float64Array(k);
          await m.predictAndLearn!(Float64Array.from(featurizer.rowOf(m.input === 'raw' ? 'raw' : 'dense').subarray(0, m.dim)), Float64Array.of(y), 1, p);
          outs.push(p);
        }
        // Regression: each member's prediction taken into the range of the targets before this row
        // (from the third row on: two targets).
        if (task === 'regression' && targets.length >= 2) {
          for (const p of outs) p[0] = Math.min(Math.max(p[0]!, Math.min(...targets)), Math.max(...targets));
        }
        const mixers = errors.map((e) => mixOf(outs, hedge(e), k));
        if (stacked) {
          const z = Array.from({ length: k }, (_, c) => outs.reduce((sum, p, m) => sum + Array.from(p).reduce((s, v, c2) => s + (w[c]?.[m]?.[c2] ?? 0) * (v - 1 / k), 0), 0) + (bias[c] ?? 0));
          const e = z.map((v) => Math.exp(v));
          const q = Float64Array.from(e, (v) => v / e.reduce((a, b) => a + b, 0));
          mixers.push(q);
          for (let c = 0; c < k; c++) {
            const error = q[c]! - (c === y ? 1 : 0);
            w[c] ??= [];
            squares[c] ??= [];
            outs.forEach((p, m) => {
              const row = (w[c]![m] ??= []);
              const sums = (squares[c]![m] ??= []);
              for (let c2 = 0; c2 < k; c2++) [row[c2], sums[c2]] = adagrad(row[c2] ?? 0, sums[c2] ?? AUTO_DEFAULTS.stackSquares, error * (p[c2]! - 1 / k));
            });
            [bias[c], biasSquares[c]] = adagrad(bias[c] ?? 0, biasSquares[c] ?? AUTO_DEFAULTS.stackSquares, error);
          }
        }
        const expected = mixOf(mixers, hedge(mixerErrors), k);
        outs.forEach((p, i) => decays.forEach((d, h) => (errors[h]![i] = d * errors[h]![i]! + loss(p))));
        mixers.forEach((p, x) => (mixerErrors[x] = AUTO_DEFAULTS.mixerDecay * mixerErrors[x]! + loss(p)));
        targets.push(y);
        auto.predictAndLearn(Float64Array.from(featurizer.raw.subarray(0, 3)), Float64Array.of(y), 1, out);
        for (let c = 0; c < k; c++) assert.ok(Math.abs(out[c]! - expected[c]!) <= 1e-12 * Math.max(1, Math.abs(expected[c]!)), `row ${r}, output ${c}: ${out[c]} vs ${expected[c]}`);
      }
      const state = await auto.state();
      if (task === 'classification') assert.equal(classes, 3, 'the third class arrived');
      assert.equal(state.denseDim, featurizer.dim, "the featurizer's dense row");
      assert.deepEqual(state.members, await Promise.all(members.map((m) => m.state())));
      const close = (name: string, got: number[], want: number[]) => {
        assert.equal(got.length, want.length, name);
        for (const [i, v] of got.entries()) assert.ok(Math.abs(v - want[i]!) <= 1e-9 * Math.max(1, Math.abs(v)), `${name}[${i}]: ${v} vs ${want[i]}`);
      };
      close('errors', state.errors, errors.flatMap((e) => Array.from(e)));
      close('mixerErrors', state.mixerErrors, Array.from(mixerErrors));
      if (stacked) {
        const n = pool.length;
        const layout = (weights: number[][][], biases: number[], fill: number) =>
          Array.from({ length: classes }, (_, c) => [...Array.from({ length: n * classes }, (_, i) => weights[c]![Math.floor(i / classes)]![i % classes] ?? fill), biases[c]!]).flat();
        close('stack', state.stack!, layout(w, bias, 0));
        close('stackSquares', state.stackSquares!, layout(squares, biasSquares, AUTO_DEFAULTS.stackSquares));
      } else {
        assert.equal(state.stack, null);
        assert.equal(state.stackSquares, null);
        assert.deepEqual(state.targetRange, [Math.min(...targets), Math.max(...targets)]);
        const ages = targets.map((_, i) => AUTO_DEFAULTS.targetFading ** (targets.length - 1 - i));
        const weight = ages.reduce((a, b) => a + b, 0);
        const mean = targets.reduce((a, b, i) => a + ages[i]! * b, 0) / weight;
        close('targetStats', state.targetStats, [targets.length, weight, mean, targets.reduce((a, b, i) => a + ages[i]! * (b - mean) ** 2, 0)]);
        const saved = JSON.parse(JSON.stringify(state)) as LearnerState;
        assert.deepEqual(await AutoLearner.restore(saved, entryOf).state(), state);
        assert.throws(() => AutoLearner.restore({ ...saved, targetRange: [1, 0] }, entryOf), /targetRange: expected the least target/);
      }
    });
  }

  it("never reads a row's label before predicting it", async () => {
    const featurizer = new Featurizer(schema, { layouts: ['raw'] });
    const auto = AutoLearner.create('classification', featurizer.rawFeatures(), featurizer.classes.length, 5, entryOf);
    const batch = batchOf(ROWS.slice(0, 200));
    for (let r = 0; r < 200; r++) {
      const y = featurizer.encode(batch, r, true) as number;
      auto.predictAndLearn(featurizer.raw, Float64Array.of(y), 1, new Float64Array(2));
    }
    const x = Float64Array.of(4, 5, 1);
    const state = JSON.stringify(await auto.state());
    const outs = [0, 1].map((label) => {
      const copy = AutoLearner.restore(JSON.parse(state) as LearnerState, entryOf);
      const out = new Float64Array(2);
      copy.predictAndLearn(x, Float64Array.of(label), 1, out);
      return out;
    });
    const predicted = new Float64Array(2);
    auto.predict(x, 1, predicted);
    assert.deepEqual(outs[0], outs[1]);
    assert.deepEqual(outs[0], predicted);
  });

  it('restores exactly, and refuses a state whose pool or slots do not fit', async () => {
    const featurizer = new Featurizer(schema, { layouts: ['raw'] });
    const auto = AutoLearner.create('classification', featurizer.rawFeatures(), featurizer.classes.length, 5, entryOf);
    const batch = batchOf(ROWS.slice(0, 100));
    for (let r = 0; r < 100; r++) auto.learn(Float64Array.from(featurizer.raw), Float64Array.of(featurizer.encode(batch, r, true) as number), 1);
    const state = JSON.parse(JSON.stringify(await auto.state())) as LearnerState;
    assert.deepEqual(await AutoLearner.restore(state, entryOf).state(), await auto.state());
    assert.throws(() => AutoLearner.restore({ ...state, pool: ['pa'] }, entryOf), /pool: expected linear\(lr=0\.01\)/);
    assert.throws(() => AutoLearner.restore({ ...state, slots: [[3, 3]] }, entryOf), /slots\[0\]/);
    assert.throws(() => AutoLearner.restore({ ...state, errors: [1] }, entryOf), /errors: expected 14 numbers/);
    assert.throws(() => AutoLearner.restore({ ...state, stack: [1] }, entryOf), /stack: expected 30 numbers/);
    assert.throws(() => AutoLearner.restore({ ...state, stackSquares: [1] }, entryOf), /stackSquares: expected 30 numbers/);
    assert.throws(() => AutoLearner.restore({ ...state, stackRate: null }, entryOf), /stack: expected null/);
    const { stackSquares: _, ...earlier } = state;
    assert.throws(() => AutoLearner.restore(earlier, entryOf), /saved by an earlier inc-learn.*train it again/);
    const { targetRange: _r, ...beforeRange } = state;
    assert.throws(() => AutoLearner.restore(beforeRange, entryOf), /saved by an earlier inc-learn.*train it again/);
    assert.throws(() => AutoLearner.restore({ ...state, targetRange: [0, 1] }, entryOf), /targetRange: expected null for classification/);
  });

  // Issue 15's goal: at least as accurate as the best member of the pool. Each member runs beside
  // auto in the same pass, alone with its own defaults (as in docs/learners.md's tables), on the
  // bundled streams, a generated one with categories, and the shared ones when they are there.
  // Regression: its RMSE at most each member's (a diverged member's RMSE is null or not a number).
  const beatsItsPool = async (file: string, task: Task = 'classification', flags: string[] = []) => {
    const pool = [...POOLS[task].map((p) => p.name), 'auto'].join(',');
    const summaries = jsonLines((await cliOk(['train', file, '--model', pool, ...flags, '--json', '-q'])).stdout).filter((e) => e.event === 'summary');
    const metric = task === 'classification' ? 'accuracy' : 'rmse';
    const score = new Map(summaries.map((e) => [e.model as string, e[metric] as number | null]));
    assert.equal(score.size, POOLS[task].length + 1);
    const auto = score.get('auto')!;
    for (const [member, value] of score) {
      if (task === 'classification') assert.ok(auto >= value!, `auto ${auto} below ${member} ${value}`);
      else if (value !== null && Number.isFinite(value)) assert.ok(auto <= value, `auto's RMSE ${auto} above ${member}'s ${value}`);
    }
  };
  for (const name of ['sea_drift.csv', 'sine_drift.csv', 'stagger.csv', 'hyperplane.csv']) {
    it(`is at least as accurate as each member of its pool on datasets/${name}`, () => beatsItsPool(`${ROOT}datasets/${name}`));
  }
  it('is at least as accurate as each member of its pool on generate agrawal --seed 1 (categories; ht leads)', async () => {
    const file = join(dir, 'agrawal.csv');
    writeFileSync(file, (await cliOk(['generate', 'agrawal', '--seed', '1', '--rows', '20000'])).stdout);
    await beatsItsPool(file);
  });
  for (const name of ['elec.csv', 'sea_stream.csv', 'iris_timestamp.csv']) {
    const file = sharedDataset(name);
    it(`is at least as accurate as each member of its pool on ../shared/datasets/${name}`, { skip: file ? false : SHARED_MISSING }, () => beatsItsPool(file!));
  }
  it('regression: its RMSE is at most each member\'s on datasets/friedman.csv', () => beatsItsPool(`${ROOT}datasets/friedman.csv`, 'regression'));
  it("regression: its RMSE is at most each member's on a target with a trend (bench/auto-rules/trend.mjs; errors in the targets' recent variance)", async () => {
    const file = join(dir, 'trend.csv');
    writeFileSync(file, execFileSync(process.execPath, [`${ROOT}bench/auto-rules/trend.mjs`], { encoding: 'utf8' }));
    await beatsItsPool(file, 'regression');
  });
  it("regression: its RMSE is at most each member's on Elec2's nswprice, where members' predictions run away (clipped to the targets' range)", { skip: sharedDataset('elec.csv') ? false : SHARED_MISSING }, () =>
    beatsItsPool(sharedDataset('elec.csv')!, 'regression', ['--target', 'nswprice', '--ignore', 'class']));

  it('summary and inspect --model name each member with its weight', async () => {
    const data = csvPart(`${ROOT}datasets/stagger.csv`, 0, 400, join(dir, 'stagger.csv'));
    const model = join(dir, 'model');
    const summary = jsonLines((await cliOk(['train', data, '--model', 'auto', '--save', model, '--json', '-q'])).stdout).find((e) => e.event === 'summary')!;
    const pool = summary['pool'] as { member: string; weight: number; chosen: number }[];
    assert.deepEqual(pool.map((m) => m.member), [...POOLS.classification.map((p) => p.name), 'stacked']);
    assert.ok(Math.abs(pool.reduce((s, m) => s + m.weight, 0) - 1) < 1e-12);
    assert.equal(pool.reduce((s, m) => s + m.chosen, 0), 400);
    const inspected = await inspectModel(model);
    assert.deepEqual(inspected.structure, { pool });
    const text = inspected.lines.join('\n');
    for (const m of pool) assert.match(text, new RegExp(`${m.member.replace(/[().=]/g, '\\$&')}\\s+${m.weight.toFixed(4)}`));
  });
});
