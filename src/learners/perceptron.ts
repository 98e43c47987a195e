/**
 * Rosenblatt's perceptron, online, on the dense layout: a mistake (a score on the wrong side of 0,
 * or exactly 0) adds the row, times its +1/-1 target, to the weights and the bias. This is
 * scikit-learn's Perceptron (hinge loss at threshold 0, constant step 1, no penalty), whose
 * partial_fit it reproduces row by row (test/fixtures/sklearn). Classification only; more than two
 * classes one-vs-rest (see margin.ts, also for the class probabilities).
 */
import { MarginModel, readShape, type MarginState } from './margin.js';
import type { LearnerEntry } from './registry.js';
import { StateReader } from './state-reader.js';
import type { LearnerState } from './types.js';

export class Perceptron extends MarginModel {
  readonly description = 'perceptron';

  protected update(h: number, x: Float64Array, offset: number, score: number, target: number): void {
    if (target * score > 0) return;
    const d = this._dim;
    const w = this.weights;
    const base = h * (d + 1);
    for (let j = 0; j < d; j++) w[base + j]! += target * x[offset + j]!;
    w[base + d]! += target;
  }

  state(): MarginState {
    return { ...this.baseState(), kind: 'perceptron' };
  }

  static restore(state: LearnerState): Perceptron {
    const s = new StateReader(state, 'perceptron');
    const { task, dim, classes } = readShape(s);
    const model = new Perceptron(task, dim, classes);
    model.readWeights(s);
    return model;
  }
}

export const perceptron: LearnerEntry = {
  name: 'perceptron',
  aliases: [],
  summary: "Rosenblatt's perceptron: learns only from mistakes; scikit-learn's Perceptron, row by row",
  tasks: ['classification'],
  input: 'dense',
  params: [],
  scaledTarget: false,
  create: (ctx) => new Perceptron(ctx.task, ctx.dim, ctx.classes),
  restore: (state) => Perceptron.restore(state),
};
