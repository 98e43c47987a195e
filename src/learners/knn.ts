/**
 * k nearest neighbours over a sliding window of the last `--window-size` rows learned, on the raw
 * layout: the numeric features in their own units and one category code per categorical feature.
 * The distance is Euclidean on the numeric features standardized by the window itself (each squared
 * difference divided by that feature's variance over the rows in the window when the query comes;
 * a feature constant there counts 0) plus the one-hot distance of the categories (a different
 * category adds 2, as two one-hot slots differ; one side missing adds 1). The search is exact: the
 * window's variances and then every row's distance are computed on typed arrays for each query.
 * Classification: each of the k nearest votes for its class with weight 1/distance (River's
 * default; rows at distance 0, when there are any, share the vote alone), or 1 with
 * `--uniform-vote`; the class probabilities are the normalized votes (0 for a class without a vote).
 * Regression: the mean of the k nearest targets. Ties in distance go to the row learned first.
 */
import type { LearnerEntry } from './registry.js';
import { arrayBytes } from './memory.js';
import { EarlierStateError, outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { LearnerState, Task } from './types.js';

export interface KnnState extends LearnerState {
  kind: 'knn';
  task: Task;
  /** Numbers per row: the numeric features, then one category code per categorical feature. */
  dim: number;
  /** How many of them are numeric (the first ones). */
  numeric: number;
  classes: number;
  k: number;
  window: number;
  uniform: boolean;
  /** Rows in the window, oldest first, each `dim` numbers. */
  rows: number;
  /** Where the ring buffer writes the next row (the oldest row's place once the window is full). */
  next: number;
  x: number[];
  y: number[];
}

export class Knn extends PerRowLearner {
  readonly input = 'raw' as const;
  readonly description: string;
  private classes: number;
  /** Ring buffer: row i at i * dim; `count` rows held, the next written at `next`. */
  private readonly data: Float64Array;
  private readonly targets: Float64Array;
  private count = 0;
  private next = 0;
  /** Per numeric feature: 1 / its variance over the window, worked out for each query. */
  private readonly weight: Float64Array;
  private readonly bestDistance: Float64Array;
  private readonly bestRow: Int32Array;
  private votes: Float64Array;

  constructor(
    private readonly task: Task,
    private readonly _dim: number,
    private readonly numeric: number,
    classes: number,
    private readonly k: number,
    private readonly window: number,
    private readonly uniform: boolean,
  ) {
    super();
    this.classes = outputsFor(task, classes);
    this.data = new Float64Array(window * _dim);
    this.targets = new Float64Array(window);
    this.weight = new Float64Array(numeric);
    this.bestDistance = new Float64Array(k);
    this.bestRow = new Int32Array(k);
    this.votes = new Float64Array(this.classes);
    const vote = task === 'regression' ? 'mean' : uniform ? 'uniform vote' : 'distance-weighted vote';
    this.description = `knn(k=${k}, window=${window}, ${vote}, scaled by the window)`;
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }

  /**
   * weight[j] = 1 / the variance of numeric feature j over the rows in the window (0 when it is
   * constant there; 1 before there are two rows). One pass of sums about the newest row's values: a
   * shift inside the window's range keeps the rounding of (sum of squares - sum^2 / n) within a few
   * n ulps of the variance, however far the values are from 0. The rows are summed as they lie in
   * the ring buffer, four at a time (four chains of additions instead of one: about a third of the
   * scan's time); state() keeps the ring's position, so a resumed model sums them in the same order.
   */
  private scale(): void {
    const n = this.count;
    const nNum = this.numeric;
    const weight = this.weight;
    if (n < 2) {
      weight.fill(1);
      return;
    }
    const d = this._dim;
    const data = this.data;
    const newest = (this.next === 0 ? this.window - 1 : this.next - 1) * d;
    const end = n * d;
    const step = 4 * d;
    for (let j = 0; j < nNum; j++) {
      const shift = data[newest + j]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
      let at = j;
      for (; at + 3 * d < end; at += step) {
        const v0 = data[at]! - shift;
        const v1 = data[at + d]! - shift;
        const v2 = data[at + 2 * d]! - shift;
        const v3 = data[at + 3 * d]! - shift;
        s0 += v0;
        s1 += v1;
        s2 += v2;
        s3 += v3;
        q0 += v0 * v0;
        q1 += v1 * v1;
        q2 += v2 * v2;
        q3 += v3 * v3;
      }
      for (; at < end; at += d) {
        const v = data[at]! - shift;
        s0 += v;
        q0 += v * v;
      }
      const sum = s0 + s1 + (s2 + s3);
      const variance = (q0 + q1 + (q2 + q3) - (sum * sum) / n) / (n - 1);
      weight[j] = variance > 0 ? 1 / variance : 0;
    }
  }

  /** Fills bestRow/bestDistance with the nearest rows (squared distances, nearest first); returns how many. */
  private search(x: Float64Array, offset: number): number {
    this.scale();
    const d = this._dim;
    const nNum = this.numeric;
    const weight = this.weight;
    const data = this.data;
    const bestD = this.bestDistance;
    const bestR = this.bestRow;
    const k = this.k;
    let found = 0;
    let worst = Infinity;
    // Oldest first, so that on equal distances the row learned first stays ahead: the ring buffer's
    // rows from `start` to its end, then from its beginning to `start`, each a contiguous scan.
    const start = this.count < this.window ? 0 : this.next;
    for (let segment = 0; segment < 2; segment++) {
      const from = segment === 0 ? start : 0;
      const to = segment === 0 ? this.count : start;
      for (let i = from, base = from * d; i < to; i++, base += d) {
        let dist = 0;
        for (let j = 0; j < nNum; j++) {
          const diff = x[offset + j]! - data[base + j]!;
          dist += diff * diff * weight[j]!;
        }
        for (let j = nNum; j < d; j++) {
          // Category codes: as the one-hot rows' squared distance (-1 is missing, no slot set).
          const a = x[offset + j]!;
          const b = data[base + j]!;
          if (a !== b) dist += a < 0 || b < 0 ? 1 : 2;
        }
        if (dist >= worst) continue;
        let at = found < k ? found++ : k - 1;
        while (at > 0 && bestD[at - 1]! > dist) {
          bestD[at] = bestD[at - 1]!;
          bestR[at] = bestR[at - 1]!;
          at--;
        }
        bestD[at] = dist;
        bestR[at] = i;
        if (found === k) worst = bestD[k - 1]!;
      }
    }
    return found;
  }

  protected predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void {
    const found = this.search(x, offset);
    const targets = this.targets;
    if (this.task === 'regression') {
      let sum = 0;
      for (let n = 0; n < found; n++) sum += targets[this.bestRow[n]!]!;
      out[at] = found > 0 ? sum / found : 0;
      return;
    }
    const votes = this.votes;
    votes.fill(0);
    const exact = found > 0 && this.bestDistance[0] === 0;
    let total = 0;
    for (let n = 0; n < found; n++) {
      const dist = this.bestDistance[n]!;
      if (exact && dist > 0) break;
      const w = this.uniform || exact ? 1 : 1 / Math.sqrt(dist);
      votes[targets[this.bestRow[n]!]!]! += w;
      total += w;
    }
    const k = this.classes;
    for (let c = 0; c < k; c++) out[at + c] = total > 0 ? votes[c]! / total : 1 / k;
  }

  protected learnRow(x: Float64Array, offset: number, y: number): void {
    const d = this._dim;
    const base = this.next * d;
    for (let j = 0; j < d; j++) this.data[base + j] = x[offset + j]!;
    this.targets[this.next] = y;
    this.next = this.next + 1 === this.window ? 0 : this.next + 1;
    if (this.count < this.window) this.count++;
  }

  /** The raw layout's width is fixed (categories are codes); only the classes grow. */
  grow(_dim: number, classes: number): void {
    if (this.task === 'classification' && classes > this.classes) {
      this.classes = classes;
      this.votes = new Float64Array(classes);
    }
  }

  memoryBytes(): number {
    return arrayBytes(this.data, this.targets, this.weight, this.bestDistance, this.bestRow, this.votes);
  }

  state(): KnnState {
    const d = this._dim;
    const x: number[] = [];
    const y: number[] = [];
    const start = this.count < this.window ? 0 : this.next;
    for (let n = 0; n < this.count; n++) {
      const i = (start + n) % this.window;
      for (let j = 0; j < d; j++) x.push(this.data[i * d + j]!);
      y.push(this.targets[i]!);
    }
    const { task, numeric, classes, k, window, uniform } = this;
    return { kind: 'knn', task, dim: d, numeric, classes, k, window, uniform, rows: this.count, next: this.next, x, y };
  }

  static restore(state: LearnerState): Knn {
    const s = new StateReader(state, 'knn');
    if (state['numeric'] === undefined) {
      // Before it read the raw layout, knn kept each row standardized with the statistics of its time.
      throw new EarlierStateError('this knn was saved by an earlier inc-learn, whose knn kept standardized one-hot rows (it now keeps the values and scales them by its window): train it again');
    }
    const task = s.task();
    const classes = s.num('classes', { min: 1, integer: true });
    if (classes !== outputsFor(task, classes)) throw new Error(`classes: expected ${outputsFor(task, classes)} for ${task}, found ${classes}`);
    const dim = s.num('dim', { min: 0, integer: true });
    const numeric = s.num('numeric', { min: 0, max: dim, integer: true });
    const window = s.num('window', { min: 1, integer: true });
    const model = new Knn(task, dim, numeric, classes, s.num('k', { min: 1, integer: true }), window, s.bool('uniform'));
    const rows = s.num('rows', { min: 0, max: window, integer: true });
    const x = s.nums('x', rows * dim);
    // Category codes: whole numbers from -1 (missing).
    for (let r = 0; r < rows; r++) {
      for (let j = numeric; j < dim; j++) {
        const code = x[r * dim + j]!;
        if (!Number.isInteger(code) || code < -1) throw new Error(`x[${r * dim + j}]: expected a category code (a whole number from -1), found ${code}`);
      }
    }
    const y = s.nums('y', rows, task === 'classification' ? { min: 0, max: classes - 1, integer: true } : {});
    // The rows go back to the places they had in the ring, oldest first: scale() sums them in that order.
    const next = rows < window ? s.num('next', { min: rows, max: rows }) : s.num('next', { min: 0, max: window - 1, integer: true });
    model.next = rows < window ? 0 : next;
    for (let r = 0; r < rows; r++) model.learnRow(x, r * dim, y[r]!);
    return model;
  }
}

export const knn: LearnerEntry = {
  name: 'knn',
  aliases: ['k-nn', 'nearest-neighbours', 'nearest-neighbors'],
  summary: 'k nearest neighbours over a sliding window of the last rows, scaled by the window (exact search, distance-weighted vote)',
  tasks: ['classification', 'regression'],
  input: 'raw',
  params: [
    { key: 'k', flag: '--k <n>', help: 'neighbours that vote', default: 5, min: 1, integer: true },
    { key: 'windowSize', flag: '--window-size <n>', help: 'rows kept to search (the last ones learned)', default: 1000, min: 1, max: 1e6, integer: true },
    { key: 'uniformVote', flag: '--uniform-vote', help: 'each neighbour votes 1 instead of 1/distance', default: false },
  ],
  scaledTarget: false,
  create: (ctx) => new Knn(ctx.task, ctx.dim, ctx.features.filter((f) => f.kind === 'numeric').length, ctx.classes, ctx.params['k'] as number, ctx.params['windowSize'] as number, ctx.params['uniformVote'] as boolean),
  restore: (state) => Knn.restore(state),
};
