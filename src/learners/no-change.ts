/**
 * The no-change baseline: predicts the previous row's label (regression: the previous target). On
 * autocorrelated streams such as Elec2 it is hard to beat; kappa-T compares a learner with it.
 *
 * Class probabilities: the previous label gets the rate at which labels have repeated so far, with
 * add-one smoothing, (repeats + 1) / (pairs + 2), but never less than just over 1/2 so that it is
 * always the prediction; the other classes share the rest equally. Before the first row: uniform.
 */
import type { LearnerEntry } from './registry.js';
import { NUMBER_BYTES } from './memory.js';
import { outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { LearnerState, Task } from './types.js';

/** The least probability of the previous label: above 1/2, so that it is the argmax for any number of classes. */
const AT_LEAST = 0.5 + 2 ** -20;

export interface NoChangeState extends LearnerState {
  kind: 'no-change';
  task: Task;
  dim: number;
  classes: number;
  /** The last label (class index or value); null before the first row. */
  last: number | null;
  /** Consecutive pairs of rows learned, and how many had the same label. */
  pairs: number;
  repeats: number;
}

export class NoChange extends PerRowLearner {
  readonly input = 'raw' as const;
  readonly description = 'no-change';
  private last = NaN;
  private pairs = 0;
  private repeats = 0;

  constructor(
    private readonly task: Task,
    private _dim: number,
    private classes: number,
  ) {
    super();
    this.classes = outputsFor(task, classes);
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }


  protected predictRow(_x: Float64Array, _offset: number, out: Float64Array, at: number): void {
    const last = this.last;
    if (this.task === 'regression') {
      out[at] = last === last ? last : 0;
      return;
    }
    const k = this.classes;
    if (last !== last) {
      for (let c = 0; c < k; c++) out[at + c] = 1 / k;
      return;
    }
    const p = Math.max((this.repeats + 1) / (this.pairs + 2), AT_LEAST);
    const rest = (1 - p) / (k - 1);
    for (let c = 0; c < k; c++) out[at + c] = rest;
    out[at + last] = p;
  }



  protected learnRow(_x: Float64Array, _offset: number, y: number): void {
    if (this.last === this.last) {
      this.pairs++;
      if (y === this.last) this.repeats++;
    }
    this.last = y;
  }

  grow(dim: number, classes: number): void {
    this._dim = dim;
    if (this.task === 'classification') this.classes = Math.max(this.classes, classes);
  }

  /** The last label and the two counts behind its probability. */
  memoryBytes(): number {
    return 3 * NUMBER_BYTES;
  }

  state(): NoChangeState {
    const last = this.last;
    return { kind: 'no-change', task: this.task, dim: this._dim, classes: this.classes, last: last === last ? last : null, pairs: this.pairs, repeats: this.repeats };
  }

  static restore(state: LearnerState): NoChange {
    const s = new StateReader(state, 'no-change');
    const task = s.task();
    const classes = s.num('classes', { min: 1, integer: true });
    if (classes !== outputsFor(task, classes)) throw new Error(`classes: expected ${outputsFor(task, classes)} for ${task}, found ${classes}`);
    const model = new NoChange(task, s.num('dim', { min: 0, integer: true }), classes);
    const last = s.numOrNull('last');
    if (last !== null && task === 'classification' && !(Number.isInteger(last) && last >= 0 && last < classes)) throw new Error(`last: expected a class index below ${classes}, found ${last}`);
    model.last = last ?? NaN;
    model.pairs = s.num('pairs', { min: 0, integer: true });
    model.repeats = s.num('repeats', { min: 0, max: model.pairs, integer: true });
    return model;
  }

}

export const noChange: LearnerEntry = {
  name: 'no-change',
  aliases: ['last', 'nochange'],
  summary: "baseline: the previous row's label (regression: the previous target); reads no feature",
  tasks: ['classification', 'regression'],
  input: 'raw',
  params: [],
  scaledTarget: false,
  create: (ctx) => new NoChange(ctx.task, ctx.dim, ctx.classes),
  restore: (state) => NoChange.restore(state),
};
