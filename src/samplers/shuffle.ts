/**
 * `shuffle`: a shuffle buffer of K rows, as in tf.data. The first K rows fill it; after that each
 * arriving row takes the place of a uniformly chosen slot whose row is emitted. At the end of the
 * epoch the buffer drains in random order, so an epoch emits a permutation of its input (displaced
 * by up to about K positions). The buffer is empty between epochs.
 */
import type { Random } from '../util/random.js';
import { readBuffer, readRandom } from './common.js';
import { RowBuffer } from './row-buffer.js';
import type { RowScaler, Sampler, TrainSink } from './types.js';

export class ShuffleSampler implements Sampler {
  readonly description: string;
  readonly keepsRows = true;
  readonly delays = true;

  constructor(
    private readonly buffer: RowBuffer,
    private readonly random: Random,
  ) {
    this.description = `shuffle(buffer=${buffer.capacity})`;
  }

  startEpoch(): void {}

  offer(x: Float64Array, dim: number, y: number, train: TrainSink, kept: Float64Array = x): void {
    const b = this.buffer;
    b.see(dim);
    if (b.push(kept, dim, y)) return;
    const slot = this.random.int(b.capacity);
    b.emit(slot, train);
    b.put(slot, kept, dim, y);
  }

  endEpoch(train: TrainSink): void {
    const b = this.buffer;
    while (b.rows > 0) {
      const slot = this.random.int(b.rows);
      b.emit(slot, train);
      b.move(b.rows - 1, slot);
      b.rows--;
    }
  }

  fill(): { rows: number; capacity: number } {
    return this.buffer.fill();
  }

  state(): Record<string, unknown> {
    return { kind: 'shuffle', buffer: this.buffer.state(), random: this.random.state() };
  }

  static restore(state: Record<string, unknown>, capacity: number, scaler?: RowScaler): ShuffleSampler {
    return new ShuffleSampler(readBuffer(state, capacity, scaler), readRandom(state));
  }
}
