/**
 * perceptron, pa and nb against scikit-learn, row by row, on the committed reference results of
 * test/fixtures/sklearn/make_fixtures.py (which says how they were made): the same predictions
 * (scores) before each row is learned, and the same final weights.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { NaiveBayes } from '../src/learners/nb.js';
import { PassiveAggressive } from '../src/learners/pa.js';
import { Perceptron } from '../src/learners/perceptron.js';
import type { Learner } from '../src/learners/types.js';
import { ROOT, batchOf } from './helpers.js';

interface MarginReference {
  scores: number[][];
  coef: number[][];
  intercept: number[];
}
interface StreamReference {
  classes: string[];
  perceptron: MarginReference;
  pa: MarginReference;
  pa2: MarginReference;
  nb: { probabilities: (number[] | null)[] };
}
const reference = JSON.parse(readFileSync(`${ROOT}test/fixtures/sklearn/reference.json`, 'utf8')) as {
  rows: number;
  var_smoothing: number;
  streams: Record<string, StreamReference>;
};

/** The first rows of a bundled stream, through a featurizer as train builds it. */
function stream(name: string, layout: 'dense' | 'raw') {
  const lines = readFileSync(`${ROOT}datasets/${name}`, 'utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1, 1 + reference.rows).map((l) => l.split(',').map((v, i, all) => (i < all.length - 1 ? Number(v) : Number.isNaN(Number(v)) ? v : Number(v))));
  const batch = batchOf(rows);
  const schema = inferSchema(name, header, [batch], {});
  return { batch, featurizer: new Featurizer(schema, { layouts: [layout] }), rows: rows.length, layout };
}

/** Runs the learner prequentially; calls `check` with each row's prediction before it learns the row. */
function replay(s: ReturnType<typeof stream>, learner: Learner, check: (r: number, p: Float64Array) => void): void {
  const p = new Float64Array(learner.outputs);
  const y = new Float64Array(1);
  for (let r = 0; r < s.rows; r++) {
    y[0] = s.featurizer.encode(s.batch, r, true) as number;
    const x = s.featurizer.rowOf(s.layout);
    learner.predict(x, 1, p);
    check(r, p);
    learner.learn(x, y, 1);
  }
}

/** The class probabilities a margin model gives for scikit-learn's scores (margin.ts). */
function probabilitiesOf(scores: number[]): number[] {
  if (scores.length === 1) {
    const p = 1 / (1 + Math.exp(-scores[0]!));
    return [1 - p, p];
  }
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** scikit-learn's predicted class from its scores: score > 0 for two classes, the first largest for more. */
const sklearnClass = (scores: number[]): number => (scores.length === 1 ? (scores[0]! > 0 ? 1 : 0) : scores.indexOf(Math.max(...scores)));
/** The evaluator's class from probabilities: the largest, ties to the later class. */
const ourClass = (p: Float64Array): number => p.reduce((best, v, k) => (v >= p[best]! ? k : best), 0);

const close = (a: number, b: number, tolerance: number): boolean => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));

for (const name of Object.keys(reference.streams)) {
  const ref = reference.streams[name]!;
  describe(`scikit-learn on the first ${reference.rows} rows of ${name} (${ref.classes.length} classes)`, () => {
    for (const [key, make] of [
      ['perceptron', (d: number, k: number) => new Perceptron('classification', d, k)],
      ['pa', (d: number, k: number) => new PassiveAggressive('classification', d, k, 1, 1, 0.1)],
      ['pa2', (d: number, k: number) => new PassiveAggressive('classification', d, k, 1, 2, 0.1)],
    ] as const) {
      it(`${key}: the same score for every row before learning it, the same predictions, the same final weights`, () => {
        const s = stream(name, 'dense');
        const learner = make(s.featurizer.dim, ref.classes.length);
        const expected = ref[key];
        let ties = 0;
        replay(s, learner, (r, p) => {
          const scores = expected.scores[r]!;
          probabilitiesOf(scores).forEach((q, k) => assert.ok(close(p[k]!, q, 1e-9), `row ${r} class ${k}: ${p[k]} vs scikit-learn ${q}`));
          const sorted = [...scores].sort((a, b) => b - a);
          // An exact tie (a score of 0, two equal largest scores): the evaluator's rule, not scikit-learn's, picks.
          if (scores.length === 1 ? scores[0] === 0 : sorted[0] === sorted[1]) ties++;
          else assert.equal(ourClass(p), sklearnClass(scores), `row ${r}`);
        });
        assert.ok(ties <= 1, `${ties} tied rows`);
        const weights = (learner.state() as { weights: number[] }).weights;
        const d = s.featurizer.dim;
        expected.coef.forEach((head, h) => {
          head.forEach((w, j) => assert.ok(close(weights[h * (d + 1) + j]!, w, 1e-9), `head ${h} weight ${j}: ${weights[h * (d + 1) + j]} vs ${w}`));
          assert.ok(close(weights[h * (d + 1) + d]!, expected.intercept[h]!, 1e-9), `head ${h} bias`);
        });
      });
    }

    it('nb: the class probabilities of GaussianNB with the same variance smoothing, to 1e-9', () => {
      const s = stream(name, 'raw');
      const learner = new NaiveBayes(s.featurizer.widthOf('raw'), s.featurizer.widthOf('raw'), ref.classes.length, reference.var_smoothing);
      let compared = 0;
      replay(s, learner, (r, p) => {
        const q = ref.nb.probabilities[r];
        if (q === null || q === undefined) return;
        q.forEach((v, k) => assert.ok(Math.abs(p[k]! - v) <= 1e-9, `row ${r} class ${k}: ${p[k]} vs scikit-learn ${v}`));
        compared++;
      });
      assert.ok(compared >= reference.rows - 10, `${compared} rows compared`);
    });
  });
}
