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
import { checkpointError, readBuffer, readNumber, readRandom } from './common.js';
import { ReplayingSampler } from './replaying.js';
import type { RowBuffer } from './row-buffer.js';
import type { RowScaler } from './types.js';

export class ReplaySampler extends ReplayingSampler {
  constructor(
    buffer: RowBuffer,
    ratio: number,
    random: Random,
    /** Rows offered so far, over all epochs. */
    private seen = 0,
    carry = 0,
  ) {
    super('replay', buffer, ratio, random, carry);
  }

  /** Algorithm R: row i fills slot i while i < K, then replaces a uniform slot with probability K/(i+1). */
  protected keep(x: Float64Array, dim: number, y: number): void {
    const b = this.buffer;
    const i = this.seen++;
    if (i < b.capacity) {
      b.push(x, dim, y);
    } else {
      const j = this.random.int(i + 1);
      if (j < b.capacity) b.put(j, x, dim, y);
    }
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

  static restore(state: Record<string, unknown>, capacity: number, ratio: number, scaler?: RowScaler): ReplaySampler {
    const buffer = readBuffer(state, capacity, scaler);
    const seen = readNumber(state, 'seen');
    if (!Number.isInteger(seen) || seen < 0 || buffer.rows !== Math.min(seen, capacity)) {
      throw checkpointError('"seen" does not fit the buffer');
    }
    return new ReplaySampler(buffer, ratio, readRandom(state), seen, readNumber(state, 'carry'));
  }
}
