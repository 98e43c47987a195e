/**
 * `window`: a ring buffer of the last K rows. Each learning step trains on the new row, then on
 * extra rows drawn uniformly with replacement from the window as it was before this row arrived
 * (so the new row is not drawn in its own step). The number of extra rows per step follows the
 * replay ratio through a deterministic accumulator (see ReplayCount). The window runs on across
 * epochs: at the start of an epoch it holds the end of the previous one.
 */
import type { Random } from '../util/random.js';
import { checkpointError, readBuffer, readNumber, readRandom } from './common.js';
import { ReplayingSampler } from './replaying.js';
import type { RowBuffer } from './row-buffer.js';
import type { RowScaler } from './types.js';

export class WindowSampler extends ReplayingSampler {
  constructor(
    buffer: RowBuffer,
    ratio: number,
    random: Random,
    /** The slot the next row goes to (the oldest row once full). */
    private next = 0,
    carry = 0,
  ) {
    super('window', buffer, ratio, random, carry);
  }

  /** The ring: the new row overwrites the oldest. */
  protected keep(x: Float64Array, dim: number, y: number): void {
    const b = this.buffer;
    b.put(this.next, x, dim, y);
    if (b.rows < b.capacity) b.rows++;
    this.next = this.next + 1 === b.capacity ? 0 : this.next + 1;
  }

  state(): Record<string, unknown> {
    return {
      kind: 'window',
      buffer: this.buffer.state(),
      next: this.next,
      carry: this.count.carry,
      random: this.random.state(),
    };
  }

  static restore(state: Record<string, unknown>, capacity: number, ratio: number, scaler?: RowScaler): WindowSampler {
    const buffer = readBuffer(state, capacity, scaler);
    const next = readNumber(state, 'next');
    if (!Number.isInteger(next) || next < 0 || next >= capacity || (buffer.rows < capacity && next !== buffer.rows)) {
      throw checkpointError('"next" does not fit the buffer');
    }
    return new WindowSampler(buffer, ratio, readRandom(state), next, readNumber(state, 'carry'));
  }
}
