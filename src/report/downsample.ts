/**
 * A learning curve of any length in bounded memory: consecutive points share a bucket, and each
 * bucket keeps its lowest and its highest point, so that a dip at a drift survives however many
 * rows the run had. When the buckets fill up, neighbours merge and each bucket covers twice as many
 * points: at most `buckets` buckets, so at most 2 x `buckets` points come out, in order.
 */
export class Downsampler {
  /** Per bucket: x and y of its minimum, x and y of its maximum, its point count. */
  private readonly minX: number[] = [];
  private readonly minY: number[] = [];
  private readonly maxX: number[] = [];
  private readonly maxY: number[] = [];
  private readonly count: number[] = [];
  /** Points per full bucket. */
  private width = 1;

  constructor(private readonly buckets = 1000) {}

  add(x: number, y: number): void {
    const last = this.count.length - 1;
    if (last >= 0 && this.count[last]! < this.width) {
      if (y < this.minY[last]!) [this.minX[last], this.minY[last]] = [x, y];
      if (y > this.maxY[last]!) [this.maxX[last], this.maxY[last]] = [x, y];
      this.count[last]!++;
      return;
    }
    if (this.count.length === this.buckets) this.halve();
    this.minX.push(x);
    this.minY.push(y);
    this.maxX.push(x);
    this.maxY.push(y);
    this.count.push(1);
  }

  /** The kept points, in x order. */
  points(): { x: number; y: number }[] {
    const out: { x: number; y: number }[] = [];
    for (let b = 0; b < this.count.length; b++) {
      const low = { x: this.minX[b]!, y: this.minY[b]! };
      const high = { x: this.maxX[b]!, y: this.maxY[b]! };
      if (low.x === high.x) out.push(low);
      else out.push(...(low.x < high.x ? [low, high] : [high, low]));
    }
    return out;
  }

  get size(): number {
    return this.count.length;
  }

  /** Merges neighbouring buckets pairwise. */
  private halve(): void {
    const n = this.count.length;
    let to = 0;
    for (let b = 0; b < n; b += 2, to++) {
      const c = b + 1 < n ? b + 1 : b;
      const lower = this.minY[c]! < this.minY[b]! ? c : b;
      const upper = this.maxY[c]! > this.maxY[b]! ? c : b;
      this.minX[to] = this.minX[lower]!;
      this.minY[to] = this.minY[lower]!;
      this.maxX[to] = this.maxX[upper]!;
      this.maxY[to] = this.maxY[upper]!;
      this.count[to] = this.count[b]! + (c === b ? 0 : this.count[c]!);
    }
    for (const a of [this.minX, this.minY, this.maxX, this.maxY, this.count]) a.length = to;
    this.width *= 2;
  }
}
