/** The training pass on its own, with a learner that records what it is given. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Evaluator } from '../src/eval/metrics.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import type { Learner } from '../src/learners/types.js';
import { TrainingPass } from '../src/run/loop.js';
import { createSampler } from '../src/samplers/index.js';
import type { Sampler } from '../src/samplers/types.js';
import { Random } from '../src/util/random.js';
import { batchOf } from './helpers.js';

/** A mini-batch learner that predicts uniform probabilities and keeps copies of every row it learns. */
class RecordingLearner implements Learner {
  readonly description = 'recording';
  readonly learned: number[][] = [];
  readonly predicted: number[] = [];
  constructor(
    readonly batchSize: number,
    public dim: number,
    public outputs: number,
  ) {}
  predict(_x: Float64Array, rows: number, out: Float64Array): void {
    this.predicted.push(rows);
    out.fill(1 / this.outputs, 0, rows * this.outputs);
  }
  learn(x: Float64Array, _y: Float64Array, rows: number): void {
    for (let r = 0; r < rows; r++) this.learned.push(Array.from(x.subarray(r * this.dim, (r + 1) * this.dim)));
  }
  grow(dim: number, classes: number): void {
    this.dim = dim;
    this.outputs = Math.max(this.outputs, classes);
  }
  state() {
    return { kind: 'recording' };
  }
  /** The rows it keeps, as 8-byte numbers. */
  memoryBytes(): number {
    return 8 * this.learned.reduce((n, row) => n + row.length, 0);
  }
  dispose(): void {}
}

describe('training pass', () => {
  it('keeps rows waiting for a mini-batch aligned when a new category widens the rows', async () => {
    // One numeric feature (constant, so it standardizes to 0) and a colour that gains a category on row 3.
    const rows: (string | number)[][] = [
      [1, 'red', 'a'],
      [1, 'red', 'b'],
      [1, 'blue', 'a'],
    ];
    const batch = batchOf(rows);
    const schema = inferSchema('t', ['n', 'colour', 'y'], [batchOf(rows.slice(0, 1))], {});
    const featurizer = new Featurizer(schema);
    const learner = new RecordingLearner(4, featurizer.dim, 2);
    // Trains on the first two rows only: they wait in the pending mini-batch, at the old width, while
    // the third row widens the features; nothing is pushed after it.
    let offered = 0;
    const sampler: Sampler = {
      description: 'first-two',
      startEpoch() {},
      offer(x, _dim, y, train) {
        if (offered++ < 2) train(x, y);
      },
      endEpoch() {},
      state: () => ({}),
    };
    const pass = new TrainingPass(featurizer, learner, sampler, new Evaluator('classification'), { source: 't', onError: 'fail', holdout: 0, seed: 1 });
    await pass.consume(batch);
    await pass.finish();
    assert.equal(learner.dim, 3);
    // The numeric column standardizes to 1 on the first row (no history yet) and 0 after.
    assert.deepEqual(learner.learned, [
      [1, 1, 0],
      [0, 1, 0],
    ]);
    assert.equal(pass.counts.trained, 2);
    assert.equal(pass.counts.evaluated, 3);
  });

  it('offers a block flushed by a new category at the width it was laid out in', async () => {
    const rows: (string | number)[][] = [
      [1, 'red', 'a'],
      [1, 'red', 'a'],
      [2, 'red', 'a'],
      [3, 'blue', 'a'],
    ];
    const featurizer = new Featurizer(inferSchema('t', ['n', 'colour', 'y'], [batchOf(rows.slice(0, 1))], {}));
    const learner = new RecordingLearner(4, featurizer.dim, 2);
    const sampler = createSampler({ kind: 'all', sampleRate: 1, bufferSize: 1, replayRatio: 0, task: 'classification' }, new Random(1));
    const pass = new TrainingPass(featurizer, learner, sampler, new Evaluator('classification'), { source: 't', onError: 'fail', holdout: 0, seed: 1 });
    await pass.consume(batchOf(rows));
    await pass.finish();
    // Rows 1-3 waited in the block at width 2 (n, red) when blue arrived; all four reach the learner at width 3.
    assert.deepEqual(
      learner.learned.map((r) => r.slice(1)),
      [
        [1, 0],
        [1, 0],
        [1, 0],
        [0, 1],
      ],
    );
    assert.deepEqual(learner.learned.slice(0, 3).map((r) => r[0]), [1, 0, 0]);
  });

  it('scores every block before learning it, and counts what it learned', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [i, i % 2]);
    const batch = batchOf(rows);
    const featurizer = new Featurizer(inferSchema('t', ['x', 'y'], [batch], {}));
    const learner = new RecordingLearner(4, featurizer.dim, 2);
    const sampler = createSampler({ kind: 'all', sampleRate: 1, bufferSize: 1, replayRatio: 0, task: 'classification' }, new Random(1));
    const evaluator = new Evaluator('classification');
    const pass = new TrainingPass(featurizer, learner, sampler, evaluator, { source: 't', onError: 'fail', holdout: 0, seed: 1 });
    await pass.consume(batch);
    await pass.finish();
    assert.deepEqual(learner.predicted, [4, 4, 2]);
    assert.equal(learner.learned.length, 10);
    assert.equal(evaluator.result().rows, 10);
    assert.equal(pass.counts.trained, 10);
  });
});
