/**
 * ALMA_2, Gentile's approximate large margin algorithm (C. Gentile, "A New Approximate Maximal
 * Margin Classification Algorithm", JMLR 2, 2001), for p = 2, on the dense layout. Each row x,
 * with a constant 1 appended as the bias input, is normalized to unit length; with k the number of
 * updates so far plus one, gamma_k = B / sqrt(k) and eta_k = C / sqrt(k). A row whose normalized
 * margin t w·x is at most (1 - alpha) gamma_k updates w += eta_k t x, then projects w back into the
 * unit ball (w /= max(1, |w|)), and k grows by one. Defaults as River's ALMAClassifier and the paper:
 * alpha 0.9, B = 1/alpha, C = sqrt(2). Binary; more classes one-vs-rest, each head with its own k
 * (see margin.ts, also for the class probabilities).
 */
import { MarginModel, readShape, type MarginState } from './margin.js';
import type { LearnerEntry } from './registry.js';
import { arrayBytes } from './memory.js';
import { StateReader } from './state-reader.js';
import type { LearnerState, Task } from './types.js';

export interface AlmaState extends MarginState {
  kind: 'alma';
  alpha: number;
  C: number;
  /** Per head: updates so far plus one. */
  k: number[];
}

export class Alma extends MarginModel {
  readonly description: string;
  private k: Float64Array;

  constructor(
    task: Task,
    dim: number,
    classes: number,
    private readonly alpha: number,
    private readonly C: number,
  ) {
    super(task, dim, classes);
    this.k = new Float64Array(this.heads).fill(1);
    this.description = `alma(p=2, alpha=${alpha}, C=${Number(C.toPrecision(6))})`;
  }

  protected update(h: number, x: Float64Array, offset: number, score: number, target: number): void {
    const d = this._dim;
    let sq = 1;
    for (let j = 0; j < d; j++) sq += x[offset + j]! * x[offset + j]!;
    const norm = Math.sqrt(sq);
    const k = this.k[h]!;
    const gamma = 1 / this.alpha / Math.sqrt(k);
    if (target * (score / norm) > (1 - this.alpha) * gamma) return;
    const step = ((this.C / Math.sqrt(k)) * target) / norm;
    const w = this.weights;
    const base = h * (d + 1);
    let wsq = 0;
    for (let j = 0; j < d; j++) {
      const v = (w[base + j]! += step * x[offset + j]!);
      wsq += v * v;
    }
    const b = (w[base + d]! += step);
    wsq += b * b;
    const scale = Math.max(1, Math.sqrt(wsq));
    if (scale > 1) for (let j = 0; j <= d; j++) w[base + j] = w[base + j]! / scale;
    this.k[h] = k + 1;
  }

  protected override growHeads(from: number, to: number): void {
    const k = new Float64Array(to).fill(1);
    if (from === 1 && to > 1) k[0] = k[1] = this.k[0]!;
    else k.set(this.k);
    this.k = k;
  }

  override memoryBytes(): number {
    return super.memoryBytes() + arrayBytes(this.k);
  }

  state(): AlmaState {
    return { ...this.baseState(), kind: 'alma', alpha: this.alpha, C: this.C, k: Array.from(this.k) };
  }

  static restore(state: LearnerState): Alma {
    const s = new StateReader(state, 'alma');
    const { task, dim, classes } = readShape(s);
    const model = new Alma(task, dim, classes, s.num('alpha', { min: Number.MIN_VALUE, max: 1 }), s.num('C', { min: Number.MIN_VALUE }));
    model.readWeights(s);
    model.k.set(s.nums('k', model.k.length, { min: 1, integer: true }));
    return model;
  }
}

export const alma: LearnerEntry = {
  name: 'alma',
  aliases: [],
  summary: "Gentile's approximate large margin algorithm (ALMA_2): a perceptron that also updates on small margins, with a shrinking step",
  tasks: ['classification'],
  input: 'dense',
  params: [
    { key: 'alpha', flag: '--alpha <a>', help: 'how close to the maximal margin, in (0, 1] (B is 1/alpha)', default: 0.9, min: 0, max: 1, minExclusive: true },
    { key: 'C', flag: '--C <c>', help: 'alma: the step scale (sqrt(2) is 1.4142135623730951)', default: Math.SQRT2, min: 0, minExclusive: true },
  ],
  scaledTarget: false,
  create: (ctx) => new Alma(ctx.task, ctx.dim, ctx.classes, ctx.params['alpha'] as number, ctx.params['C'] as number),
  restore: (state) => Alma.restore(state),
};
