/**
 * Delayed labels (`--delay N`, verification latency): each row is predicted when it arrives, and
 * scored and learned only when N more rows have arrived, as a label that comes later would be. The
 * rows waiting for their label are held here, a ring of N encoded rows with their predictions:
 * memory is bounded by the delay, and nothing is allocated per row. For a sampler that keeps rows
 * (shuffle, window, replay) each row's numeric features in their own units are held too, as the
 * pass's block holds them (see Sampler.keepsRows).
 */

/** The rows of a delay line as plain data (checkpoints), oldest first. */
export interface DelayedState {
  rows: number;
  dim: number;
  outputs: number;
  /** rows * dim numbers, row-major. */
  x: number[];
  /** rows * outputs numbers: the predictions made when each row arrived. */
  p: number[];
  y: number[];
  /** Each row's index in the stream. */
  index: number[];
  /** For a sampler that keeps rows: rows * numeric numbers, each row's numeric features in their own units. */
  raw?: number[];
}

export class DelayLine {
  private x: Float64Array;
  private p: Float64Array;
  private readonly y: Float64Array;
  private readonly index: Float64Array;
  /** capacity * numeric: the numeric features in their own units (none when numeric is 0). */
  private readonly raw: Float64Array;
  /** The target and index of the row shift() returned last (one object, reused). */
  private readonly last = { y: 0, index: 0 };
  /** Slot of the oldest row, and rows held. */
  private head = 0;
  count = 0;

  constructor(
    readonly capacity: number,
    private dim: number,
    private outputs: number,
    /** Numeric features kept in their own units per row (0: none kept). */
    private readonly numeric = 0,
  ) {
    this.x = new Float64Array(capacity * dim);
    this.raw = new Float64Array(capacity * numeric);
    this.p = new Float64Array(capacity * outputs);
    this.y = new Float64Array(capacity);
    this.index = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Adds a row (its first `dim` features, its `outputs` predictions at p[at], and with `numeric`
   * its numeric features in their own units, the first of `raw`) as the newest.
   */
  push(row: Float64Array, p: Float64Array, at: number, y: number, index: number, raw?: Float64Array): void {
    const slot = (this.head + this.count) % this.capacity;
    const { dim, outputs, numeric } = this;
    for (let j = 0; j < dim; j++) this.x[slot * dim + j] = row[j]!;
    for (let j = 0; j < numeric; j++) this.raw[slot * numeric + j] = raw![j]!;
    for (let k = 0; k < outputs; k++) this.p[slot * outputs + k] = p[at + k]!;
    this.y[slot] = y;
    this.index[slot] = index;
    this.count++;
  }

  /**
   * Removes the oldest row, copying its features into `x` and its predictions into `p` (with
   * `numeric`, also the row to keep into `kept`: its features with the numeric ones in their own
   * units); returns its target and stream index.
   */
  shift(x: Float64Array, p: Float64Array, kept?: Float64Array): { y: number; index: number } {
    const slot = this.head;
    const { dim, outputs, numeric } = this;
    for (let j = 0; j < dim; j++) x[j] = this.x[slot * dim + j]!;
    if (numeric > 0) {
      for (let j = 0; j < dim; j++) kept![j] = x[j]!;
      for (let j = 0; j < numeric; j++) kept![j] = this.raw[slot * numeric + j]!;
    }
    for (let k = 0; k < outputs; k++) p[k] = this.p[slot * outputs + k]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.last.y = this.y[slot]!;
    this.last.index = this.index[slot]!;
    return this.last;
  }

  /**
   * New feature slots or classes: the rows held are laid out at the new width, the new slots zero
   * (a class unknown when a row was predicted had probability 0 then).
   */
  widen(dim: number, outputs: number): void {
    if (dim === this.dim && outputs === this.outputs) return;
    const x = new Float64Array(this.capacity * dim);
    const p = new Float64Array(this.capacity * outputs);
    for (let r = 0; r < this.count; r++) {
      const slot = (this.head + r) % this.capacity;
      x.set(this.x.subarray(slot * this.dim, (slot + 1) * this.dim), slot * dim);
      p.set(this.p.subarray(slot * this.outputs, (slot + 1) * this.outputs), slot * outputs);
    }
    this.x = x;
    this.p = p;
    this.dim = dim;
    this.outputs = outputs;
  }

  save(): DelayedState {
    const { numeric } = this;
    const s: DelayedState = { rows: this.count, dim: this.dim, outputs: this.outputs, x: [], p: [], y: [], index: [], ...(numeric > 0 ? { raw: [] } : {}) };
    for (let r = 0; r < this.count; r++) {
      const slot = (this.head + r) % this.capacity;
      for (let j = 0; j < this.dim; j++) s.x.push(this.x[slot * this.dim + j]!);
      for (let j = 0; j < numeric; j++) s.raw!.push(this.raw[slot * numeric + j]!);
      for (let k = 0; k < this.outputs; k++) s.p.push(this.p[slot * this.outputs + k]!);
      s.y.push(this.y[slot]!);
      s.index.push(this.index[slot]!);
    }
    return s;
  }

  /** Puts saved rows back (into an empty line at least as wide, keeping raw features if they were kept). */
  restore(s: DelayedState): void {
    const { numeric } = this;
    if (this.count > 0 || s.rows > this.capacity || s.dim > this.dim || s.outputs > this.outputs) {
      throw new Error(`the delayed rows (${s.rows} of width ${s.dim}, ${s.outputs} outputs) do not fit a delay of ${this.capacity}`);
    }
    if ((s.raw !== undefined) !== numeric > 0 || (s.raw !== undefined && s.raw.length !== s.rows * numeric)) {
      throw new Error(`the delayed rows ${s.raw === undefined ? 'lack' : 'hold'} numeric features in their own units, which the sampler ${numeric > 0 ? 'keeps' : 'does not keep'}`);
    }
    const x = new Float64Array(this.dim);
    const p = new Float64Array(this.outputs);
    const raw = new Float64Array(numeric);
    for (let r = 0; r < s.rows; r++) {
      x.fill(0);
      p.fill(0);
      for (let j = 0; j < s.dim; j++) x[j] = s.x[r * s.dim + j]!;
      for (let k = 0; k < s.outputs; k++) p[k] = s.p[r * s.outputs + k]!;
      for (let j = 0; j < numeric; j++) raw[j] = s.raw![r * numeric + j]!;
      this.push(x, p, 0, s.y[r]!, s.index[r]!, raw);
    }
  }
}
