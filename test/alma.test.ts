/**
 * alma against Gentile's ALMA_p (JMLR 2001, figure 1) for p = 2: hand-checked steps on four rows,
 * then a direct transcription of the published pseudo-code on a random stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Alma } from '../src/learners/alma.js';
import { Random } from '../src/util/random.js';

const ALPHA = 0.9;
const C = Math.SQRT2;

function weightsOf(model: Alma): number[] {
  return (model.state() as { weights: number[] }).weights;
}

function learnRow(model: Alma, x: number[], y: number): void {
  model.learn(Float64Array.from(x), Float64Array.of(y), 1);
}

describe('alma (ALMA_2)', () => {
  it('takes the steps computed by hand', () => {
    const model = new Alma('classification', 2, 2, ALPHA, C);
    // Row 1: x = (3, 4), label 1 (+1); with the bias input x~ = (3, 4, 1), |x~| = sqrt 26. w = 0, so the
    // margin 0 is below (1 - alpha) gamma_1 = 0.1 / 0.9: w = sqrt2 x~ / sqrt26, of norm sqrt2 > 1,
    // projected back: w = x~ / sqrt26. k = 2.
    learnRow(model, [3, 4], 1);
    const s26 = Math.sqrt(26);
    assert.deepEqual(weightsOf(model).map((v) => v.toFixed(9)), [3 / s26, 4 / s26, 1 / s26].map((v) => v.toFixed(9)));
    // Row 2: x = (1, 0), label 0 (-1); x~ = (1, 0, 1), |x~| = sqrt2; margin -(3 + 1) / sqrt26 / sqrt2 < 0.1 gamma_2:
    // eta_2 = sqrt2 / sqrt2 = 1, w -= x~ / sqrt2; |w| = 0.9437 < 1, no projection. k = 3.
    learnRow(model, [1, 0], 0);
    const w2 = [3 / s26 - Math.SQRT1_2, 4 / s26, 1 / s26 - Math.SQRT1_2];
    assert.deepEqual(weightsOf(model).map((v) => v.toFixed(9)), w2.map((v) => v.toFixed(9)));
    // Row 3: x = (0, 2), label 1; margin (2 w2[1] + w2[2]) / sqrt5 = 0.4731 > (1 - alpha) B / sqrt3 = 0.0642: no update.
    learnRow(model, [0, 2], 1);
    assert.deepEqual(weightsOf(model).map((v) => v.toFixed(9)), w2.map((v) => v.toFixed(9)));
    // Row 4: x = (0, 0), label 1; x~ = (0, 0, 1), margin w2[2] = -0.511 < 0.0642: eta_3 = sqrt2 / sqrt3 on the bias. k = 4.
    learnRow(model, [0, 0], 1);
    const w4 = [w2[0]!, w2[1]!, w2[2]! + Math.SQRT2 / Math.sqrt(3)];
    assert.deepEqual(weightsOf(model).map((v) => v.toFixed(9)), w4.map((v) => v.toFixed(9)));
    assert.deepEqual((model.state() as { k: number[] }).k, [4]);
    // The prediction is the sign of the score w . x~: here 0.7845 * 1 + 0.3055 > 0, class 1.
    const p = new Float64Array(2);
    model.predict(Float64Array.of(0, 1), 1, p);
    assert.ok(p[1]! > 0.5);
  });

  it('learns what a transcription of the published pseudo-code learns, row by row', () => {
    // ALMA_p(alpha; B, C) for p = 2 (q = 2, the link functions are the identity), x with a bias input:
    // w_1 = 0, k = 1; for each row: x^ = x / |x|; gamma_k = B sqrt(p - 1) / sqrt(k); if y w_k . x^ <= (1 - alpha) gamma_k:
    // eta_k = C / (sqrt(p - 1) sqrt(k)); w' = w_k + eta_k y x^; w_{k+1} = w' / max(1, |w'|); k = k + 1.
    const random = new Random(7);
    const d = 4;
    const B = 1 / ALPHA;
    let w = new Array<number>(d + 1).fill(0);
    let k = 1;
    const model = new Alma('classification', d, 2, ALPHA, C);
    const p = new Float64Array(2);
    for (let t = 0; t < 500; t++) {
      const x = Array.from({ length: d }, () => random.normal());
      const label = x[0]! + 0.5 * x[1]! - 0.3 + 0.3 * random.normal() > 0 ? 1 : 0;
      const y = label === 1 ? 1 : -1;
      const xb = [...x, 1];
      const norm = Math.sqrt(xb.reduce((a, v) => a + v * v, 0));
      const xh = xb.map((v) => v / norm);
      const score = w.reduce((a, v, j) => a + v * xb[j]!, 0);
      model.predict(Float64Array.from(x), 1, p);
      assert.ok(Math.abs(p[1]! - 1 / (1 + Math.exp(-score))) < 1e-12, `row ${t}`);
      const gamma = (B * Math.sqrt(2 - 1)) / Math.sqrt(k);
      if (y * w.reduce((a, v, j) => a + v * xh[j]!, 0) <= (1 - ALPHA) * gamma) {
        const eta = C / (Math.sqrt(2 - 1) * Math.sqrt(k));
        const next = w.map((v, j) => v + eta * y * xh[j]!);
        const size = Math.sqrt(next.reduce((a, v) => a + v * v, 0));
        w = next.map((v) => v / Math.max(1, size));
        k++;
      }
      model.learn(Float64Array.from(x), Float64Array.of(label), 1);
      weightsOf(model).forEach((v, j) => assert.ok(Math.abs(v - w[j]!) < 1e-12, `row ${t} weight ${j}: ${v} vs ${w[j]}`));
    }
    assert.deepEqual((model.state() as { k: number[] }).k, [k]);
    assert.ok(k > 10 && k < 500, `${k - 1} updates`);
  });
});
