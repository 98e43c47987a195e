import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinearModel } from '../src/learners/linear.js';
import type { LearnerOptions } from '../src/learners/types.js';
import { Random } from '../src/util/random.js';

type Options = Pick<LearnerOptions, 'task' | 'dim' | 'classes' | 'optimizer' | 'lr' | 'l2'>;

/** Streams n rows of a linearly separable problem through test-then-train; returns the accuracy of the last half. */
function separable(model: LinearModel, classes: number, n: number, seed = 3): number {
  const random = new Random(seed);
  const dim = model.dim;
  const x = new Float64Array(dim);
  const y = new Float64Array(1);
  const p = new Float64Array(Math.max(2, classes));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) x[j] = random.normal();
    // Class by the sector of (x0, x1): classes equal wedges around the origin.
    const angle = Math.atan2(x[1]!, x[0]!) + Math.PI;
    y[0] = classes === 2 ? (x[0]! + 0.5 * x[1]! > 0 ? 1 : 0) : Math.min(classes - 1, Math.floor((angle / (2 * Math.PI)) * classes));
    model.predict(x, 1, p);
    let best = 0;
    for (let k = 1; k < model.outputs; k++) if (p[k]! > p[best]!) best = k;
    if (i >= n / 2 && best === y[0]) correct++;
    model.learn(x, y, 1);
  }
  return correct / (n / 2);
}

const base: Options = { task: 'classification', dim: 4, classes: 2, optimizer: 'sgd', lr: 0.1, l2: 0 };

describe('linear models', () => {
  for (const optimizer of ['sgd', 'adagrad', 'adam'] as const) {
    it(`logistic regression learns a separable problem with ${optimizer}`, () => {
      const model = new LinearModel({ ...base, optimizer, lr: optimizer === 'adam' ? 0.05 : 0.1 });
      assert.ok(separable(model, 2, 4000) > 0.95);
      assert.match(model.description, /^logistic\(/);
    });
  }

  it('softmax regression learns three classes', () => {
    const model = new LinearModel({ ...base, classes: 3, optimizer: 'adam', lr: 0.05 });
    assert.match(model.description, /^softmax\(/);
    assert.ok(separable(model, 3, 6000) > 0.85);
  });

  it('linear regression recovers the weights of a noiseless line', () => {
    const model = new LinearModel({ ...base, task: 'regression', dim: 2, lr: 0.05 });
    const random = new Random(5);
    const x = new Float64Array(2);
    const y = new Float64Array(1);
    for (let i = 0; i < 5000; i++) {
      x[0] = random.normal();
      x[1] = random.normal();
      y[0] = 2 * x[0] - 3 * x[1] + 1;
      model.learn(x, y, 1);
    }
    const out = new Float64Array(1);
    model.predict(Float64Array.of(1, 1), 1, out);
    assert.ok(Math.abs(out[0]! - 0) < 1e-6, `predicted ${out[0]}`);
  });

  it('l2 shrinks the weights', () => {
    const plain = new LinearModel(base);
    const shrunk = new LinearModel({ ...base, l2: 0.05 });
    separable(plain, 2, 2000);
    separable(shrunk, 2, 2000);
    const norm = (m: LinearModel) => m.state().weights.reduce((s, w) => s + w * w, 0);
    assert.ok(norm(shrunk) < norm(plain) * 0.8);
  });

  it('growing features and turning binary into multiclass keeps every prediction', () => {
    const model = new LinearModel({ ...base, optimizer: 'adam', lr: 0.05 });
    separable(model, 2, 500);
    const random = new Random(9);
    const probes = Array.from({ length: 20 }, () => Float64Array.from({ length: 4 }, () => random.normal()));
    const before = probes.map((x) => {
      const p = new Float64Array(2);
      model.predict(x, 1, p);
      return Array.from(p);
    });
    model.grow(6, 3);
    assert.equal(model.outputs, 3);
    assert.equal(model.dim, 6);
    probes.forEach((x, i) => {
      const p = new Float64Array(3);
      const wide = new Float64Array(6);
      wide.set(x);
      model.predict(wide, 1, p);
      // The new class starts with the old class 0's logit (zero weights), so old probabilities change
      // only by the renormalisation; the ratio between the old classes is exact.
      assert.ok(Math.abs(p[1]! / p[0]! - before[i]![1]! / before[i]![0]!) < 1e-9 * (before[i]![1]! / before[i]![0]!));
    });
    // It can now learn the new class.
    const x = new Float64Array(6).fill(0);
    x[5] = 1;
    const y = Float64Array.of(2);
    for (let i = 0; i < 200; i++) model.learn(x, y, 1);
    const p = new Float64Array(3);
    model.predict(x, 1, p);
    assert.ok(p[2]! > 0.9);
  });

  for (const task of ['classification', 'regression'] as const) {
    for (const optimizer of ['sgd', 'adagrad', 'adam'] as const) {
      it(`predictAndLearn equals predict then learn, to the bit (${task}, ${optimizer})`, () => {
        const classes = task === 'regression' ? 1 : 3;
        const opts = { ...base, task, classes, optimizer, l2: 0.01 };
        const [fused, plain] = [new LinearModel(opts), new LinearModel(opts)];
        const random = new Random(4);
        const x = new Float64Array(4);
        const y = new Float64Array(1);
        const [p1, p2] = [new Float64Array(3), new Float64Array(3)];
        for (let i = 0; i < 500; i++) {
          for (let j = 0; j < 4; j++) x[j] = random.normal();
          y[0] = task === 'regression' ? x[0]! - x[1]! : random.int(3);
          fused.predictAndLearn(x, y, 1, p1);
          plain.predict(x, 1, p2);
          plain.learn(x, y, 1);
          assert.deepEqual(Array.from(p1), Array.from(p2));
        }
        assert.deepEqual(fused.state(), plain.state());
      });
    }
  }

  it('restores from its state exactly, optimizer moments included', () => {
    const model = new LinearModel({ ...base, optimizer: 'adam', lr: 0.05 });
    separable(model, 2, 300);
    const copy = LinearModel.restore(JSON.parse(JSON.stringify(model.state())));
    separable(model, 2, 300, 11);
    separable(copy, 2, 300, 11);
    assert.deepEqual(copy.state(), model.state());
  });
});

describe('linear models that have grown', () => {
  it('read rows at the grown width when given several at once (learn and predict)', () => {
    // Rows of width 4 after growing from 2: the second row starts at 4. Given together or one by one,
    // the same weights and the same predictions.
    const opts = { task: 'classification' as const, dim: 2, classes: 2, optimizer: 'sgd' as const, lr: 0.1, l2: 0 };
    const x = Float64Array.from([1, -1, 0, 1, 0.5, 2, 1, 0]);
    const y = Float64Array.from([1, 0]);
    const [together, apart] = [new LinearModel(opts), new LinearModel(opts)];
    for (const m of [together, apart]) m.grow(4, 2);
    together.learn(x, y, 2);
    apart.learn(x.subarray(0, 4), y.subarray(0, 1), 1);
    apart.learn(x.subarray(4), y.subarray(1), 1);
    assert.deepEqual(together.state(), apart.state());
    const [both, second] = [new Float64Array(4), new Float64Array(2)];
    together.predict(x, 2, both);
    together.predict(x.subarray(4), 1, second);
    assert.deepEqual(Array.from(both.subarray(2)), Array.from(second));
  });
});
