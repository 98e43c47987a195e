/**
 * What every per-row learner (the baselines, nb, knn, the margin models) does the same way: rows
 * predicted, learned, or predicted then learned one at a time, each at `dim` numbers in x.
 */
import type { Learner, LearnerState, RowLayout } from './types.js';

export abstract class PerRowLearner implements Learner {
  readonly batchSize = 1;
  readonly input: RowLayout = 'dense';
  abstract readonly description: string;
  abstract get dim(): number;
  abstract get outputs(): number;
  /** Writes the prediction of the row at x[offset..] to out[at..]. */
  protected abstract predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void;
  /** Learns the row at x[offset..] with target y. */
  protected abstract learnRow(x: Float64Array, offset: number, y: number): void;
  abstract grow(dim: number, classes: number): void;
  abstract state(): LearnerState;
  abstract memoryBytes(): number;

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    const d = this.dim;
    const k = this.outputs;
    for (let r = 0; r < rows; r++) this.predictRow(x, r * d, out, r * k);
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    const d = this.dim;
    for (let r = 0; r < rows; r++) this.learnRow(x, r * d, y[r]!);
  }

  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    const d = this.dim;
    const k = this.outputs;
    for (let r = 0; r < rows; r++) {
      this.predictRow(x, r * d, out, r * k);
      this.learnRow(x, r * d, y[r]!);
    }
  }

  dispose(): void {}
}
