import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entropy, gini, hoeffdingBound, meritRange, normalCdf, splitMerit } from '../src/learners/tree/criteria.js';
import { G_SIZE, gaussianAdd, gaussianLogDensity, gaussianVariance, gaussianWeightBelow } from '../src/learners/tree/gaussian.js';
import { HT_DEFAULTS, HoeffdingTreeLearner, type TreeFeature, type TreeFlags } from '../src/learners/tree/ht.js';
import { Leaf, Split } from '../src/learners/tree/nodes.js';
import { HTR_DEFAULTS, HoeffdingTreeRegressor, Moments, varianceReduction } from '../src/learners/tree/regressor.js';
import { Random } from '../src/util/random.js';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not ${expected} (within ${tol})`);

describe('tree statistics against hand-computed values', () => {
  it('entropy, information gain and Gini', () => {
    close(entropy([1, 1]), 1);
    // -(3/4 log2 3/4 + 1/4 log2 1/4)
    close(entropy([3, 1]), 0.8112781244591328);
    // 1 - H(5/6, 1/6)
    close(splitMerit('info_gain', [6, 6], [5, 1, 1, 5], 2, 2), 0.3499775783516459);
    // Gini 1/2 before; each branch 1 - (25 + 1)/36 after.
    close(gini([6, 6]), 0.5);
    close(splitMerit('gini', [6, 6], [5, 1, 1, 5], 2, 2), 0.5 - 10 / 36);
    // All the weight in one branch: information gain refuses it (MOA's minimum branch fraction).
    assert.equal(splitMerit('info_gain', [6, 6], [6, 6, 0, 0], 2, 2), -Infinity);
    close(meritRange('info_gain', 3), Math.log2(3));
    assert.equal(meritRange('gini', 5), 1);
  });

  it('the Hoeffding bound', () => {
    // sqrt(R^2 ln(1/delta) / 2n) with R = 1, delta = 1e-7, n = 200
    close(hoeffdingBound(1, 1e-7, 200), 0.20073674085078647);
    close(hoeffdingBound(2, 1e-7, 800), 0.20073674085078647);
  });

  it('the normal CDF', () => {
    close(normalCdf(0), 0.5, 0);
    close(normalCdf(1), 0.8413447460685429, 1e-15);
    close(normalCdf(3), 0.9986501019683699, 1e-15);
    close(normalCdf(-1.959963984540054), 0.025, 1e-15);
    assert.equal(normalCdf(40), 1);
    assert.equal(normalCdf(-40), 0);
  });

  it('Gaussian estimators: weighted mean and variance, weight below a threshold, density', () => {
    const g = new Float64Array(G_SIZE);
    gaussianAdd(g, 0, 1, 2);
    gaussianAdd(g, 0, 4, 1);
    // Values 1, 1, 4: mean 2, squared deviations 1 + 1 + 4 = 6 over weight - 1 = 2.
    close(g[1]!, 2);
    close(gaussianVariance(g, 0), 3);
    // 3 * Phi((3 - 2) / sqrt 3)
    close(gaussianWeightBelow(g, 0, 3), 2.1544457075238403, 1e-14);
    assert.equal(gaussianWeightBelow(g, 0, 0.5), 0, 'below the smallest value');
    assert.equal(gaussianWeightBelow(g, 0, 4), 3, 'at the largest value');
    close(gaussianLogDensity(g, 0, 2), -0.5 * Math.log(2 * Math.PI * 3));
  });

  it('candidate thresholds are 10 points evenly inside the observed range', () => {
    const leaf = new Leaf(0, 2, Int32Array.of(0), new Int32Array(0));
    const x = new Float64Array(1);
    for (const [v, y] of [[0, 0], [1, 0], [0.5, 1], [2.2, 1]] as const) {
      x[0] = v;
      leaf.observe(x, 0, y, 1);
    }
    const suggestions = leaf.candidates('info_gain', 10);
    assert.equal(suggestions.length, 1);
    // The best of min + (max - min) * i / 11: class 0's Gaussian has mean 0.5, class 1's 1.35.
    const thresholds = Array.from({ length: 10 }, (_, i) => (2.2 * (i + 1)) / 11);
    assert.ok(thresholds.some((t) => Math.abs(t - suggestions[0]!.threshold) < 1e-12), `${suggestions[0]!.threshold} is a candidate`);
  });
});

const flags = (over: Partial<TreeFlags> = {}): TreeFlags => ({ ...HT_DEFAULTS, ...over });

/** Streams rows (x, y) through test-then-train, returning the accuracy. */
function prequential(learner: HoeffdingTreeLearner, rows: Iterable<[number[], number]>): number {
  const out = new Float64Array(16);
  let n = 0;
  let correct = 0;
  for (const [row, y] of rows) {
    const x = Float64Array.from(row);
    learner.predictAndLearn(x, Float64Array.of(y), 1, out);
    let best = 0;
    for (let k = 1; k < learner.outputs; k++) if (out[k]! > out[best]!) best = k;
    if (best === y) correct++;
    n++;
  }
  return correct / n;
}

/**
 * Rows in blocks of 40: a categorical attribute `a` (0/1) that predicts the label except in 30% of
 * the rows, and `b` (0/1) balanced within every (a, label) pair, so that over every 40 rows the
 * information gain of a is exactly 1 - H(0.3) and that of b exactly 0.
 */
function* categoricalStream(n: number): Generator<[number[], number]> {
  const block: [number, number, number][] = [];
  for (const [a, flip, count] of [[0, 0, 14], [0, 1, 6], [1, 0, 14], [1, 1, 6]] as const) {
    for (let i = 0; i < count; i++) block.push([a, i % 2, a ^ flip]);
  }
  for (let i = 0; i < n; i++) {
    const [a, b, y] = block[(i * 17) % 40]!;
    yield [[a, b], y];
  }
}

describe('ht grows by the Hoeffding bound', () => {
  const categorical: TreeFeature[] = [{ name: 'a', kind: 'categorical' }, { name: 'b', kind: 'categorical' }];

  it('splits on the informative attribute at the first grace period where the gain margin beats the bound', () => {
    const gain = 1 - entropy([0.3, 0.7]);
    // The first multiple of the grace period n with gain - 0 > sqrt(ln(1/delta) / 2n) (R = log2 2 = 1).
    let expected = 200;
    while (!(gain > hoeffdingBound(1, 1e-7, expected))) expected += 200;
    assert.equal(expected, 600);
    const before = HoeffdingTreeLearner.create(categorical, 2, flags(), 1);
    prequential(before, categoricalStream(expected - 1));
    assert.ok(before.tree.root instanceof Leaf, `no split before ${expected} rows`);
    const after = HoeffdingTreeLearner.create(categorical, 2, flags(), 1);
    prequential(after, categoricalStream(expected));
    const root = after.tree.root;
    assert.ok(root instanceof Split, `a split at ${expected} rows`);
    assert.equal(root.feature, 0);
    assert.ok(root.categorical);
    assert.equal(root.children.length, 2);
  });

  it('splits a numeric attribute near the threshold that makes the label', () => {
    const numeric: TreeFeature[] = [{ name: 'x0', kind: 'numeric' }, { name: 'x1', kind: 'numeric' }];
    const learner = HoeffdingTreeLearner.create(numeric, 2, flags(), 1);
    const random = new Random(5);
    const rows = function* (n: number): Generator<[number[], number]> {
      for (let i = 0; i < n; i++) {
        const x0 = random.next();
        yield [[x0, random.next()], x0 > 0.3 ? 1 : 0];
      }
    };
    prequential(learner, rows(199));
    assert.ok(learner.tree.root instanceof Leaf);
    // At 200 rows the gain of x0 (about H(0.3) = 0.88) minus that of x1 (about 0) exceeds the bound 0.20.
    prequential(learner, rows(1));
    const root = learner.tree.root;
    assert.ok(root instanceof Split);
    assert.equal(root.feature, 0);
    // The candidates are 1/11 of the range apart.
    assert.ok(Math.abs(root.threshold - 0.3) < 1 / 11, `threshold ${root.threshold}`);
    assert.ok(prequential(learner, rows(2000)) > 0.95);
  });

  it('--max-depth stops growth', () => {
    const numeric: TreeFeature[] = [{ name: 'x0', kind: 'numeric' }, { name: 'x1', kind: 'numeric' }];
    const random = new Random(9);
    const rows = function* (n: number): Generator<[number[], number]> {
      for (let i = 0; i < n; i++) {
        const x0 = random.next();
        const x1 = random.next();
        yield [[x0, x1], (x0 > 0.5) !== (x1 > 0.5) ? 1 : 0];
      }
    };
    const shallow = HoeffdingTreeLearner.create(numeric, 2, flags({ maxDepth: 1 }), 1);
    prequential(shallow, rows(20000));
    assert.equal(shallow.tree.summary().depth, 1);
    const deep = HoeffdingTreeLearner.create(numeric, 2, flags(), 1);
    prequential(deep, rows(20000));
    assert.ok(deep.tree.summary().depth > 1);
  });
});

/** A stream with 2 numeric and 1 categorical attribute; a third class and new categories arrive mid-stream. */
function* mixedStream(n: number, seed: number): Generator<[number[], number]> {
  const random = new Random(seed);
  for (let i = 0; i < n; i++) {
    const x0 = random.next();
    const x1 = random.normal();
    const categories = i < n / 3 ? 3 : 6;
    const c = random.int(categories);
    const classes = i < n / 2 ? 2 : 3;
    let y = (x0 + 0.3 * x1 > 0.5 ? 1 : 0) ^ (c === 4 ? 1 : 0);
    if (classes === 3 && x0 < 0.2) y = 2;
    if (random.next() < 0.05) y = random.int(classes);
    yield [[x0, x1, c === 5 ? -1 : c], y];
  }
}

const mixed: TreeFeature[] = [
  { name: 'x0', kind: 'numeric' },
  { name: 'x1', kind: 'numeric' },
  { name: 'c', kind: 'categorical' },
];

/** Runs rows through predictAndLearn, growing classes as labels appear; returns every prediction. */
function replay(learner: HoeffdingTreeLearner, rows: [number[], number][]): number[] {
  const out = new Float64Array(3);
  const seen: number[] = [];
  for (const [row, y] of rows) {
    if (y >= learner.outputs) learner.grow(learner.dim, y + 1);
    learner.predictAndLearn(Float64Array.from(row), Float64Array.of(y), 1, out);
    let sum = 0;
    for (let k = 0; k < learner.outputs; k++) sum += out[k]!;
    assert.ok(Math.abs(sum - 1) < 1e-9, `probabilities sum to ${sum}`);
    seen.push(...out.subarray(0, learner.outputs));
  }
  return seen;
}

describe('ht state', () => {
  it('one run over A then B equals A saved (as JSON) and B resumed, to the last bit', () => {
    const rows = [...mixedStream(12000, 4)];
    const a = rows.slice(0, 7000);
    const b = rows.slice(7000);
    const whole = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 100 }), 1);
    replay(whole, a);
    const expected = replay(whole, b);
    const first = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 100 }), 1);
    replay(first, a);
    const resumed = HoeffdingTreeLearner.restore(JSON.parse(JSON.stringify(first.state())));
    assert.deepEqual(replay(resumed, b), expected);
    assert.deepEqual(resumed.state(), whole.state());
    assert.ok(whole.tree.summary().splits > 3, 'the tree grew');
  });

  it('predict then learn gives what predictAndLearn gives', () => {
    const rows = [...mixedStream(6000, 7)];
    const fused = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 100 }), 1);
    const expected = replay(fused, rows);
    const apart = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 100 }), 1);
    const out = new Float64Array(3);
    const seen: number[] = [];
    for (const [row, y] of rows) {
      if (y >= apart.outputs) apart.grow(apart.dim, y + 1);
      const x = Float64Array.from(row);
      apart.predict(x, 1, out);
      apart.learn(x, Float64Array.of(y), 1);
      seen.push(...out.subarray(0, apart.outputs));
    }
    assert.deepEqual(seen, expected);
  });

  it('--max-size deactivates the least promising leaves and keeps the estimate within the limit', () => {
    const limit = 0.02; // MiB
    const bounded = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 50, maxSize: limit }), 1);
    replay(bounded, [...mixedStream(40000, 11)]);
    const summary = bounded.tree.summary();
    assert.ok(summary.activeLeaves < summary.leaves, `${summary.activeLeaves} of ${summary.leaves} leaves active`);
    assert.ok(summary.bytes <= limit * 1024 * 1024, `${summary.bytes} bytes`);
    const free = HoeffdingTreeLearner.create(mixed, 2, flags({ gracePeriod: 50 }), 1);
    replay(free, [...mixedStream(40000, 11)]);
    assert.equal(free.tree.summary().activeLeaves, free.tree.summary().leaves);
    assert.ok(free.tree.summary().bytes > limit * 1024 * 1024);
  });
});

describe('ht for regression', () => {
  const numeric: TreeFeature[] = [
    { name: 'x0', kind: 'numeric' },
    { name: 'x1', kind: 'numeric' },
    { name: 'c', kind: 'categorical' },
  ];

  it('variance reduction against hand-computed values', () => {
    const moments = (ys: number[]): Moments => {
      const m = new Moments();
      for (const y of ys) m.add(y, 1);
      return m;
    };
    // 1..5 and 11..15: mean 8, squared deviations 270 over 9 (sample variance 30); each half 10 over 4.
    const pre = moments([1, 2, 3, 4, 5, 11, 12, 13, 14, 15]);
    close(pre.variance, 30);
    close(varianceReduction(pre, [moments([1, 2, 3, 4, 5]), moments([11, 12, 13, 14, 15])]), 30 - 0.5 * 2.5 - 0.5 * 2.5);
    assert.equal(varianceReduction(pre, [moments([1, 2, 3, 4, 5, 11]), moments([12, 13, 14, 15])]), -Infinity, 'a branch of fewer than 5 rows');
  });

  /** A step at x0 = 0.6 (0 below, 10 above) plus noise; x1 and c are noise. */
  function* steps(n: number, seed: number): Generator<[number[], number]> {
    const random = new Random(seed);
    for (let i = 0; i < n; i++) {
      const x0 = random.next();
      yield [[x0, random.next(), random.int(4)], (x0 > 0.6 ? 10 : 0) + random.normal()];
    }
  }

  it('splits the step at its threshold and then predicts each side', () => {
    const tree = new HoeffdingTreeRegressor(numeric, HTR_DEFAULTS);
    const out = new Float64Array(1);
    let se = 0;
    let i = 0;
    for (const [row, y] of steps(4000, 3)) {
      tree.predictAndLearn(Float64Array.from(row), Float64Array.of(y), 1, out);
      if (i++ >= 2000) se += (out[0]! - y) ** 2;
    }
    const root = tree.state().root;
    assert.ok('split' in root);
    assert.equal(root.split.feature, 0);
    // Candidate thresholds are the values seen, rounded to 3 decimals.
    assert.ok(Math.abs(root.split.threshold - 0.6) < 0.01, `threshold ${root.split.threshold}`);
    assert.ok(Math.sqrt(se / 2000) < 1.2, `rmse ${Math.sqrt(se / 2000)} (noise sd 1)`);
  });

  it('one run over A then B equals A saved (as JSON) and B resumed', () => {
    const rows = [...steps(6000, 5)];
    const play = (tree: HoeffdingTreeRegressor, part: [number[], number][]): number[] => {
      const out = new Float64Array(1);
      return part.map(([row, y]) => {
        tree.predictAndLearn(Float64Array.from(row), Float64Array.of(y), 1, out);
        return out[0]!;
      });
    };
    const whole = new HoeffdingTreeRegressor(numeric, HTR_DEFAULTS);
    const expected = play(whole, rows).slice(3500);
    const first = new HoeffdingTreeRegressor(numeric, HTR_DEFAULTS);
    play(first, rows.slice(0, 3500));
    const resumed = HoeffdingTreeRegressor.restore(JSON.parse(JSON.stringify(first.state())));
    assert.deepEqual(play(resumed, rows.slice(3500)), expected);
    assert.deepEqual(resumed.state(), whole.state());
  });
});
