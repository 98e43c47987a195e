/**
 * `window`: a ring buffer of the last K rows. Each learning step trains on the new row, then on
 * extra rows drawn uniformly with replacement from the window as it was before this row arrived
 * (so the new row is not drawn in its own step). The number of extra rows per step follows the
 * replay ratio through a deterministic accumulator (see ReplayCount). The window runs on across
 * epochs: at the start of an epoch it holds the end of the previous one.
 */
import type { Random } from '../util/random.js';
import { ReplayCount, checkpointError, readBuffer, readNumber, readRandom } from './common.js';
import { RowBuffer } from './row-buffer.js';
import type { Sampler, TrainSink } from './types.js';

export class WindowSampler implements Sampler {
  readonly description: string;
  private readonly count: ReplayCount;

  constructor(
    private readonly buffer: RowBuffer,
    ratio: number,
    private readonly random: Random,
    /** The slot the next row goes to (the oldest row once full). */
    private next = 0,
    carry = 0,
  ) {
    this.count = new ReplayCount(ratio, carry);
    this.description = `window(buffer=${buffer.capacity}, ratio=${ratio})`;
  }

  startEpoch(): void {}

  offer(x: Float64Array, dim: number, y: number, train: TrainSink): void {
    const b = this.buffer;
    b.see(dim);
    train(x, y);
    if (b.rows > 0) {
      for (let n = this.count.step(); n > 0; n--) b.emit(this.random.int(b.rows), train);
    }
    b.put(this.next, x, dim, y);
    if (b.rows < b.capacity) b.rows++;
    this.next = this.next + 1 === b.capacity ? 0 : this.next + 1;
  }

  endEpoch(): void {}

  fill(): { rows: number; capacity: number } {
    return this.buffer.fill();
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

  static restore(state: Record<string, unknown>, capacity: number, ratio: number): WindowSampler {
    const buffer = readBuffer(state, capacity);
    const next = readNumber(state, 'next');
    if (!Number.isInteger(next) || next < 0 || next >= capacity || (buffer.rows < capacity && next !== buffer.rows)) {
      throw checkpointError('"next" does not fit the buffer');
    }
    return new WindowSampler(buffer, ratio, readRandom(state), next, readNumber(state, 'carry'));
  }
}
