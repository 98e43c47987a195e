/**
 * The metric catalogue: every metric computed from counts (a confusion matrix, sums of errors), so
 * that a span of rows (an epoch, the whole stream, the last N rows, a faded history) is summarized by
 * its counts alone and the metrics are computed when they are asked for, not per row.
 * Definitions follow scikit-learn's `sklearn.metrics` (checked against it in test/eval-sklearn.test.ts)
 * and are listed in docs/metrics.md.
 */

/** Counts of classified rows. Cells may be weights (fading factors), not only integers. */
export interface ClassCounts {
  /** Rows (or their total weight) scored, rows with a class the model has never seen included. */
  n: number;
  /** Classes: cm is k x k, row = true class, column = predicted class. */
  k: number;
  cm: ArrayLike<number>;
  /** Sum of the rows' log losses. */
  lossSum: number;
  /** Rows the baselines got right, when they are kept (else NaN). */
  majorityCorrect: number;
  noChangeCorrect: number;
}

/** Sums over regression rows (weights allowed). */
export interface RegressionCounts {
  n: number;
  sqSum: number;
  absSum: number;
  /** Sum of |error| / |target|, over rows whose target is not 0. */
  apeSum: number;
  /** Rows whose target is 0 (MAPE is not defined then). */
  zeroTargets: number;
  /** Sum of squared deviations of the targets from their mean (the total sum of squares). */
  sst: number;
}

export type MetricValues = Record<string, number | null>;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A confusion matrix whose classes grow as they arrive (row = true class, column = predicted). Its
 * cells are laid out with a stride that doubles, so that a new class costs a copy only when the
 * stride is outgrown: widening by one class at a time (a class first seen on every row) copied the
 * whole matrix each time, cubic in the classes (5 s of CPU at 1,000 classes).
 */
export class ConfusionMatrix {
  k = 0;
  private stride = 0;
  private cells = new Float64Array(0);

  add(y: number, predicted: number, weight: number): void {
    if (y >= this.k || predicted >= this.k) this.grow(Math.max(y, predicted) + 1);
    this.cells[y * this.stride + predicted]! += weight;
  }

  grow(k: number): void {
    if (k <= this.k) return;
    if (k > this.stride) {
      const stride = Math.max(k, 2 * this.stride);
      const cells = new Float64Array(stride * stride);
      for (let i = 0; i < this.k; i++) cells.set(this.cells.subarray(i * this.stride, i * this.stride + this.k), i * stride);
      this.cells = cells;
      this.stride = stride;
    }
    this.k = k;
  }

  /** The k x k counts, row after row. */
  counts(): Float64Array {
    if (this.stride === this.k) return this.cells;
    const out = new Float64Array(this.k * this.k);
    for (let i = 0; i < this.k; i++) out.set(this.cells.subarray(i * this.stride, i * this.stride + this.k), i * this.k);
    return out;
  }

  scale(s: number): void {
    for (let i = 0; i < this.cells.length; i++) this.cells[i]! *= s;
  }

  /** Replaces the counts with k x k ones, row after row (a checkpoint's). */
  restore(k: number, counts: ArrayLike<number>): void {
    this.k = k;
    this.stride = k;
    this.cells = Float64Array.from(counts);
  }
}

/** Cohen's kappa-like score of an accuracy against a baseline's: (p - pb) / (1 - pb). */
function kappaAgainst(p: number, baseline: number): number {
  return baseline === 1 ? NaN : (p - baseline) / (1 - baseline);
}

/** The confusion matrix's row sums (rows of each true class) and column sums (predictions of each class). */
function margins(c: ClassCounts): { rows: Float64Array; cols: Float64Array } {
  const { k, cm } = c;
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rows[i]! += cm[i * k + j]!;
      cols[j]! += cm[i * k + j]!;
    }
  }
  return { rows, cols };
}

/**
 * Writes the classification catalogue into `out`, each name prefixed by `prefix`: accuracy is left
 * to the caller (the existing field), log loss is `loss`. `baselines`: the counts have the
 * baselines' right answers (kappa-M, kappa-T and the baselines' accuracies are written).
 */
export function classificationMetrics(c: ClassCounts, prefix: string, out: MetricValues, baselines = true): void {
  const { k, cm, n } = c;
  let total = 0;
  let trace = 0;
  let recallSum = 0;
  let recallClasses = 0;
  let f1Sum = 0;
  let f1Classes = 0;
  let rowCol = 0;
  let rowSq = 0;
  let colSq = 0;
  const { rows, cols } = margins(c);
  for (let i = 0; i < k; i++) {
    const row = rows[i]!;
    const col = cols[i]!;
    const tp = cm[i * k + i]!;
    total += row;
    trace += tp;
    if (row > 0) {
      recallSum += tp / row;
      recallClasses++;
    }
    if (row > 0 || col > 0) {
      f1Sum += (2 * tp) / (row + col);
      f1Classes++;
    }
    rowCol += row * col;
    rowSq += row * row;
    colSq += col * col;
  }
  const p0 = trace / total;
  const pe = rowCol / (total * total);
  // Matthews correlation, multiclass form (Gorodkin 2004), equal to the binary MCC for two classes.
  const cov = trace * total - rowCol;
  const denom = Math.sqrt(total * total - colSq) * Math.sqrt(total * total - rowSq);
  out[`${prefix}balanced_accuracy`] = finite(recallSum / recallClasses);
  out[`${prefix}f1_macro`] = finite(f1Sum / f1Classes);
  out[`${prefix}kappa`] = finite(pe === 1 ? NaN : (p0 - pe) / (1 - pe));
  out[`${prefix}mcc`] = total > 0 ? (denom === 0 ? 0 : cov / denom) : null;
  if (!baselines) return;
  const accuracy = trace / n;
  const majority = c.majorityCorrect / n;
  const noChange = c.noChangeCorrect / n;
  out[`${prefix}kappa_m`] = finite(kappaAgainst(accuracy, majority));
  out[`${prefix}kappa_t`] = finite(kappaAgainst(accuracy, noChange));
  out[`${prefix}majority_accuracy`] = finite(majority);
  out[`${prefix}no_change_accuracy`] = finite(noChange);
}

/** Per-class precision, recall, F1 and support, for the classes that appear (as truth or prediction). */
export function perClass(c: ClassCounts, classes: readonly string[]): Record<string, { precision: number; recall: number; f1: number; support: number }> {
  const { k, cm } = c;
  const { rows, cols } = margins(c);
  const out: Record<string, { precision: number; recall: number; f1: number; support: number }> = {};
  for (let i = 0; i < k; i++) {
    const row = rows[i]!;
    const col = cols[i]!;
    if (row === 0 && col === 0) continue;
    const tp = cm[i * k + i]!;
    out[classes[i] ?? String(i)] = { precision: col > 0 ? tp / col : 0, recall: row > 0 ? tp / row : 0, f1: (2 * tp) / (row + col), support: row };
  }
  return out;
}

/** The confusion matrix as rows of counts (row = true class, column = predicted), k x k (k >= c.k). */
export function confusionRows(c: ClassCounts, k = c.k): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < k; i++) rows.push(Array.from({ length: k }, (_, j) => (i < c.k && j < c.k ? c.cm[i * c.k + j]! : 0)));
  return rows;
}

/** Writes the regression catalogue (MSE is `loss`): mae, rmse, r2, mape. */
export function regressionMetrics(c: RegressionCounts, prefix: string, out: MetricValues): void {
  const { n } = c;
  const mse = c.sqSum / n;
  out[`${prefix}loss`] = finite(mse);
  out[`${prefix}mae`] = finite(c.absSum / n);
  out[`${prefix}rmse`] = finite(Math.sqrt(mse));
  out[`${prefix}r2`] = n > 0 && c.sst > 0 ? 1 - c.sqSum / c.sst : null;
  out[`${prefix}mape`] = n > 0 && c.zeroTargets === 0 ? c.apeSum / n : null;
}

/**
 * Exact ROC AUC of scores for the positive class: the probability that a random positive scores
 * above a random negative, ties counting one half (the Mann-Whitney statistic; sklearn's
 * roc_auc_score). `pos` and `neg` hold the scores and are sorted in place. NaN when a class is absent.
 */
export function rocAuc(pos: Float64Array, neg: Float64Array): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  pos.sort();
  neg.sort();
  // For each positive: negatives strictly below it, plus half those equal.
  let below = 0;
  let equalEnd = 0;
  let sum = 0;
  for (let i = 0; i < pos.length; i++) {
    const s = pos[i]!;
    while (below < neg.length && neg[below]! < s) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < neg.length && neg[equalEnd]! === s) equalEnd++;
    sum += below + (equalEnd - below) / 2;
  }
  return sum / (pos.length * neg.length);
}
