/**
 * ADWIN, ADaptive WINdowing (Bifet and Gavaldà, "Learning from Time-Changing Data with Adaptive
 * Windowing", SDM 2007): the ADWIN2 variant, which keeps the window as an exponential histogram.
 *
 * The window holds the most recent values. It is cut (its older part dropped) whenever two
 * sub-windows W0 (older) and W1 (newer), split at a bucket boundary, have means that differ by more
 * than
 *
 *   eps = sqrt(2 m' v ln(2 ln(n) / delta)) + (2/3) m' ln(2 ln(n) / delta)
 *
 * where n is the window's width, v the variance of its values, and m' = 1/(n0 - L + 1) + 1/(n1 - L + 1)
 * with L = 5 the minimum sub-window length (the paper's 1/m = 1/n0 + 1/n1 with MOA's small-sample
 * correction, the form MOA's ADWIN.java and River's ADWIN use). A cut is reported as a change.
 *
 * Defaults are MOA's and River's: delta 0.002, at most 5 buckets of each size, cuts checked every 32
 * values once the window is longer than 10, both sub-windows longer than L + 1 = 6.
 *
 * Memory is O(M log n) doubles, allocated once: the histogram's levels live in fixed typed arrays
 * (level i holds buckets of 2^i values; 48 levels cover any stream a run can read), so `update` never
 * allocates.
 */

export interface AdwinOptions {
  /** Confidence: the probability of a false cut is bounded by delta (default 0.002). */
  delta?: number;
  /** Buckets of each size kept before the two oldest merge (default 5). */
  maxBuckets?: number;
  /** Values between two cut checks (default 32). */
  clock?: number;
  /** Width the window must exceed before any cut check (default 10). */
  gracePeriod?: number;
  /** Minimum sub-window length L in the bound above (default 5). */
  minWindowLength?: number;
}

/** The detector as plain data, for checkpoints. Buckets are listed oldest first. */
export interface AdwinState {
  delta: number;
  maxBuckets: number;
  clock: number;
  gracePeriod: number;
  minWindowLength: number;
  ticks: number;
  detections: number;
  width: number;
  total: number;
  /** Sum of squared deviations from the window's mean (width times the variance). */
  m2: number;
  /** buckets[i] = [level, total, variance]: a bucket of 2^level values, their sum and sum of squared deviations. */
  buckets: [number, number, number][];
}

const LEVELS = 48;

export class Adwin {
  readonly delta: number;
  readonly maxBuckets: number;
  readonly clock: number;
  readonly gracePeriod: number;
  readonly minWindowLength: number;
  private ticks = 0;
  private changes = 0;
  private n = 0;
  private sum = 0;
  /** Sum of squared deviations from the window's mean (n times the variance). */
  private m2 = 0;
  /** Level i's buckets form a ring of `slots` entries starting at first[i]; count[i] are in use. */
  private readonly slots: number;
  private readonly totals: Float64Array;
  private readonly m2s: Float64Array;
  private readonly first = new Int32Array(LEVELS);
  private readonly count = new Int32Array(LEVELS);
  private levels = 0;

  constructor(options: AdwinOptions = {}) {
    this.delta = options.delta ?? 0.002;
    this.maxBuckets = options.maxBuckets ?? 5;
    this.clock = options.clock ?? 32;
    this.gracePeriod = options.gracePeriod ?? 10;
    this.minWindowLength = options.minWindowLength ?? 5;
    if (!(this.delta > 0 && this.delta < 1)) throw new RangeError(`ADWIN delta must be in (0, 1), got ${this.delta}`);
    for (const [name, v] of [['maxBuckets', this.maxBuckets], ['clock', this.clock]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ADWIN ${name} must be a positive integer, got ${v}`);
    }
    this.slots = this.maxBuckets + 1;
    this.totals = new Float64Array(LEVELS * this.slots);
    this.m2s = new Float64Array(LEVELS * this.slots);
  }

  /** The bytes of its buckets' arrays (Learner.memoryBytes of the learners that keep one). */
  get bytes(): number {
    return this.totals.byteLength + this.m2s.byteLength + this.first.byteLength + this.count.byteLength;
  }

  /** The window's mean: the current estimate of the stream's value. */
  get estimation(): number {
    return this.n > 0 ? this.sum / this.n : 0;
  }

  /** Number of values in the window. */
  get width(): number {
    return this.n;
  }

  /** Variance of the values in the window. */
  get variance(): number {
    return this.n > 0 ? this.m2 / this.n : 0;
  }

  /** Sum of the values in the window. */
  get total(): number {
    return this.sum;
  }

  /** Changes detected since creation (or the restored state's creation). */
  get detections(): number {
    return this.changes;
  }

  /** Adds one value; true when the window was cut, i.e. a change was detected. */
  update(value: number): boolean {
    this.insert(value);
    this.ticks++;
    if (this.ticks % this.clock !== 0 || this.n <= this.gracePeriod) return false;
    let changed = false;
    while (this.findCut()) {
      changed = true;
      this.dropOldest();
    }
    if (changed) this.changes++;
    return changed;
  }

  private insert(value: number): void {
    // Welford's update of the window's sum of squared deviations.
    this.n++;
    if (this.n > 1) {
      const d = value - this.sum / (this.n - 1);
      this.m2 += (d * d * (this.n - 1)) / this.n;
    }
    this.sum += value;
    this.push(0, value, 0);
    // Merge the two oldest buckets of a full level into one of the next level, as far up as needed.
    for (let level = 0; level < LEVELS && this.count[level]! > this.maxBuckets; level++) {
      const size = 2 ** level;
      const a = level * this.slots + this.first[level]!;
      const b = level * this.slots + ((this.first[level]! + 1) % this.slots);
      const ta = this.totals[a]!;
      const tb = this.totals[b]!;
      const d = ta / size - tb / size;
      const merged = this.m2s[a]! + this.m2s[b]! + (size * size * d * d) / (2 * size);
      this.first[level] = (this.first[level]! + 2) % this.slots;
      this.count[level] = this.count[level]! - 2;
      this.push(level + 1, ta + tb, merged);
    }
  }

  /** Appends a bucket as the newest of its level. */
  private push(level: number, total: number, m2: number): void {
    const at = level * this.slots + ((this.first[level]! + this.count[level]!) % this.slots);
    this.totals[at] = total;
    this.m2s[at] = m2;
    this.count[level] = this.count[level]! + 1;
    if (level >= this.levels) this.levels = level + 1;
  }

  /** Removes the oldest bucket (the first of the highest non-empty level) from the window. */
  private dropOldest(): void {
    const level = this.levels - 1;
    const at = level * this.slots + this.first[level]!;
    const size = 2 ** level;
    const total = this.totals[at]!;
    this.first[level] = (this.first[level]! + 1) % this.slots;
    this.count[level] = this.count[level]! - 1;
    if (this.count[level] === 0) this.levels--;
    this.n -= size;
    this.sum -= total;
    if (this.n === 0) {
      this.m2 = 0;
      return;
    }
    const d = total / size - this.sum / this.n;
    this.m2 = Math.max(0, this.m2 - this.m2s[at]! - (size * this.n * d * d) / (size + this.n));
  }

  /** Scans the split points from the oldest end; true when some split's means differ beyond the bound. */
  private findCut(): boolean {
    const n = this.n;
    if (n <= this.gracePeriod) return false;
    const v = this.m2 / n;
    const dd = Math.log((2 * Math.log(n)) / this.delta);
    const l = this.minWindowLength;
    let n0 = 0;
    let s0 = 0;
    for (let level = this.levels - 1; level >= 0; level--) {
      const size = 2 ** level;
      for (let k = 0; k < this.count[level]!; k++) {
        n0 += size;
        s0 += this.totals[level * this.slots + ((this.first[level]! + k) % this.slots)]!;
        const n1 = n - n0;
        if (n1 <= 0) return false;
        if (n0 <= l + 1 || n1 <= l + 1) continue;
        const diff = Math.abs(s0 / n0 - (this.sum - s0) / n1);
        const m = 1 / (n0 - l + 1) + 1 / (n1 - l + 1);
        const eps = Math.sqrt(2 * m * v * dd) + (2 / 3) * dd * m;
        if (diff > eps) return true;
      }
    }
    return false;
  }

  state(): AdwinState {
    const buckets: [number, number, number][] = [];
    for (let level = this.levels - 1; level >= 0; level--) {
      for (let k = 0; k < this.count[level]!; k++) {
        const at = level * this.slots + ((this.first[level]! + k) % this.slots);
        buckets.push([level, this.totals[at]!, this.m2s[at]!]);
      }
    }
    return {
      delta: this.delta,
      maxBuckets: this.maxBuckets,
      clock: this.clock,
      gracePeriod: this.gracePeriod,
      minWindowLength: this.minWindowLength,
      ticks: this.ticks,
      detections: this.changes,
      width: this.n,
      total: this.sum,
      m2: this.m2,
      buckets,
    };
  }

  /** A detector continuing exactly where `s` (from `state()`) left off. */
  static restore(s: AdwinState): Adwin {
    const a = new Adwin(s);
    a.ticks = s.ticks;
    a.changes = s.detections;
    a.n = s.width;
    a.sum = s.total;
    a.m2 = s.m2;
    for (const [level, total, m2] of s.buckets) {
      if (!Number.isInteger(level) || level < 0 || level >= LEVELS || a.count[level]! >= a.slots) {
        throw new RangeError(`ADWIN state: bucket level ${level} out of range or over-full`);
      }
      a.push(level, total, m2);
    }
    return a;
  }
}
