/**
 * What `window` and `replay` share: each learning step trains on the new row, then on extra rows
 * drawn uniformly with replacement from the buffer as it was before this row arrived (so the new
 * row is never drawn in its own step), as many as the replay ratio's deterministic accumulator says
 * (see ReplayCount). They differ only in which rows the buffer keeps.
 */
import type { Random } from '../util/random.js';
import { ReplayCount } from './common.js';
import type { RowBuffer } from './row-buffer.js';
import type { Sampler, TrainSink } from './types.js';

export abstract class ReplayingSampler implements Sampler {
  readonly description: string;
  readonly keepsRows = true;
  protected readonly count: ReplayCount;

  constructor(
    kind: string,
    protected readonly buffer: RowBuffer,
    ratio: number,
    protected readonly random: Random,
    carry: number,
  ) {
    this.count = new ReplayCount(ratio, carry);
    this.description = `${kind}(buffer=${buffer.capacity}, ratio=${ratio})`;
  }

  startEpoch(): void {}

  offer(x: Float64Array, dim: number, y: number, train: TrainSink, kept: Float64Array = x): void {
    const b = this.buffer;
    b.see(dim);
    train(x, y);
    if (b.rows > 0) {
      for (let n = this.count.step(); n > 0; n--) b.emit(this.random.int(b.rows), train);
    }
    this.keep(kept, dim, y);
  }

  /** Decides whether and where the buffer keeps the new row (in the units it is kept in). */
  protected abstract keep(kept: Float64Array, dim: number, y: number): void;

  endEpoch(): void {}

  fill(): { rows: number; capacity: number } {
    return this.buffer.fill();
  }

  abstract state(): Record<string, unknown>;
}
