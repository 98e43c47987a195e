/**
 * Linear models that learn one row at a time on typed arrays: logistic regression (binary),
 * softmax regression (multiclass) and linear regression, with sgd, adagrad or adam.
 *
 * The weights are `heads` rows of `dim + 1` numbers (the last is the bias). A binary classifier has
 * one head (the logit of class 1); it becomes a softmax with heads [0, w] when a third class
 * appears, which gives exactly the same probabilities, so nothing learned is lost.
 */
import type { Learner, LearnerOptions, LearnerState, Task } from './types.js';

type Optimizer = LearnerOptions['optimizer'];

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const EPSILON = 1e-8;

export interface LinearState extends LearnerState {
  kind: 'linear';
  task: Task;
  optimizer: Optimizer;
  lr: number;
  l2: number;
  dim: number;
  classes: number;
  steps: number;
  weights: number[];
  /** adagrad: squared-gradient sums; adam: first moments. */
  slot1: number[];
  /** adam: second moments. */
  slot2: number[];
}

export class LinearModel implements Learner {
  readonly batchSize = 1;
  private task: Task;
  private optimizer: Optimizer;
  private lr: number;
  private l2: number;
  private _dim: number;
  private classes: number;
  private heads: number;
  private steps = 0;
  private weights: Float64Array;
  private slot1: Float64Array;
  private slot2: Float64Array;
  /** Scratch for the per-head logits and gradients of one row. */
  private scratch: Float64Array;

  constructor(opts: Pick<LearnerOptions, 'task' | 'dim' | 'classes' | 'optimizer' | 'lr' | 'l2'>) {
    this.task = opts.task;
    this.optimizer = opts.optimizer;
    this.lr = opts.lr;
    this.l2 = opts.l2;
    this._dim = opts.dim;
    this.classes = opts.task === 'regression' ? 1 : Math.max(2, opts.classes);
    this.heads = headsFor(opts.task, this.classes);
    const size = this.heads * (this._dim + 1);
    this.weights = new Float64Array(size);
    this.slot1 = new Float64Array(opts.optimizer === 'sgd' ? 0 : size);
    this.slot2 = new Float64Array(opts.optimizer === 'adam' ? size : 0);
    this.scratch = new Float64Array(this.classes);
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }

  get description(): string {
    const kind = this.task === 'regression' ? 'linear' : this.heads === 1 ? 'logistic' : 'softmax';
    return `${kind}(${this.optimizer}, lr=${this.lr}, l2=${this.l2})`;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    const d = this._dim;
    for (let r = 0; r < rows; r++) this.predictRow(x, r * d, out, r * this.classes);
  }

  /** Test then train in one pass over each row: its prediction (before the update) is the gradient's start. */
  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    const d = this._dim;
    const classes = this.classes;
    const g = this.scratch;
    for (let r = 0; r < rows; r++) {
      const at = r * classes;
      this.predictRow(x, r * d, out, at);
      for (let k = 0; k < classes; k++) g[k] = out[at + k]!;
      this.gradientStep(x, r * d, g, y[r]!);
    }
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    const d = this._dim;
    const g = this.scratch;
    for (let r = 0; r < rows; r++) {
      this.predictRow(x, r * d, g, 0);
      this.gradientStep(x, r * d, g, y[r]!);
    }
  }

  /** Turns the prediction in g into the gradient of the loss at each head's output, and steps. */
  private gradientStep(x: Float64Array, offset: number, g: Float64Array, target: number): void {
    if (this.task === 'regression') g[0] = g[0]! - target;
    else if (this.heads === 1) g[0] = g[1]! - (target === 1 ? 1 : 0);
    else g[target] = g[target]! - 1;
    this.step(x, offset, g);
  }

  private predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void {
    const d = this._dim;
    const w = this.weights;
    const stride = d + 1;
    if (this.heads === 1) {
      let z = w[d]!;
      for (let j = 0; j < d; j++) z += w[j]! * x[offset + j]!;
      if (this.task === 'regression') {
        out[at] = z;
      } else {
        const p = 1 / (1 + Math.exp(-z));
        out[at] = 1 - p;
        out[at + 1] = p;
      }
      return;
    }
    let max = -Infinity;
    for (let k = 0; k < this.heads; k++) {
      const base = k * stride;
      let z = w[base + d]!;
      for (let j = 0; j < d; j++) z += w[base + j]! * x[offset + j]!;
      out[at + k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < this.heads; k++) {
      const e = Math.exp(out[at + k]! - max);
      out[at + k] = e;
      sum += e;
    }
    for (let k = 0; k < this.heads; k++) out[at + k] = out[at + k]! / sum;
  }

  /** One optimizer step given the gradient g[k] of the loss at each head's output. */
  private step(x: Float64Array, offset: number, g: Float64Array): void {
    const d = this._dim;
    const stride = d + 1;
    const w = this.weights;
    const lr = this.lr;
    const l2 = this.l2;
    this.steps++;
    if (this.optimizer === 'sgd') {
      for (let k = 0; k < this.heads; k++) {
        const gk = g[k]!;
        const base = k * stride;
        for (let j = 0; j < d; j++) w[base + j]! -= lr * (gk * x[offset + j]! + l2 * w[base + j]!);
        w[base + d]! -= lr * gk;
      }
      return;
    }
    const s1 = this.slot1;
    if (this.optimizer === 'adagrad') {
      for (let k = 0; k < this.heads; k++) {
        const gk = g[k]!;
        const base = k * stride;
        for (let j = 0; j <= d; j++) {
          const i = base + j;
          const grad = j === d ? gk : gk * x[offset + j]! + l2 * w[i]!;
          s1[i]! += grad * grad;
          w[i]! -= (lr * grad) / (Math.sqrt(s1[i]!) + EPSILON);
        }
      }
      return;
    }
    const s2 = this.slot2;
    const t = this.steps;
    const stepSize = (lr * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t);
    for (let k = 0; k < this.heads; k++) {
      const gk = g[k]!;
      const base = k * stride;
      for (let j = 0; j <= d; j++) {
        const i = base + j;
        const grad = j === d ? gk : gk * x[offset + j]! + l2 * w[i]!;
        s1[i] = ADAM_BETA1 * s1[i]! + (1 - ADAM_BETA1) * grad;
        s2[i] = ADAM_BETA2 * s2[i]! + (1 - ADAM_BETA2) * grad * grad;
        w[i]! -= (stepSize * s1[i]!) / (Math.sqrt(s2[i]!) + EPSILON);
      }
    }
  }

  grow(dim: number, classes: number): void {
    const newClasses = this.task === 'regression' ? 1 : Math.max(this.classes, classes);
    if (dim === this._dim && newClasses === this.classes) return;
    const heads = headsFor(this.task, newClasses);
    // A binary model turning multiclass keeps its head as class 1's, with class 0's head at zero.
    const shift = this.heads === 1 && heads > 1 ? 1 : 0;
    const move = (from: Float64Array): Float64Array => {
      if (from.length === 0) return from;
      const to = new Float64Array(heads * (dim + 1));
      for (let k = 0; k < this.heads; k++) {
        const src = k * (this._dim + 1);
        const dst = (k + shift) * (dim + 1);
        to.set(from.subarray(src, src + this._dim), dst);
        to[dst + dim] = from[src + this._dim]!;
      }
      return to;
    };
    this.weights = move(this.weights);
    this.slot1 = move(this.slot1);
    this.slot2 = move(this.slot2);
    this._dim = dim;
    this.classes = newClasses;
    this.heads = heads;
    this.scratch = new Float64Array(newClasses);
  }

  state(): LinearState {
    return {
      kind: 'linear',
      task: this.task,
      optimizer: this.optimizer,
      lr: this.lr,
      l2: this.l2,
      dim: this._dim,
      classes: this.classes,
      steps: this.steps,
      weights: Array.from(this.weights),
      slot1: Array.from(this.slot1),
      slot2: Array.from(this.slot2),
    };
  }

  static restore(state: LinearState): LinearModel {
    const model = new LinearModel(state);
    const expected = model.weights.length;
    if (state.weights.length !== expected) throw new Error(`linear model state: expected ${expected} weights, found ${state.weights.length}`);
    model.weights.set(state.weights);
    model.slot1.set(state.slot1);
    model.slot2.set(state.slot2);
    model.steps = state.steps;
    return model;
  }

  dispose(): void {}
}

function headsFor(task: Task, classes: number): number {
  return task === 'regression' || classes <= 2 ? 1 : classes;
}
