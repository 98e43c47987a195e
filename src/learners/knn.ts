/**
 * k nearest neighbours over a sliding window of the last `--window-size` rows learned, on the dense
 * layout (standardized numbers, one-hot categories; each row as it was encoded when it arrived).
 * The search is exact: every row of the window is scanned (Euclidean distance) on typed arrays.
 * Classification: each of the k nearest votes for its class with weight 1/distance (River's
 * default; rows at distance 0, when there are any, share the vote alone), or 1 with
 * `--uniform-vote`; the class probabilities are the normalized votes (0 for a class without a vote).
 * Regression: the mean of the k nearest targets. Ties in distance go to the row learned first.
 */
import type { LearnerEntry } from './registry.js';
import { arrayBytes } from './memory.js';
import { outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { LearnerState, Task } from './types.js';

export interface KnnState extends LearnerState {
  kind: 'knn';
  task: Task;
  dim: number;
  classes: number;
  k: number;
  window: number;
  uniform: boolean;
  /** Rows in the window, oldest first, each `dim` numbers. */
  rows: number;
  x: number[];
  y: number[];
}

export class Knn extends PerRowLearner {
  readonly description: string;
  private _dim: number;
  private classes: number;
  /** Ring buffer: row i at i * stride; `count` rows held, the next written at `next`. */
  private stride: number;
  private data: Float64Array;
  private readonly targets: Float64Array;
  private count = 0;
  private next = 0;
  private readonly bestDistance: Float64Array;
  private readonly bestRow: Int32Array;
  private votes: Float64Array;

  constructor(
    private readonly task: Task,
    dim: number,
    classes: number,
    private readonly k: number,
    private readonly window: number,
    private readonly uniform: boolean,
  ) {
    super();
    this._dim = dim;
    this.classes = outputsFor(task, classes);
    this.stride = Math.max(1, dim);
    this.data = new Float64Array(window * this.stride);
    this.targets = new Float64Array(window);
    this.bestDistance = new Float64Array(k);
    this.bestRow = new Int32Array(k);
    this.votes = new Float64Array(this.classes);
    const vote = task === 'regression' ? 'mean' : uniform ? 'uniform vote' : 'distance-weighted vote';
    this.description = `knn(k=${k}, window=${window}, ${vote})`;
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }

  /** Fills bestRow/bestDistance with the nearest rows (squared distances, nearest first); returns how many. */
  private search(x: Float64Array, offset: number): number {
    const d = this._dim;
    const stride = this.stride;
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
      for (let i = from, base = from * stride; i < to; i++, base += stride) {
        let dist = 0;
        for (let j = 0; j < d; j++) {
          const diff = x[offset + j]! - data[base + j]!;
          dist += diff * diff;
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
    const base = this.next * this.stride;
    const d = this._dim;
    for (let j = 0; j < d; j++) this.data[base + j] = x[offset + j]!;
    this.targets[this.next] = y;
    this.next = this.next + 1 === this.window ? 0 : this.next + 1;
    if (this.count < this.window) this.count++;
  }

  /** New one-hot slots: the rows held get zeros there (they did not have that category). */
  grow(dim: number, classes: number): void {
    if (dim > this.stride) {
      const stride = Math.max(dim, Math.ceil(this.stride * 1.5));
      const data = new Float64Array(this.window * stride);
      for (let i = 0; i < this.window; i++) data.set(this.data.subarray(i * this.stride, i * this.stride + this._dim), i * stride);
      this.data = data;
      this.stride = stride;
    }
    this._dim = Math.max(this._dim, dim);
    if (this.task === 'classification' && classes > this.classes) {
      this.classes = classes;
      this.votes = new Float64Array(classes);
    }
  }

  memoryBytes(): number {
    return arrayBytes(this.data, this.targets, this.bestDistance, this.bestRow, this.votes);
  }

  state(): KnnState {
    const d = this._dim;
    const x: number[] = [];
    const y: number[] = [];
    const start = this.count < this.window ? 0 : this.next;
    for (let n = 0; n < this.count; n++) {
      const i = (start + n) % this.window;
      for (let j = 0; j < d; j++) x.push(this.data[i * this.stride + j]!);
      y.push(this.targets[i]!);
    }
    return { kind: 'knn', task: this.task, dim: d, classes: this.classes, k: this.k, window: this.window, uniform: this.uniform, rows: this.count, x, y };
  }

  static restore(state: LearnerState): Knn {
    const s = new StateReader(state, 'knn');
    const task = s.task();
    const classes = s.num('classes', { min: 1, integer: true });
    if (classes !== outputsFor(task, classes)) throw new Error(`classes: expected ${outputsFor(task, classes)} for ${task}, found ${classes}`);
    const dim = s.num('dim', { min: 0, integer: true });
    const window = s.num('window', { min: 1, integer: true });
    const model = new Knn(task, dim, classes, s.num('k', { min: 1, integer: true }), window, s.bool('uniform'));
    const rows = s.num('rows', { min: 0, max: window, integer: true });
    const x = s.nums('x', rows * dim);
    const y = s.nums('y', rows, task === 'classification' ? { min: 0, max: classes - 1, integer: true } : {});
    for (let r = 0; r < rows; r++) model.learnRow(x, r * dim, y[r]!);
    return model;
  }

}

export const knn: LearnerEntry = {
  name: 'knn',
  aliases: ['k-nn', 'nearest-neighbours', 'nearest-neighbors'],
  summary: 'k nearest neighbours over a sliding window of the last rows (exact search, distance-weighted vote)',
  tasks: ['classification', 'regression'],
  input: 'dense',
  params: [
    { key: 'k', flag: '--k <n>', help: 'neighbours that vote', default: 5, min: 1, integer: true },
    { key: 'windowSize', flag: '--window-size <n>', help: 'rows kept to search (the last ones learned)', default: 1000, min: 1, max: 1e6, integer: true },
    { key: 'uniformVote', flag: '--uniform-vote', help: 'each neighbour votes 1 instead of 1/distance', default: false },
  ],
  scaledTarget: false,
  create: (ctx) => new Knn(ctx.task, ctx.dim, ctx.classes, ctx.params['k'] as number, ctx.params['windowSize'] as number, ctx.params['uniformVote'] as boolean),
  restore: (state) => Knn.restore(state),
};
