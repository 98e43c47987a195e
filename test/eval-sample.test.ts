/** The sample of (prediction, truth) pairs behind the report's predicted-against-true plot. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PredictionSample } from '../src/eval/sample.js';

/** Offers pairs (i, -i) for i in [0, n) and returns the indices kept. */
function kept(size: number, n: number, seed: number): number[] {
  const s = new PredictionSample(size, seed);
  for (let i = 0; i < n; i++) s.add(i, -i);
  return s.pairs().map(([p, t]) => {
    assert.equal(t, -p, 'each pair stays whole');
    return p;
  });
}

describe('PredictionSample (Algorithm L)', () => {
  it('keeps every pair while there are at most `size`, then exactly `size` distinct ones', () => {
    assert.deepEqual(kept(10, 7, 1), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(kept(10, 10, 1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const many = kept(500, 200_000, 3);
    assert.equal(many.length, 500);
    assert.equal(new Set(many).size, 500);
    assert.ok(many.every((i) => Number.isInteger(i) && i >= 0 && i < 200_000));
  });

  it('is the same for the same seed, another for another seed', () => {
    assert.deepEqual(kept(50, 10_000, 7), kept(50, 10_000, 7));
    assert.notDeepEqual(kept(50, 10_000, 7), kept(50, 10_000, 8));
  });

  it('is uniform: every row as likely to be kept, early or late in the stream', () => {
    // 400 seeds x 40 of 2,000 rows: each row is kept with probability 1/50. Per tenth of the stream,
    // 1,600 kept rows are expected (sd 38); a bias of Algorithm L's skips towards either end would show.
    const tenths = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 400; seed++) for (const i of kept(40, 2000, seed)) tenths[Math.floor(i / 200)]!++;
    for (const [t, count] of tenths.entries()) assert.ok(Math.abs(count - 1600) < 4.5 * 38, `tenth ${t}: ${count} kept, 1,600 expected`);
    // And over a long stream: the mean index kept is the stream's middle (sd 0.013 of the length).
    const long = kept(500, 1_000_000, 11);
    const mean = long.reduce((a, b) => a + b, 0) / long.length;
    assert.ok(Math.abs(mean / 1_000_000 - 0.5) < 4.5 * 0.0129, `mean index ${mean}`);
  });
});
