/**
 * The linear models on the sparse layout (hashed categorical features): the same model as on the
 * dense row, touching only the slots a row names (sgd, and adagrad without L2, to rounding; sgd's L2
 * by a scale factor), lazy Adam checked step by step against its published update.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinearModel, type LinearState } from '../src/learners/linear.js';
import type { LearnerOptions, SparseShape, Task } from '../src/learners/types.js';
import { Random } from '../src/util/random.js';

const NUMERIC = 3;
const PAIRS = 4;
const SLOTS = 64;
const DIM = NUMERIC + SLOTS;
const SHAPE: SparseShape = { numeric: NUMERIC, pairs: PAIRS, slots: DIM };

interface Rows {
  dense: Float64Array;
  sparse: Float64Array;
  y: Float64Array;
  n: number;
}

/** n rows as the featurizer lays them out both ways: numeric values, then each categorical feature's hashed slot. */
function rows(n: number, task: Task, classes: number, seed: number): Rows {
  const random = new Random(seed);
  const width = NUMERIC + 2 * PAIRS;
  const dense = new Float64Array(n * DIM);
  const sparse = new Float64Array(n * width);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let score = 0;
    for (let j = 0; j < NUMERIC; j++) {
      const v = random.normal();
      dense[r * DIM + j] = v;
      sparse[r * width + j] = v;
      score += (j + 1) * v;
    }
    const seen: number[] = [];
    for (let c = 0; c < PAIRS; c++) {
      const at = r * width + NUMERIC + 2 * c;
      // Missing now and then; the first features are skewed, so slots repeat and collide.
      const slot = random.next() < 0.1 ? -1 : NUMERIC + Math.min(SLOTS - 1, Math.floor(random.next() ** (c + 1) * SLOTS));
      if (slot < 0 || seen.includes(slot)) {
        sparse[at] = -1;
        sparse[at + 1] = 0;
        continue;
      }
      seen.push(slot);
      sparse[at] = slot;
      sparse[at + 1] = 1;
      dense[r * DIM + slot] = 1;
      score += slot % 7 === 0 ? 2 : -0.5;
    }
    y[r] = task === 'regression' ? score + 0.1 * random.normal() : classes === 2 ? (score > 0 ? 1 : 0) : Math.abs(Math.floor(score)) % classes;
  }
  return { dense, sparse, y, n };
}

type Options = Pick<LearnerOptions, 'task' | 'dim' | 'classes' | 'optimizer' | 'lr' | 'l2'>;

/** Test then train over the rows; the predictions made, in order. */
function run(model: LinearModel, x: Float64Array, data: Rows, outputs: number, from = 0, to = data.n): number[] {
  const width = model.dim;
  const out = new Float64Array(outputs);
  const seen: number[] = [];
  for (let r = from; r < to; r++) {
    model.predictAndLearn(x.subarray(r * width, (r + 1) * width), data.y.subarray(r, r + 1), 1, out);
    seen.push(...out.subarray(0, model.outputs));
  }
  return seen;
}

function assertClose(a: readonly number[], b: readonly number[], tolerance: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tolerance * Math.max(1, Math.abs(b[i]!)), `${what} [${i}]: ${a[i]} vs ${b[i]}`);
  }
}

describe('linear models on sparse rows', () => {
  const cases: [Task, number, LearnerOptions['optimizer'], number][] = [
    ['classification', 2, 'sgd', 0],
    ['classification', 3, 'sgd', 0],
    ['regression', 1, 'sgd', 0],
    ['classification', 2, 'sgd', 0.01],
    ['classification', 3, 'sgd', 0.001],
    ['regression', 1, 'sgd', 0.01],
    ['classification', 2, 'adagrad', 0],
    ['classification', 3, 'adagrad', 0],
    ['regression', 1, 'adagrad', 0],
  ];
  for (const [task, classes, optimizer, l2] of cases) {
    it(`learn what the dense model learns, to rounding (${task}, ${classes} classes, ${optimizer}, l2 ${l2})`, () => {
      const data = rows(3000, task, classes, 11);
      const opts: Options = { task, dim: DIM, classes, optimizer, lr: task === 'regression' ? 0.01 : 0.1, l2 };
      const dense = new LinearModel(opts);
      const sparse = new LinearModel({ ...opts, sparse: SHAPE });
      assert.equal(sparse.input, 'sparse');
      assert.equal(sparse.dim, NUMERIC + 2 * PAIRS);
      const outputs = Math.max(2, classes);
      assertClose(run(sparse, data.sparse, data, outputs), run(dense, data.dense, data, outputs), 1e-9, 'predictions');
      // The weights the sparse model stands for (its scale times its weights, the biases as they are).
      const s = sparse.state();
      const scale = s.scale ?? 1;
      const weights = s.weights.map((w, i) => (i % (DIM + 1) === DIM ? w : w * scale));
      assertClose(weights, dense.state().weights, 1e-9, 'weights');
    });
  }

  it('adam is lazy: a slot a row does not name keeps its weight and moments (the LazyAdam update)', () => {
    const lr = 0.1;
    const model = new LinearModel({ task: 'regression', dim: 3, classes: 1, optimizer: 'adam', lr, l2: 0, sparse: { numeric: 1, pairs: 1, slots: 3 } });
    // Rows: x0 = 1 and slot 1, then x0 = 2 and slot 2, then x0 = -1 and slot 1 again; targets 1, 0, 2.
    const xs = [Float64Array.of(1, 1, 1), Float64Array.of(2, 2, 1), Float64Array.of(-1, 1, 1)];
    const ys = [1, 0, 2];
    // The update by hand: w, m, v for slots 0, 1, 2 and the bias 3; only the named ones move.
    const w = [0, 0, 0, 0];
    const m = [0, 0, 0, 0];
    const v = [0, 0, 0, 0];
    const out = new Float64Array(1);
    for (let t = 1; t <= 3; t++) {
      const x = xs[t - 1]!;
      const prediction = w[3]! + w[0]! * x[0]! + w[x[1]!]! * x[2]!;
      model.learn(x, Float64Array.of(ys[t - 1]!), 1);
      const g = prediction - ys[t - 1]!;
      const step = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (const [i, grad] of [[0, g * x[0]!], [x[1]!, g * x[2]!], [3, g]] as [number, number][]) {
        m[i] = 0.9 * m[i]! + (1 - 0.9) * grad;
        v[i] = 0.999 * v[i]! + (1 - 0.999) * grad * grad;
        w[i] = w[i]! - (step * m[i]!) / (Math.sqrt(v[i]!) + 1e-8);
      }
      model.predict(x, 1, out);
    }
    const s = model.state();
    assertClose(s.weights, w, 1e-12, 'weights');
    assertClose(s.slot1, m, 1e-12, 'first moments');
    assertClose(s.slot2, v, 1e-12, 'second moments');
    assert.equal(s.slot1[2], m[2], 'slot 2, named only by the second row, kept its moment at step 3');
  });

  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`restores exactly, L2 scale included: one run equals a run saved and resumed (${optimizer})`, () => {
      const data = rows(2000, 'classification', 3, 5);
      const opts = { task: 'classification' as const, dim: DIM, classes: 3, optimizer, lr: 0.05, l2: 0.01, sparse: SHAPE };
      const whole = new LinearModel(opts);
      const one = run(whole, data.sparse, data, 3);
      const first = new LinearModel(opts);
      const a = run(first, data.sparse, data, 3, 0, 1234);
      const saved = JSON.parse(JSON.stringify(first.state())) as LinearState;
      if (optimizer === 'sgd') assert.ok(saved.scale! < 1, 'the scale is saved');
      const resumed = LinearModel.restore(saved, SHAPE);
      const b = run(resumed, data.sparse, data, 3, 1234);
      assert.deepEqual([...a, ...b], one);
      assert.deepEqual(resumed.state(), whole.state());
    });
  }

  it('folds the L2 scale into the weights before it underflows, and survives an L2 that flips the weights', () => {
    const data = rows(500, 'regression', 1, 8);
    for (const l2 of [50, 12]) {
      const model = new LinearModel({ task: 'regression', dim: DIM, classes: 1, optimizer: 'sgd', lr: 0.1, l2, sparse: SHAPE });
      const dense = new LinearModel({ task: 'regression', dim: DIM, classes: 1, optimizer: 'sgd', lr: 0.1, l2 });
      assertClose(run(model, data.sparse, data, 1), run(dense, data.dense, data, 1), 1e-9, `l2 ${l2}`);
      assert.ok(model.state().weights.every(Number.isFinite));
    }
  });
});
