/**
 * The majority baseline: predicts the most frequent class seen so far (regression: the running mean
 * of the targets). It reads no feature at all; stream papers report it so that a learner's accuracy
 * can be read against it (kappa-M compares with it).
 *
 * Class probabilities are the class frequencies with add-one (Laplace) smoothing,
 * (count_k + 1) / (rows + K), so that log loss stays finite; their argmax is the majority class
 * (ties go to the later class, as the evaluator breaks them). Before the first row: uniform.
 */
import type { LearnerEntry } from './registry.js';
import { arrayBytes, NUMBER_BYTES } from './memory.js';
import { outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { LearnerState, Task } from './types.js';

export interface MajorityState extends LearnerState {
  kind: 'majority';
  task: Task;
  dim: number;
  /** Rows learned of each class (classification). */
  counts: number[];
  rows: number;
  /** Regression: the running mean of the targets. */
  mean: number;
}

export class Majority extends PerRowLearner {
  readonly input = 'raw' as const;
  readonly description: string;
  private counts: Float64Array;
  private rows = 0;
  private mean = 0;

  constructor(
    private readonly task: Task,
    private _dim: number,
    classes: number,
  ) {
    super();
    this.counts = new Float64Array(task === 'regression' ? 0 : outputsFor(task, classes));
    this.description = task === 'regression' ? 'majority(mean)' : 'majority';
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.task === 'regression' ? 1 : this.counts.length;
  }


  protected predictRow(_x: Float64Array, _offset: number, out: Float64Array, at: number): void {
    if (this.task === 'regression') {
      out[at] = this.mean;
      return;
    }
    const k = this.counts.length;
    const total = this.rows + k;
    for (let c = 0; c < k; c++) out[at + c] = (this.counts[c]! + 1) / total;
  }



  protected learnRow(_x: Float64Array, _offset: number, y: number): void {
    this.rows++;
    if (this.task === 'regression') this.mean += (y - this.mean) / this.rows;
    else this.counts[y]!++;
  }

  grow(dim: number, classes: number): void {
    this._dim = dim;
    if (this.task === 'classification' && classes > this.counts.length) {
      const counts = new Float64Array(classes);
      counts.set(this.counts);
      this.counts = counts;
    }
  }

  /** The class counts, or the running mean's two numbers. */
  memoryBytes(): number {
    return arrayBytes(this.counts) + 2 * NUMBER_BYTES;
  }

  state(): MajorityState {
    return { kind: 'majority', task: this.task, dim: this._dim, counts: Array.from(this.counts), rows: this.rows, mean: this.mean };
  }

  static restore(state: LearnerState): Majority {
    const s = new StateReader(state, 'majority');
    const task = s.task();
    const counts = s.nums('counts', undefined, { min: 0, integer: true });
    if (task === 'classification' ? counts.length < 2 : counts.length !== 0) throw new Error(`counts: expected ${task === 'classification' ? 'at least 2' : 'no'} numbers, found ${counts.length}`);
    const model = new Majority(task, s.num('dim', { min: 0, integer: true }), counts.length);
    model.counts.set(counts);
    model.rows = s.num('rows', { min: 0, integer: true });
    if (task === 'classification' && counts.reduce((a, b) => a + b, 0) !== model.rows) throw new Error('counts: expected them to add up to rows');
    model.mean = s.num('mean');
    return model;
  }

}

export const majority: LearnerEntry = {
  name: 'majority',
  aliases: ['majority-class'],
  summary: 'baseline: the most frequent class so far (regression: the running mean); reads no feature',
  tasks: ['classification', 'regression'],
  input: 'raw',
  params: [],
  scaledTarget: false,
  create: (ctx) => new Majority(ctx.task, ctx.dim, ctx.classes),
  restore: (state) => Majority.restore(state),
};
