/**
 * A uniform random sample of the (prediction, truth) pairs a regression run scored, of at most
 * `size` pairs whatever the stream's length, for the report's predicted-against-true plot. Kept as
 * the rows go by with Li's Algorithm L (ACM TOMS 20(4), 1994): the index of the next row to keep is
 * drawn ahead, so a row that is not kept costs one comparison. Seeded: the same rows and seed give
 * the same sample.
 */
import { Random } from '../util/random.js';

/** Pairs in the summary's `predictions_sample` (docs/json-events.md). */
export const PREDICTION_SAMPLE_SIZE = 500;

export class PredictionSample {
  private readonly predicted: Float64Array;
  private readonly truth: Float64Array;
  /** Pairs offered so far. */
  private seen = 0;
  /** The index (in offer order) of the next pair to keep, once the sample is full. */
  private next = Infinity;
  /** Algorithm L's W: the largest of the kept pairs' random keys, as a running product. */
  private w = 1;
  private readonly random: Random;

  constructor(
    readonly size: number,
    seed: number,
  ) {
    this.predicted = new Float64Array(size);
    this.truth = new Float64Array(size);
    // Its own generator: drawing here shifts no other consumer of the run's seed.
    this.random = new Random((seed ^ 0x5eed5a4d) >>> 0);
  }

  add(prediction: number, truth: number): void {
    const i = this.seen++;
    if (i < this.size) {
      this.predicted[i] = prediction;
      this.truth[i] = truth;
      if (i === this.size - 1) {
        this.w = Math.exp(Math.log(this.uniform()) / this.size);
        this.skip(i);
      }
      return;
    }
    if (i !== this.next) return;
    const slot = this.random.int(this.size);
    this.predicted[slot] = prediction;
    this.truth[slot] = truth;
    this.w *= Math.exp(Math.log(this.uniform()) / this.size);
    this.skip(i);
  }

  /** The kept pairs as [prediction, truth], in slot order. */
  pairs(): [number, number][] {
    const n = Math.min(this.seen, this.size);
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) out.push([this.predicted[i]!, this.truth[i]!]);
    return out;
  }

  /** The next index to keep after index i: a geometric skip with success probability 1 - w. */
  private skip(i: number): void {
    this.next = i + Math.floor(Math.log(this.uniform()) / Math.log(1 - this.w)) + 1;
  }

  /** A uniform draw in (0, 1]: its logarithm is finite. */
  private uniform(): number {
    return 1 - this.random.next();
  }
}
