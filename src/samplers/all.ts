/** `all`: every row, in arrival order. */
import type { Sampler, TrainSink } from './types.js';

export class AllSampler implements Sampler {
  readonly description = 'all';
  readonly passThrough = true;

  startEpoch(): void {}

  offer(x: Float64Array, _dim: number, y: number, train: TrainSink): void {
    train(x, y);
  }

  endEpoch(): void {}

  state(): Record<string, unknown> {
    return { kind: 'all' };
  }

  static restore(): AllSampler {
    return new AllSampler();
  }
}
