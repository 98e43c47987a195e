/** nb's smoothing and categories, and knn's exact search, against direct computations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Knn } from '../src/learners/knn.js';
import { NaiveBayes } from '../src/learners/nb.js';
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
  it('finds exactly the k nearest of the window and votes by 1/distance', () => {
    const random = new Random(3);
    const d = 3;
    const window = 50;
    const model = new Knn('classification', d, 3, 5, window, false);
    const kept: { x: number[]; y: number }[] = [];
    const p = new Float64Array(3);
    for (let t = 0; t < 400; t++) {
      const x = Array.from({ length: d }, () => random.normal());
      const y = random.int(3);
      model.predict(Float64Array.from(x), 1, p);
      if (kept.length > 0) {
        const near = kept
          .map((row, i) => ({ i, dist: Math.sqrt(row.x.reduce((a, v, j) => a + (v - x[j]!) ** 2, 0)), y: row.y }))
          .sort((a, b) => a.dist - b.dist || a.i - b.i)
          .slice(0, 5);
        const votes = [0, 0, 0];
        for (const n of near) votes[n.y]! += 1 / n.dist;
        const total = votes.reduce((a, b) => a + b, 0);
        votes.forEach((v, c) => assert.ok(Math.abs(p[c]! - v / total) < 1e-12, `row ${t} class ${c}: ${p[c]} vs ${v / total}`));
      }
      model.learn(Float64Array.from(x), Float64Array.of(y), 1);
      kept.push({ x, y });
      if (kept.length > window) kept.shift();
    }
  });

  it('regression: the mean of the k nearest targets', () => {
    const model = new Knn('regression', 1, 1, 2, 10, false);
    for (const [x, y] of [[0, 1], [1, 3], [5, 10], [6, 20]]) model.learn(Float64Array.of(x!), Float64Array.of(y!), 1);
    const out = new Float64Array(1);
    model.predict(Float64Array.of(5.4), 1, out);
    assert.equal(out[0], 15);
  });
});
