/**
 * Linear models that learn one row at a time on typed arrays: logistic regression (binary),
 * softmax regression (multiclass) and linear regression, with sgd, adagrad or adam.
 *
 * The weights are `heads` rows of `dim + 1` numbers (the last is the bias). A binary classifier has
 * one head (the logit of class 1); it becomes a softmax with heads [0, w] when a third class
 * appears, which gives exactly the same probabilities, so nothing learned is lost.
 *
 * With hashed categorical features (--hash-bits B) the model reads the sparse layout (see
 * SparseShape): a row names the few slots it touches, and predicting and learning cost O(touched
 * slots), whatever 2^B. Updates of the slots a row does not touch are lazy:
 * - sgd: exact. L2's decay of every weight by (1 - lr l2) per step is kept as one scale factor for
 *   all weights (w = scale * v), as in Bottou's "Stochastic gradient descent tricks" (2012); only the
 *   touched slots of v are updated, by the step divided by the scale.
 * - adagrad: exact without L2 (an untouched slot's gradient is 0). With L2, the penalty is applied
 *   to the slots a row touches only, as TensorFlow's sparse Adagrad and Vowpal Wabbit do.
 * - adam: lazy Adam (TensorFlow Addons' LazyAdam): the moments and weights of untouched slots are
 *   left as they are instead of decaying and drifting with their momentum; the bias correction uses
 *   the global step count. L2, as for adagrad, only on touched slots.
 */
import { arrayBytes } from './memory.js';
import type { Learner, LearnerOptions, LearnerState, SparseShape, Task } from './types.js';

type Optimizer = LearnerOptions['optimizer'];

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const EPSILON = 1e-8;

/** Below this the L2 scale of a sparse sgd model is folded into its weights (an O(dim) pass, rare). */
const MIN_SCALE = 1e-100;

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
  /** Sparse sgd with L2: the factor every weight (not the biases) is multiplied by; 1 when absent. */
  scale?: number;
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
  /** The layout it reads: 'sparse' with hashed categorical features (see SparseShape). */
  readonly input: 'dense' | 'sparse';
  private readonly sparse: SparseShape | undefined;
  /** Numbers per row: dim (which grows), or the sparse row's width (fixed). */
  private width: number;
  /** Sparse sgd with L2: the weights are scale * weights (biases excepted). */
  private scale = 1;

  /** With `sparse`, it reads sparse rows (dim is then the dense row's width, the slots they index). */
  constructor(opts: Pick<LearnerOptions, 'task' | 'dim' | 'classes' | 'optimizer' | 'lr' | 'l2'> & { sparse?: SparseShape }) {
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
    this.sparse = opts.sparse;
    this.input = opts.sparse ? 'sparse' : 'dense';
    this.width = opts.sparse ? opts.sparse.numeric + 2 * opts.sparse.pairs : this._dim;
  }

  /** Numbers per row in its layout. */
  get dim(): number {
    return this.sparse ? this.width : this._dim;
  }

  get outputs(): number {
    return this.classes;
  }

  get description(): string {
    const kind = this.task === 'regression' ? 'linear' : this.heads === 1 ? 'logistic' : 'softmax';
    return `${kind}(${this.optimizer}, lr=${this.lr}, l2=${this.l2})`;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    const d = this.width;
    for (let r = 0; r < rows; r++) this.predictRow(x, r * d, out, r * this.classes);
  }

  /** Test then train in one pass over each row: its prediction (before the update) is the gradient's start. */
  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    const d = this.width;
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
    const d = this.width;
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
    if (this.sparse) this.stepSparse(x, offset, g, this.sparse);
    else this.step(x, offset, g);
  }

  private predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void {
    if (this.sparse) {
      this.predictSparse(x, offset, out, at, this.sparse);
      return;
    }
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
    this.softmax(out, at, max);
  }

  /** The head logits at out[at..] into class probabilities; `max` is the largest logit. */
  private softmax(out: Float64Array, at: number, max: number): void {
    let sum = 0;
    for (let k = 0; k < this.heads; k++) {
      const e = Math.exp(out[at + k]! - max);
      out[at + k] = e;
      sum += e;
    }
    for (let k = 0; k < this.heads; k++) out[at + k] = out[at + k]! / sum;
  }

  /** predictRow() on a sparse row: the numeric slots, then the pairs' slots. */
  private predictSparse(x: Float64Array, offset: number, out: Float64Array, at: number, shape: SparseShape): void {
    const d = this._dim;
    const w = this.weights;
    const stride = d + 1;
    const numeric = shape.numeric;
    const end = offset + this.width;
    let max = -Infinity;
    for (let k = 0; k < this.heads; k++) {
      const base = k * stride;
      let z = 0;
      for (let j = 0; j < numeric; j++) z += w[base + j]! * x[offset + j]!;
      for (let p = offset + numeric; p < end; p += 2) {
        const slot = x[p]!;
        if (slot >= 0) z += w[base + slot]! * x[p + 1]!;
      }
      z = w[base + d]! + this.scale * z;
      out[at + k] = z;
      if (z > max) max = z;
    }
    if (this.heads > 1) this.softmax(out, at, max);
    else if (this.task !== 'regression') {
      const p = 1 / (1 + Math.exp(-out[at]!));
      out[at] = 1 - p;
      out[at + 1] = p;
    }
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

  /**
   * step() on a sparse row: only the slots it names (and the biases) change; see the header for what
   * that means for L2 and each optimizer.
   */
  private stepSparse(x: Float64Array, offset: number, g: Float64Array, shape: SparseShape): void {
    const d = this._dim;
    const stride = d + 1;
    const w = this.weights;
    const lr = this.lr;
    const l2 = this.l2;
    const numeric = shape.numeric;
    const end = offset + this.width;
    this.steps++;
    if (this.optimizer === 'sgd') {
      if (l2 > 0) {
        const decay = 1 - lr * l2;
        // An L2 so large that a step flips the weights' sign (lr l2 >= 1) is applied to every weight at once.
        if (decay <= 0) this.foldScale(decay);
        else if ((this.scale *= decay) < MIN_SCALE) this.foldScale(1);
      }
      const scale = this.scale;
      for (let k = 0; k < this.heads; k++) {
        const gk = g[k]!;
        const base = k * stride;
        for (let j = 0; j < numeric; j++) w[base + j]! -= (lr * (gk * x[offset + j]!)) / scale;
        for (let p = offset + numeric; p < end; p += 2) {
          const slot = x[p]!;
          if (slot >= 0) w[base + slot]! -= (lr * (gk * x[p + 1]!)) / scale;
        }
        w[base + d]! -= lr * gk;
      }
      return;
    }
    const adam = this.optimizer === 'adam';
    const t = this.steps;
    const stepSize = adam ? (lr * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t) : lr;
    for (let k = 0; k < this.heads; k++) {
      const gk = g[k]!;
      const base = k * stride;
      for (let j = 0; j < numeric; j++) this.adaptive(adam, base + j, gk * x[offset + j]! + l2 * w[base + j]!, stepSize);
      for (let p = offset + numeric; p < end; p += 2) {
        const slot = x[p]!;
        if (slot >= 0) this.adaptive(adam, base + slot, gk * x[p + 1]! + l2 * w[base + slot]!, stepSize);
      }
      this.adaptive(adam, base + d, gk, stepSize);
    }
  }

  /** One adagrad or adam update of weight i with gradient grad (as step() makes it). */
  private adaptive(adam: boolean, i: number, grad: number, stepSize: number): void {
    const w = this.weights;
    const s1 = this.slot1;
    if (!adam) {
      s1[i]! += grad * grad;
      w[i]! -= (stepSize * grad) / (Math.sqrt(s1[i]!) + EPSILON);
      return;
    }
    const s2 = this.slot2;
    s1[i] = ADAM_BETA1 * s1[i]! + (1 - ADAM_BETA1) * grad;
    s2[i] = ADAM_BETA2 * s2[i]! + (1 - ADAM_BETA2) * grad * grad;
    w[i]! -= (stepSize * s1[i]!) / (Math.sqrt(s2[i]!) + EPSILON);
  }

  /** Multiplies the L2 scale, and `factor`, into the weights (the biases are not scaled); the scale is then 1. */
  private foldScale(factor: number): void {
    const stride = this._dim + 1;
    const w = this.weights;
    const by = this.scale * factor;
    for (let i = 0; i < w.length; i++) if (i % stride !== this._dim) w[i] = w[i]! * by;
    this.scale = 1;
  }

  grow(dim: number, classes: number): void {
    if (this.sparse) dim = this._dim;
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
    if (!this.sparse) this.width = dim;
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
      ...(this.scale === 1 ? {} : { scale: this.scale }),
    };
  }

  /** `sparse`: the layout of the run that restores it (a checkpoint of a dense hashed model reads sparse rows the same). */
  static restore(state: LinearState, sparse?: SparseShape): LinearModel {
    const model = new LinearModel({ ...state, ...(sparse ? { sparse } : {}) });
    if (state.scale !== undefined) {
      if (!(state.scale > 0 && state.scale <= 1)) throw new Error(`linear model state: "scale" must be in (0, 1], found ${state.scale}`);
      if (!sparse) throw new Error('linear model state: "scale" belongs to a model reading sparse rows (--hash-bits)');
      model.scale = state.scale;
    }
    const expected = model.weights.length;
    if (state.weights.length !== expected) throw new Error(`linear model state: expected ${expected} weights, found ${state.weights.length}`);
    model.weights.set(state.weights);
    model.slot1.set(state.slot1);
    model.slot2.set(state.slot2);
    model.steps = state.steps;
    return model;
  }

  memoryBytes(): number {
    return arrayBytes(this.weights, this.slot1, this.slot2, this.scratch);
  }

  dispose(): void {}
}

function headsFor(task: Task, classes: number): number {
  return task === 'regression' || classes <= 2 ? 1 : classes;
}
