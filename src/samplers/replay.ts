/**
 * `replay`: experience replay from a reservoir of K rows that is a uniform sample of every row
 * offered so far (Vitter's Algorithm R: row i, 0-based, fills slot i while i < K, then replaces a
 * uniform slot with probability K/(i+1)). Algorithm R spends one random draw per row; Algorithm L
 * would skip ahead, but a draw is cheap next to training and R keeps the state to one counter.
 * Each learning step trains on the new row, then on extra rows drawn uniformly with replacement from
 * the reservoir as it was before this row arrived; the extra count follows the replay ratio through
 * a deterministic accumulator (see ReplayCount). The reservoir and its counter persist across epochs.
 */
import type { Random } from '../util/random.js';
import { ReplayCount, checkpointError, readBuffer, readNumber, readRandom } from './common.js';
import { RowBuffer } from './row-buffer.js';
import type { Sampler, TrainSink } from './types.js';

export class ReplaySampler implements Sampler {
  readonly description: string;
  private readonly count: ReplayCount;

  constructor(
    private readonly buffer: RowBuffer,
    ratio: number,
    private readonly random: Random,
    /** Rows offered so far, over all epochs. */
    private seen = 0,
    carry = 0,
  ) {
    this.count = new ReplayCount(ratio, carry);
    this.description = `replay(buffer=${buffer.capacity}, ratio=${ratio})`;
  }

  startEpoch(): void {}

  offer(x: Float64Array, dim: number, y: number, train: TrainSink): void {
    const b = this.buffer;
    b.see(dim);
    train(x, y);
    if (b.rows > 0) {
      for (let n = this.count.step(); n > 0; n--) b.emit(this.random.int(b.rows), train);
    }
    const i = this.seen++;
    if (i < b.capacity) {
      b.push(x, dim, y);
    } else {
      const j = this.random.int(i + 1);
      if (j < b.capacity) b.put(j, x, dim, y);
    }
  }

  endEpoch(): void {}

  fill(): { rows: number; capacity: number } {
    return this.buffer.fill();
  }

  state(): Record<string, unknown> {
    return {
      kind: 'replay',
      buffer: this.buffer.state(),
      seen: this.seen,
      carry: this.count.carry,
      random: this.random.state(),
    };
  }

  static restore(state: Record<string, unknown>, capacity: number, ratio: number): ReplaySampler {
    const buffer = readBuffer(state, capacity);
    const seen = readNumber(state, 'seen');
    if (!Number.isInteger(seen) || seen < 0 || buffer.rows !== Math.min(seen, capacity)) {
      throw checkpointError('"seen" does not fit the buffer');
    }
    return new ReplaySampler(buffer, ratio, readRandom(state), seen, readNumber(state, 'carry'));
  }
}
