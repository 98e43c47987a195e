/** The confusion matrix that grows with the classes (eval/catalogue.ts): the counts of a direct tally. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfusionMatrix } from '../src/eval/catalogue.js';
import { Tally } from '../src/eval/tally.js';
import { Random } from '../src/util/random.js';

/** Pairs (truth, prediction) whose classes arrive over the rows, a new one every few rows. */
function pairs(rows: number, seed: number): [number, number][] {
  const random = new Random(seed);
  const out: [number, number][] = [];
  for (let i = 0; i < rows; i++) {
    const seen = Math.floor(i / 3) + 1;
    out.push([random.int(seen), random.int(seen + 1)]);
  }
  return out;
}

describe('ConfusionMatrix', () => {
  it('holds the counts of a direct tally while classes arrive one by one, in any order', () => {
    const data = pairs(600, 3);
    const m = new ConfusionMatrix();
    for (const [y, p] of data) m.add(y, p, 1);
    const k = Math.max(...data.flat()) + 1;
    const direct = new Float64Array(k * k);
    for (const [y, p] of data) direct[y * k + p]!++;
    assert.equal(m.k, k);
    assert.deepEqual(Array.from(m.counts()), Array.from(direct));
  });

  it('scales every count, and continues exactly from restored counts', () => {
    const data = pairs(300, 5);
    const whole = new ConfusionMatrix();
    const first = new ConfusionMatrix();
    data.forEach(([y, p], i) => {
      whole.add(y, p, 0.5);
      if (i < 120) first.add(y, p, 0.5);
    });
    const resumed = new ConfusionMatrix();
    resumed.restore(first.k, Array.from(first.counts()));
    for (const [y, p] of data.slice(120)) resumed.add(y, p, 0.5);
    assert.deepEqual(Array.from(resumed.counts()), Array.from(whole.counts()));
    whole.scale(2);
    assert.equal(whole.counts().reduce((a, b) => a + b, 0), data.length);
  });

  it('gives a Tally the metrics of one that saw every class from the start', () => {
    const data = pairs(500, 7);
    const k = Math.max(...data.flat()) + 1;
    const growing = new Tally('classification', false);
    const sized = new Tally('classification', false);
    sized.grow(k);
    for (const [y, p] of data) {
      growing.addClass(y, p, 0.1, 0);
      sized.addClass(y, p, 0.1, 0);
    }
    assert.deepEqual(growing.metrics(), sized.metrics());
    assert.deepEqual(growing.state(), sized.state());
  });
});
