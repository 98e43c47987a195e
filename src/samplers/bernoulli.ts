/**
 * `bernoulli`: each row is trained on with probability `rate`, independently, from the sampler's
 * own seeded generator. The generator runs on across epochs, so each epoch trains on a fresh random
 * fraction of the rows; the same seed gives the same choices.
 */
import type { Random } from '../util/random.js';
import { readRandom } from './common.js';
import type { Sampler, TrainSink } from './types.js';

export class BernoulliSampler implements Sampler {
  readonly description: string;

  constructor(
    private readonly rate: number,
    private readonly random: Random,
  ) {
    this.description = `bernoulli(rate=${rate})`;
  }

  startEpoch(): void {}

  offer(x: Float64Array, _dim: number, y: number, train: TrainSink): void {
    if (this.random.next() < this.rate) train(x, y);
  }

  endEpoch(): void {}

  state(): Record<string, unknown> {
    return { kind: 'bernoulli', random: this.random.state() };
  }

  static restore(state: Record<string, unknown>, rate: number): BernoulliSampler {
    return new BernoulliSampler(rate, readRandom(state));
  }
}
