/**
 * Fixed-capacity row storage shared by the buffered samplers (shuffle, window, replay).
 *
 * Features live in one Float64Array of `capacity * stride` numbers (row i at i*stride) and targets
 * in one Float64Array of `capacity`; nothing is allocated per row. The feature dimension may grow
 * mid-stream (new one-hot slots are appended): a stored row keeps zeros beyond the dim it was
 * stored with, so emitting it at the current, larger dim zero-pads it. When a row wider than the
 * stride arrives the feature array is reallocated (1.5x, copying); that happens a handful of times
 * per run at most.
 *
 * With a RowScaler, rows are kept with their numeric features in their own units and standardized
 * as they are emitted, with the statistics of that moment (see RowScaler).
 */
import type { RowScaler, TrainSink } from './types.js';

/** Plain data for checkpoints: the first `rows` slots, each `dim` numbers wide, row-major. */
export interface RowBufferState {
  capacity: number;
  dim: number;
  rows: number;
  x: number[];
  y: number[];
  /** The numeric features of x are in their own units (standardized on emission); absent in older checkpoints. */
  rawNumeric?: boolean;
}

export class RowBuffer {
  readonly capacity: number;
  /** Slots in use: 0..rows-1 hold rows. */
  rows = 0;
  /** The widest dim offered so far: stored rows are emitted at this width. */
  dim = 0;
  private stride = 0;
  private data: Float64Array = new Float64Array(0);
  private readonly targets: Float64Array;
  /** Emission scratch, exactly `dim` long; reused across calls. */
  private scratch: Float64Array = new Float64Array(0);

  constructor(
    capacity: number,
    private readonly scaler?: RowScaler,
  ) {
    this.capacity = capacity;
    this.targets = new Float64Array(capacity);
  }

  /** Records the current dim (dims only grow); call once per offered row, stored or not. */
  see(dim: number): void {
    if (dim > this.dim) {
      this.dim = dim;
      this.scratch = new Float64Array(dim);
    }
  }

  /** Copies the first `dim` features of x and y into `slot` (0 <= slot < capacity). */
  put(slot: number, x: Float64Array, dim: number, y: number): void {
    if (dim > this.dim) this.see(dim);
    if (dim > this.stride) this.widen(dim);
    const data = this.data;
    const off = slot * this.stride;
    for (let i = 0; i < dim; i++) data[off + i] = x[i]!;
    if (dim < this.stride) data.fill(0, off + dim, off + this.stride);
    this.targets[slot] = y;
  }

  /** Appends a row if there is room; returns false when full. */
  push(x: Float64Array, dim: number, y: number): boolean {
    if (this.rows >= this.capacity) return false;
    this.put(this.rows++, x, dim, y);
    return true;
  }

  /** Sends the row in `slot` to `train`, zero-padded to the current dim, through the scratch array. */
  emit(slot: number, train: TrainSink): void {
    const out = this.scratch;
    const dim = this.dim;
    const n = dim < this.stride ? dim : this.stride;
    const data = this.data;
    const off = slot * this.stride;
    for (let i = 0; i < n; i++) out[i] = data[off + i]!;
    if (n < dim) out.fill(0, n, dim);
    this.scaler?.standardize(out);
    train(out, this.targets[slot]!);
  }

  /** Moves the row in slot `from` into slot `to` (used to compact after a draw). */
  move(from: number, to: number): void {
    if (from === to) return;
    const s = this.stride;
    this.data.copyWithin(to * s, from * s, from * s + s);
    this.targets[to] = this.targets[from]!;
  }

  /** Empties the buffer (the storage is kept). */
  clear(): void {
    this.rows = 0;
  }

  fill(): { rows: number; capacity: number } {
    return { rows: this.rows, capacity: this.capacity };
  }

  state(): RowBufferState {
    const dim = this.dim;
    const x: number[] = new Array(this.rows * dim);
    const y: number[] = new Array(this.rows);
    const n = dim < this.stride ? dim : this.stride;
    for (let r = 0; r < this.rows; r++) {
      const off = r * this.stride;
      for (let i = 0; i < dim; i++) x[r * dim + i] = i < n ? this.data[off + i]! : 0;
      y[r] = this.targets[r]!;
    }
    return { capacity: this.capacity, dim, rows: this.rows, x, y, ...(this.scaler ? { rawNumeric: true } : {}) };
  }

  static fromState(s: RowBufferState, scaler?: RowScaler): RowBuffer {
    if (!Number.isInteger(s.capacity) || s.capacity < 1 || !Number.isInteger(s.rows) || s.rows < 0 ||
      s.rows > s.capacity || !Number.isInteger(s.dim) || s.dim < 0 ||
      !Array.isArray(s.x) || s.x.length !== s.rows * s.dim || !Array.isArray(s.y) || s.y.length !== s.rows) {
      throw new Error('sampler checkpoint: malformed row buffer');
    }
    if (s.rawNumeric !== undefined && s.rawNumeric !== true) throw new Error('sampler checkpoint: "rawNumeric" must be true when present');
    const b = new RowBuffer(s.capacity, scaler);
    b.see(s.dim);
    if (s.dim > 0) b.widen(s.dim);
    const row = new Float64Array(s.dim);
    for (let r = 0; r < s.rows; r++) {
      for (let i = 0; i < s.dim; i++) row[i] = s.x[r * s.dim + i]!;
      // Rows an older version kept standardized: back to their own units, as nearly as the statistics now allow.
      if (scaler && s.rawNumeric !== true) scaler.unstandardize(row);
      b.put(r, row, s.dim, s.y[r]!);
    }
    b.rows = s.rows;
    return b;
  }

  private widen(dim: number): void {
    const stride = this.stride === 0 ? dim : Math.max(dim, Math.ceil(this.stride * 1.5));
    const data = new Float64Array(this.capacity * stride);
    const old = this.data;
    const os = this.stride;
    // Only slots holding rows need copying; the others are written (tail zeroed) before use.
    for (let r = 0; r < this.rows && os > 0; r++) {
      for (let i = 0; i < os; i++) data[r * stride + i] = old[r * os + i]!;
    }
    this.data = data;
    this.stride = stride;
  }
}
