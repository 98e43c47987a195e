/**
 * The evaluation stage: fed (prediction, truth) pairs, it knows nothing of parsing or learners.
 * An Evaluator scores the rows of one span (an epoch, a held-out set) into a Tally, optionally also
 * into a running total over the whole stream (the cumulative metrics of checkpointed runs), and tells
 * the stream-level state (baselines, rolling window, drift detector) of each row.
 */
import type { Task } from '../learners/types.js';
import type { MetricValues } from './catalogue.js';
import type { PredictionSample } from './sample.js';
import type { StreamEvaluation } from './stream.js';
import { Tally, type TallyState } from './tally.js';

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

/** The headline metrics of a tally (the fields every version of the events had). */
export function headline(t: Tally): Metrics {
  const n = t.rows;
  if (t.task === 'regression') {
    const mse = n > 0 ? t.lossSum / n : NaN;
    return { rows: n, loss: mse, mae: n > 0 ? t.absSum / n : NaN, rmse: Math.sqrt(mse) };
  }
  return { rows: n, loss: n > 0 ? t.lossSum / n : NaN, accuracy: n > 0 ? t.correct / n : NaN };
}

export class Evaluator {
  readonly tally: Tally;

  constructor(
    readonly task: Task,
    /** The stream's baselines, window and detector; null for held-out rows and plain scoring. */
    readonly stream: StreamEvaluation | null = null,
    /** A running total the rows are also added to (every row of the stream, across a resume). */
    readonly total: Tally | null = null,
    /** Regression: a sample of the (prediction, truth) pairs, kept across epochs. */
    readonly sample: PredictionSample | null = null,
  ) {
    this.tally = new Tally(task, stream !== null);
  }

  /**
   * Scores one prediction: `p` holds `outputs` class probabilities starting at `at` (or the value),
   * `y` the true class index (-1 for a class the model has never seen) or value.
   */
  add(p: Float64Array, at: number, outputs: number, y: number): void {
    if (this.task === 'regression') this.addValue(p[at]!, y);
    else this.addClass(p, at, outputs, y);
  }

  private addValue(prediction: number, y: number): void {
    const stream = this.stream;
    const err = prediction - y;
    this.tally.addValue(y, err);
    this.total?.addValue(y, err);
    this.sample?.add(prediction, y);
    if (stream !== null) stream.scoreValue(y, err);
  }

  private addClass(p: Float64Array, at: number, outputs: number, label: number): void {
    const stream = this.stream;
    // The class index arrives as a double (a Float64Array of targets): as a small integer, the
    // counts below index arrays and compare without conversions.
    const y = label | 0;
    // Ties go to the later class: a binary p(1) = 0.5 predicts 1, as p >= 0.5 does by convention.
    let best = 0;
    for (let k = 1; k < outputs; k++) if (p[at + k]! >= p[at + best]!) best = k;
    const py = y >= 0 && y < outputs ? p[at + y]! : 0;
    const loss = -Math.log(Math.max(py, PROBABILITY_FLOOR));
    const flags = stream !== null ? stream.scoreClass(y, best, loss, outputs > 1 ? p[at + 1]! : 0) : 0;
    this.tally.addClass(y, best, loss, flags);
    this.total?.addClass(y, best, loss, flags);
  }

  get count(): number {
    return this.tally.rows;
  }

  result(): Metrics {
    return headline(this.tally);
  }

  /** The whole catalogue of this span, and the stream's rolling metrics. */
  metrics(): MetricValues {
    const out = this.tally.metrics();
    this.stream?.metrics(out);
    return out;
  }

  reset(): void {
    this.tally.reset();
  }

  state(): TallyState {
    return this.tally.state();
  }

  restore(s: TallyState): void {
    this.tally.restore(s);
  }
}
