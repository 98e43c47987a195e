/**
 * The counts of one span of scored rows (an epoch, or every row of the stream): what the metric
 * catalogue is computed from. A few additions per row; the confusion matrix grows with the classes.
 */
import type { Task } from '../learners/types.js';
import { classificationMetrics, ConfusionMatrix, regressionMetrics, type ClassCounts, type MetricValues, type RegressionCounts } from './catalogue.js';

/** Bits of the `flags` argument: the baselines' predictions of the row were right. */
export const MAJORITY_RIGHT = 1;
export const NO_CHANGE_RIGHT = 2;

/** A Tally as plain data (checkpoints). The first four fields are the format's original ones. */
export interface TallyState {
  rows: number;
  lossSum: number;
  correct: number;
  absSum: number;
  /** Classification: the confusion matrix (k x k, row = truth) and the baselines' right answers. */
  k?: number;
  cm?: number[];
  majorityCorrect?: number;
  noChangeCorrect?: number;
  /** Regression: sum of |error|/|y| (y != 0), rows with y = 0, the targets' mean and squared deviations. */
  apeSum?: number;
  zeroTargets?: number;
  yMean?: number;
  yM2?: number;
}

export class Tally implements ClassCounts, RegressionCounts {
  rows = 0;
  lossSum = 0;
  correct = 0;
  absSum = 0;
  private readonly matrix = new ConfusionMatrix();
  majorityCorrect = 0;
  noChangeCorrect = 0;
  apeSum = 0;
  zeroTargets = 0;
  yMean = 0;
  yM2 = 0;

  /** `baselines`: whether the rows' baseline flags are given (not for held-out rows). */
  constructor(
    readonly task: Task,
    readonly baselines: boolean,
  ) {}

  get n(): number {
    return this.rows;
  }

  get k(): number {
    return this.matrix.k;
  }

  /** The confusion matrix, k x k (ClassCounts). */
  get cm(): Float64Array {
    return this.matrix.counts();
  }

  get sqSum(): number {
    return this.lossSum;
  }

  get sst(): number {
    return this.yM2;
  }

  /** A classified row: true class y (-1 for a class the model has never seen), predicted class, its log loss. */
  addClass(y: number, predicted: number, loss: number, flags: number): void {
    this.rows++;
    this.lossSum += loss;
    if (predicted === y) this.correct++;
    if (y >= 0) this.matrix.add(y, predicted, 1);
    this.majorityCorrect += flags & MAJORITY_RIGHT;
    this.noChangeCorrect += (flags & NO_CHANGE_RIGHT) >> 1;
  }

  /** A regression row: target y, error = prediction - y. */
  addValue(y: number, err: number): void {
    this.rows++;
    this.lossSum += err * err;
    const abs = Math.abs(err);
    this.absSum += abs;
    if (y === 0) this.zeroTargets++;
    else this.apeSum += abs / Math.abs(y);
    const d = y - this.yMean;
    this.yMean += d / this.rows;
    this.yM2 += d * (y - this.yMean);
  }

  /** Widens the confusion matrix to k classes, keeping the counts. */
  grow(k: number): void {
    this.matrix.grow(k);
  }

  /** The catalogue (loss, accuracy and the rest) under `prefix`. */
  metrics(prefix = ''): MetricValues {
    const out: MetricValues = {};
    const n = this.rows;
    if (this.task === 'regression') {
      regressionMetrics(this, prefix, out);
      return out;
    }
    out[`${prefix}loss`] = n > 0 ? this.lossSum / n : null;
    out[`${prefix}accuracy`] = n > 0 ? this.correct / n : null;
    classificationMetrics(this, prefix, out, this.baselines);
    return out;
  }

  reset(): void {
    this.restore({ rows: 0, lossSum: 0, correct: 0, absSum: 0 });
  }

  state(): TallyState {
    const base = { rows: this.rows, lossSum: this.lossSum, correct: this.correct, absSum: this.absSum };
    if (this.task === 'regression') return { ...base, apeSum: this.apeSum, zeroTargets: this.zeroTargets, yMean: this.yMean, yM2: this.yM2 };
    return { ...base, k: this.k, cm: Array.from(this.cm), majorityCorrect: this.majorityCorrect, noChangeCorrect: this.noChangeCorrect };
  }

  /** Takes a state; the fields a checkpoint from before the catalogue lacks start at 0. */
  restore(s: TallyState): void {
    this.rows = s.rows;
    this.lossSum = s.lossSum;
    this.correct = s.correct;
    this.absSum = s.absSum;
    this.matrix.restore(s.k ?? 0, s.cm ?? []);
    this.majorityCorrect = s.majorityCorrect ?? 0;
    this.noChangeCorrect = s.noChangeCorrect ?? 0;
    this.apeSum = s.apeSum ?? 0;
    this.zeroTargets = s.zeroTargets ?? 0;
    this.yMean = s.yMean ?? 0;
    this.yM2 = s.yM2 ?? 0;
  }

  /** The counts of two spans together (their sums; the targets' moments by Chan et al.'s formula). */
  static merge(task: Task, a: TallyState, b: TallyState): TallyState {
    const t = new Tally(task, true);
    t.restore(a);
    const o = new Tally(task, true);
    o.restore(b);
    const counts = o.cm;
    for (let i = 0; i < o.k; i++) for (let j = 0; j < o.k; j++) t.matrix.add(i, j, counts[i * o.k + j]!);
    const n = t.rows + o.rows;
    if (n > 0) {
      const d = o.yMean - t.yMean;
      t.yM2 += o.yM2 + (d * d * t.rows * o.rows) / n;
      t.yMean += (d * o.rows) / n;
    }
    t.rows = n;
    t.lossSum += o.lossSum;
    t.correct += o.correct;
    t.absSum += o.absSum;
    t.majorityCorrect += o.majorityCorrect;
    t.noChangeCorrect += o.noChangeCorrect;
    t.apeSum += o.apeSum;
    t.zeroTargets += o.zeroTargets;
    return t.state();
  }
}
