/**
 * The shared frame of the online margin classifiers (perceptron, passive-aggressive, ALMA): linear
 * scores w·x + b on the dense layout, one head for two classes (the score of class 1), one head per
 * class for more, each trained one-vs-rest on +1 (its class) and -1 (the others), as scikit-learn's
 * SGD-based classifiers do. A subclass gives the update of one head on one row.
 *
 * Class probabilities (for log loss): the logistic sigmoid of the score for two classes, the softmax
 * of the heads' scores for more. They are not calibrated (the scores' scale is whatever the
 * algorithm made it); their argmax is the classifier's prediction, except that a score of exactly 0
 * gives 1/2, which the evaluator counts as class 1 where scikit-learn says class 0.
 */
import { arrayBytes } from './memory.js';
import { outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { LearnerState, Task } from './types.js';

export interface MarginState extends LearnerState {
  task: Task;
  dim: number;
  classes: number;
  /** heads x (dim + 1) numbers, the bias last in each head. */
  weights: number[];
}

export abstract class MarginModel extends PerRowLearner {
  protected _dim: number;
  protected classes: number;
  protected heads: number;
  protected weights: Float64Array;
  /** The heads' scores of the row in hand. */
  private scores: Float64Array;

  constructor(
    protected readonly task: Task,
    dim: number,
    classes: number,
  ) {
    super();
    this._dim = dim;
    this.classes = outputsFor(task, classes);
    this.heads = headsFor(task, this.classes);
    this.weights = new Float64Array(this.heads * (dim + 1));
    this.scores = new Float64Array(this.heads);
  }

  abstract readonly description: string;

  abstract state(): LearnerState;

  memoryBytes(): number {
    return arrayBytes(this.weights, this.scores);
  }

  /** Updates head h for the row at x[offset..] whose score was `score` and whose target is `target` (+1/-1, or the value). */
  protected abstract update(h: number, x: Float64Array, offset: number, score: number, target: number): void;

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }

  private score(h: number, x: Float64Array, offset: number): number {
    const d = this._dim;
    const w = this.weights;
    const base = h * (d + 1);
    let z = 0;
    for (let j = 0; j < d; j++) z += w[base + j]! * x[offset + j]!;
    return z + w[base + d]!;
  }


  protected predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void {
    const s = this.scores;
    for (let h = 0; h < this.heads; h++) s[h] = this.score(h, x, offset);
    if (this.task === 'regression') {
      out[at] = s[0]!;
    } else if (this.heads === 1) {
      const p = 1 / (1 + Math.exp(-s[0]!));
      out[at] = 1 - p;
      out[at + 1] = p;
    } else {
      let max = -Infinity;
      for (let h = 0; h < this.heads; h++) if (s[h]! > max) max = s[h]!;
      let sum = 0;
      for (let h = 0; h < this.heads; h++) sum += out[at + h] = Math.exp(s[h]! - max);
      for (let h = 0; h < this.heads; h++) out[at + h] = out[at + h]! / sum;
    }
  }



  protected learnRow(x: Float64Array, offset: number, y: number): void {
    if (this.task === 'regression') {
      this.update(0, x, offset, this.score(0, x, offset), y);
      return;
    }
    if (this.heads === 1) {
      this.update(0, x, offset, this.score(0, x, offset), y === 1 ? 1 : -1);
      return;
    }
    for (let h = 0; h < this.heads; h++) this.update(h, x, offset, this.score(h, x, offset), y === h ? 1 : -1);
  }

  /**
   * New inputs start at weight 0. A third class turns the one binary head (class 1 against class 0)
   * into one head per class: class 1's is that head, class 0's its negation (which is what one-vs-rest
   * training on class 0 would have learned, the updates being symmetric), a new class's starts at 0.
   */
  grow(dim: number, classes: number): void {
    const newClasses = this.task === 'regression' ? 1 : Math.max(this.classes, classes);
    if (dim === this._dim && newClasses === this.classes) return;
    const heads = headsFor(this.task, newClasses);
    const old = this.weights;
    const stride = this._dim + 1;
    const weights = new Float64Array(heads * (dim + 1));
    const copy = (from: number, to: number, sign: number): void => {
      for (let j = 0; j < this._dim; j++) weights[to * (dim + 1) + j] = sign * old[from * stride + j]!;
      weights[to * (dim + 1) + dim] = sign * old[from * stride + this._dim]!;
    };
    if (this.heads === 1 && heads > 1) {
      copy(0, 0, -1);
      copy(0, 1, 1);
    } else {
      for (let h = 0; h < this.heads; h++) copy(h, h, 1);
    }
    this.growHeads(this.heads, heads);
    this.weights = weights;
    this._dim = dim;
    this.classes = newClasses;
    this.heads = heads;
    this.scores = new Float64Array(heads);
  }

  /** The subclass's per-head state from `from` heads to `to` (same rule as the weights). */
  protected growHeads(_from: number, _to: number): void {}

  protected baseState(): MarginState {
    return { kind: '', task: this.task, dim: this._dim, classes: this.classes, weights: Array.from(this.weights) };
  }

  /** Reads the frame's fields of a state into this model (built with the state's task, dim and classes). */
  protected readWeights(s: StateReader): void {
    this.weights.set(s.nums('weights', this.weights.length));
  }

}

/** Task, dim and classes of a margin model's state, checked. */
export function readShape(s: StateReader): { task: Task; dim: number; classes: number } {
  const task = s.task();
  const classes = s.num('classes', { min: 1, integer: true });
  if (classes !== outputsFor(task, classes)) throw new Error(`classes: expected ${outputsFor(task, classes)} for ${task}, found ${classes}`);
  return { task, dim: s.num('dim', { min: 0, integer: true }), classes };
}

export function headsFor(task: Task, classes: number): number {
  return task === 'regression' || classes <= 2 ? 1 : classes;
}
