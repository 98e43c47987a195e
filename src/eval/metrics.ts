/**
 * Running metrics over predictions: log loss and accuracy for classification; squared error, absolute
 * error for regression. Plain counters, so an evaluator costs nothing per row but a few additions.
 */
import type { Task } from '../learners/types.js';

/** Probabilities are clipped here so that one confident mistake gives a large, finite loss. */
const PROBABILITY_FLOOR = 1e-15;

export interface ClassificationMetrics {
  rows: number;
  loss: number;
  accuracy: number;
}

export interface RegressionMetrics {
  rows: number;
  /** Mean squared error. */
  loss: number;
  mae: number;
  rmse: number;
}

export type Metrics = ClassificationMetrics | RegressionMetrics;

export class Evaluator {
  private rows = 0;
  private lossSum = 0;
  private correct = 0;
  private absSum = 0;

  constructor(readonly task: Task) {}

  /**
   * Scores one prediction: `p` holds `outputs` class probabilities starting at `at` (or the value),
   * `y` the true class index (-1 for a class the model has never seen) or value.
   */
  add(p: Float64Array, at: number, outputs: number, y: number): void {
    this.rows++;
    if (this.task === 'regression') {
      const err = p[at]! - y;
      this.lossSum += err * err;
      this.absSum += Math.abs(err);
      return;
    }
    // Ties go to the later class: a binary p(1) = 0.5 predicts 1, as p >= 0.5 does by convention.
    let best = 0;
    for (let k = 1; k < outputs; k++) if (p[at + k]! >= p[at + best]!) best = k;
    if (best === y) this.correct++;
    const py = y >= 0 && y < outputs ? p[at + y]! : 0;
    this.lossSum -= Math.log(Math.max(py, PROBABILITY_FLOOR));
  }

  get count(): number {
    return this.rows;
  }

  result(): Metrics {
    const n = this.rows;
    if (this.task === 'regression') {
      const mse = n > 0 ? this.lossSum / n : NaN;
      return { rows: n, loss: mse, mae: n > 0 ? this.absSum / n : NaN, rmse: Math.sqrt(mse) };
    }
    return { rows: n, loss: n > 0 ? this.lossSum / n : NaN, accuracy: n > 0 ? this.correct / n : NaN };
  }

  reset(): void {
    this.rows = 0;
    this.lossSum = 0;
    this.correct = 0;
    this.absSum = 0;
  }

  state(): { rows: number; lossSum: number; correct: number; absSum: number } {
    return { rows: this.rows, lossSum: this.lossSum, correct: this.correct, absSum: this.absSum };
  }

  restore(s: { rows: number; lossSum: number; correct: number; absSum: number }): void {
    this.rows = s.rows;
    this.lossSum = s.lossSum;
    this.correct = s.correct;
    this.absSum = s.absSum;
  }
}
