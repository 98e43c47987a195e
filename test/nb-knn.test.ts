/** nb's smoothing and categories, and knn's exact search, against direct computations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Knn } from '../src/learners/knn.js';
import { NaiveBayes } from '../src/learners/nb.js';
import { EarlierStateError } from '../src/learners/state-reader.js';
import { Random } from '../src/util/random.js';

describe('nb', () => {
  it('does not break on a class seen once or a feature that is constant (variance 0)', () => {
    // Feature 0 is constant; feature 1 separates the classes; class 2 is seen once, mid-stream.
    const model = new NaiveBayes(2, 2, 2, 0.01);
    const p = new Float64Array(3);
    const rows: [number, number, number][] = [[5, 0, 0], [5, 1, 1], [5, 0.1, 0], [5, 0.9, 1], [5, 3, 2]];
    for (const [a, b, y] of rows) {
      if (y === 2) model.grow(2, 3);
      model.learn(Float64Array.of(a, b), Float64Array.of(y), 1);
    }
    model.predict(Float64Array.of(5, 2.9), 1, p);
    assert.ok(p.every((v) => Number.isFinite(v)), String(p));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(p.indexOf(Math.max(...p)), 2, 'the row near the one of class 2');
    model.predict(Float64Array.of(5, 0.05), 1, p);
    assert.equal(p.indexOf(Math.max(...p)), 0);
  });

  it('scores a category by its smoothed count in each class (Laplace over the categories known)', () => {
    // One numeric feature (constant, so left out) and one categorical feature.
    const model = new NaiveBayes(2, 1, 2, 0.01);
    const rows: [number, number][] = [[0, 0], [0, 0], [1, 0], [1, 1], [2, 1]];
    for (const [code, y] of rows) model.learn(Float64Array.of(1, code), Float64Array.of(y), 1);
    const p = new Float64Array(2);
    model.predict(Float64Array.of(1, 1), 1, p);
    // Class 0: prior 3/5, category 1 seen once in 3 rows, 3 categories: (1 + 1) / (3 + 3).
    // Class 1: prior 2/5, category 1 seen once in 2 rows: (1 + 1) / (2 + 3).
    const a = (3 / 5) * (2 / 6);
    const b = (2 / 5) * (2 / 5);
    assert.ok(Math.abs(p[0]! - a / (a + b)) < 1e-12, `${p[0]} vs ${a / (a + b)}`);
    // A missing category (-1) is left out: the priors alone.
    model.predict(Float64Array.of(1, -1), 1, p);
    assert.ok(Math.abs(p[0]! - 3 / 5) < 1e-12);
  });
});

describe('knn', () => {
  it('finds exactly the k nearest of the window, each numeric feature scaled by its variance over the window, and votes by 1/distance', () => {
    const random = new Random(3);
    // Three numeric features (the second far from 0 on a large scale, the third constant for the
    // first 200 rows), then a categorical one (codes 0 to 2, -1 missing).
    const d = 4;
    const numeric = 3;
    const window = 50;
    const model = new Knn('classification', d, numeric, 3, 5, window, false);
    const kept: { x: number[]; y: number }[] = [];
    const p = new Float64Array(3);
    for (let t = 0; t < 400; t++) {
      const x = [random.normal(), 1e4 + 300 * random.normal(), t < 200 ? 7 : random.normal(), random.int(4) - 1];
      const y = random.int(3);
      model.predict(Float64Array.from(x), 1, p);
      if (kept.length > 0) {
        // The window's sample variances, two passes; 1 before two rows, and a constant feature counts 0.
        const n = kept.length;
        const weight = [0, 1, 2].map((j) => {
          if (n < 2) return 1;
          const mean = kept.reduce((a, row) => a + row.x[j]!, 0) / n;
          const variance = kept.reduce((a, row) => a + (row.x[j]! - mean) ** 2, 0) / (n - 1);
          return variance > 0 ? 1 / variance : 0;
        });
        // The category as a one-hot row: a different category differs in two slots, a missing one in one.
        const category = (a: number, b: number): number => (a === b ? 0 : a < 0 || b < 0 ? 1 : 2);
        const near = kept
          .map((row, i) => ({
            i,
            dist: Math.sqrt(weight.reduce((a, w, j) => a + w * (row.x[j]! - x[j]!) ** 2, 0) + category(row.x[3]!, x[3]!)),
            y: row.y,
          }))
          .sort((a, b) => a.dist - b.dist || a.i - b.i)
          .slice(0, 5);
        const votes = [0, 0, 0];
        for (const m of near) votes[m.y]! += 1 / m.dist;
        const total = votes.reduce((a, b) => a + b, 0);
        votes.forEach((v, c) => assert.ok(Math.abs(p[c]! - v / total) < 1e-9, `row ${t} class ${c}: ${p[c]} vs ${v / total}`));
      }
      model.learn(Float64Array.from(x), Float64Array.of(y), 1);
      kept.push({ x, y });
      if (kept.length > window) kept.shift();
    }
  });

  it('resumes exactly from its state, the ring buffer wrapped (the same predictions, to the last bit)', () => {
    const random = new Random(5);
    const row = (): Float64Array => Float64Array.of(random.normal() * 1e3, 0.1 + random.normal() * 1e-3, random.normal(), random.int(3));
    const one = new Knn('classification', 4, 3, 3, 3, 7, false);
    for (let t = 0; t < 25; t++) one.learn(row(), Float64Array.of(random.int(3)), 1);
    const two = Knn.restore(JSON.parse(JSON.stringify(one.state())));
    const p1 = new Float64Array(3);
    const p2 = new Float64Array(3);
    for (let t = 0; t < 40; t++) {
      const x = row();
      const y = Float64Array.of(random.int(3));
      one.predictAndLearn(x, y, 1, p1);
      two.predictAndLearn(x, y, 1, p2);
      assert.deepEqual(p2, p1, `row ${t}`);
    }
    assert.deepEqual(two.state(), one.state());
  });

  it('regression: the mean of the k nearest targets', () => {
    const model = new Knn('regression', 1, 1, 1, 2, 10, false);
    for (const [x, y] of [[0, 1], [1, 3], [5, 10], [6, 20]]) model.learn(Float64Array.of(x!), Float64Array.of(y!), 1);
    const out = new Float64Array(1);
    model.predict(Float64Array.of(5.4), 1, out);
    assert.equal(out[0], 15);
  });

  it('refuses, as from an earlier inc-learn, a state of standardized one-hot rows (no `numeric`)', () => {
    const state = new Knn('classification', 2, 2, 2, 1, 10, false).state();
    delete (state as Partial<typeof state>).numeric;
    assert.throws(() => Knn.restore(state), (err: Error) => err instanceof EarlierStateError && /earlier inc-learn.*train it again/.test(err.message));
  });
});
