/**
 * The behaviours where the trees follow MOA's and River's code, each checked against a hand-computed
 * value: naive-Bayes-adaptive ties, naive Bayes on a leaf that has not observed an attribute yet,
 * the adaptive tree's bootstrap weights and its vote over the leaves a row reaches, and the forest's
 * prediction of a row after learning it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adwin } from '../src/eval/drift/adwin.js';
import { AdaptiveTree } from '../src/learners/tree/hat.js';
import { HT_DEFAULTS, treeOptions, type TreeFeature } from '../src/learners/tree/ht.js';
import { Leaf, Split } from '../src/learners/tree/nodes.js';
import { HoeffdingTree } from '../src/learners/tree/tree.js';
import { Random } from '../src/util/random.js';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not ${expected} (within ${tol})`);

const twoNumeric: TreeFeature[] = [
  { name: 'x0', kind: 'numeric' },
  { name: 'x1', kind: 'numeric' },
];

describe('naive-Bayes-adaptive leaves (MOA LearningNodeNBAdaptive, River LeafNaiveBayesAdaptive)', () => {
  /** A leaf whose majority class is 0 (3 rows near 0) while naive Bayes says 1 at x = 10 (2 rows near 10). */
  const leaf = (): Leaf => {
    const l = new Leaf(0, 2, Int32Array.of(0), new Int32Array(0));
    for (const [v, y] of [[0, 0], [0.1, 0], [-0.1, 0], [9.9, 1], [10.1, 1]] as const) l.observe(Float64Array.of(v), 0, y, 1);
    return l;
  };
  const at10 = Float64Array.of(10);

  it('naive Bayes predicts while it has been right at least as often as the majority class (ties included)', () => {
    const out = new Float64Array(2);
    const tied = leaf();
    tied.mcCorrect = 4;
    tied.nbCorrect = 4;
    tied.predict('nba', at10, 0, out, 0);
    assert.ok(out[1]! > 0.99, `naive Bayes on a tie: ${out[1]}`);
    const behind = leaf();
    behind.mcCorrect = 4;
    behind.nbCorrect = 3;
    behind.predict('nba', at10, 0, out, 0);
    // The majority class: the class weights 3 and 2.
    close(out[0]!, 0.6);
    close(out[1]!, 0.4);
  });

  it('a categorical attribute the leaf has not observed yet leaves naive Bayes to the others', () => {
    const l = new Leaf(0, 2, new Int32Array(0), Int32Array.of(0), [3, 1]);
    const out = new Float64Array(2);
    // No observation yet: the prior (the class weights the leaf started with), not NaN.
    l.naiveBayesProba(Float64Array.of(2), 0, out, 0);
    close(out[0]!, 0.75);
    close(out[1]!, 0.25);
  });
});

describe('hat (MOA HoeffdingAdaptiveTree, River HoeffdingAdaptiveTreeClassifier)', () => {
  const options = treeOptions(twoNumeric, 2, { ...HT_DEFAULTS, leafPrediction: 'mc' }, 0);

  it('a leaf learns every row, with the Poisson(1) draw as its weight when the draw is positive', () => {
    const tree = new AdaptiveTree({ ...options, gracePeriod: 1000 }, new Random(3));
    const draws = new Random(3);
    let expected = 0;
    for (let i = 0; i < 150; i++) {
      tree.learnOne(Float64Array.of(i / 150, 0.5), 0, i % 2, 1);
      const k = draws.poisson(1);
      expected += k > 0 ? k : 1;
    }
    const root = tree.root;
    assert.ok(root instanceof Leaf);
    assert.equal(root.total, expected);
  });

  /** A leaf with class weights `counts` whose ADWIN has seen `errors` ones among `n` values. */
  const leafWithError = (counts: number[], errors: number, n: number): Leaf => {
    const l = new Leaf(1, 2, Int32Array.of(0, 1), new Int32Array(0), counts);
    l.errors = new Adwin();
    for (let i = 0; i < n; i++) l.errors.update(i < errors ? 1 : 0);
    return l;
  };

  it('votes with every leaf the row reaches, the alternate subtree\'s too, each weighted by 1 / error^2', () => {
    const tree = new AdaptiveTree(options, new Random(1));
    const main = new Split(0, 0, 0.5, false, Float64Array.of(10, 10), 2, 0);
    main.setChild(0, leafWithError([9, 1], 5, 10)); // error 0.5: weight 4
    main.setChild(1, leafWithError([1, 9], 5, 10));
    const alternate = new Split(0, 1, 0.5, false, Float64Array.of(10, 10), 2, 0);
    alternate.setChild(0, leafWithError([1, 9], 1, 10)); // error 0.1: weight 100
    alternate.setChild(1, leafWithError([9, 1], 1, 10));
    main.alternate = alternate;
    tree.root = main;
    const out = new Float64Array(2);
    tree.predictOne(Float64Array.of(0.2, 0.2), 0, out, 0);
    // 4 * (0.9, 0.1) + 100 * (0.1, 0.9) = (13.6, 90.4), normalized.
    close(out[0]!, 13.6 / 104);
    close(out[1]!, 90.4 / 104);
    // An alternate that is still a single leaf does not vote (MOA).
    main.alternate = leafWithError([0, 10], 0, 10);
    tree.predictOne(Float64Array.of(0.2, 0.2), 0, out, 0);
    close(out[0]!, 0.9);
    close(out[1]!, 0.1);
  });
});

describe('classAfterLearning (what the forest\'s detectors see, MOA ARFBaseLearner, River BaseForestMember)', () => {
  it('is the class the tree predicts for the row once it has learned it, splits included', () => {
    const tree = new HoeffdingTree(treeOptions(twoNumeric, 2, { ...HT_DEFAULTS, gracePeriod: 20, delta: 0.01 }, 0), new Random(2));
    const random = new Random(4);
    const out = new Float64Array(2);
    const scratch = new Float64Array(2);
    let splits = 0;
    for (let i = 0; i < 3000; i++) {
      const x = Float64Array.of(random.next(), random.next());
      const y = (x[0]! > 0.4) !== (x[1]! > 0.7) ? 1 : 0;
      const before = tree.splits;
      tree.predictAndLearnOne(x, 0, y, 1 + (i % 3), out, 0);
      if (tree.splits !== before) splits++;
      tree.predictOne(x, 0, scratch, 0);
      const expected = scratch[1]! > scratch[0]! ? 1 : 0;
      assert.equal(tree.classAfterLearning(x, 0, out, 0), expected, `row ${i}`);
    }
    assert.ok(splits > 3, `the tree split ${splits} times`);
  });
});
