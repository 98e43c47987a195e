/**
 * The recent past of a stream: every metric of the catalogue over the last N scored rows (`--window`),
 * or with a fading factor (`--fading`, MOA's FadingFactor evaluators). Both are O(1) per row and
 * allocate nothing per row: the window is a ring of typed arrays, its counts are updated by adding
 * the new row and taking out the one that leaves, and its floating sums are recomputed from the ring
 * each time it wraps (N rows), so their rounding never accumulates.
 */
import type { Task } from '../learners/types.js';
import { classificationMetrics, regressionMetrics, rocAuc, widenMatrix, type MetricValues } from './catalogue.js';
import { MAJORITY_RIGHT, NO_CHANGE_RIGHT } from './tally.js';

export interface Rolling {
  /** A classified row (see Tally.addClass), its log loss and p(class 1) (for the AUC of binary tasks). */
  addClass(y: number, predicted: number, flags: number, loss: number, score: number): void;
  /** A regression row: its target and error. */
  addValue(y: number, err: number): void;
  /** Writes the catalogue with the `rolling_` prefix (and `rolling_auc` for binary tasks over a window). */
  metrics(out: MetricValues): void;
  /** Rows in the window (or their total weight). */
  readonly size: number;
  /** The one number a progress bar shows: accuracy, or RMSE for regression. */
  headline(): number;
  state(): RollingState;
}

export interface RollingState {
  kind: 'window' | 'fading';
  /** window: capacity; fading: the factor. */
  param: number;
  /** The counts and sums, by name. */
  sums: Record<string, number>;
  k: number;
  cm: number[];
  /** window: the ring's slots 0..filled-1 as they are (next write at sums.pos), per field. */
  ring: Record<string, number[]>;
}

const PREFIX = 'rolling_';

export function createRolling(task: Task, kind: 'window' | 'fading', param: number): Rolling {
  return kind === 'window' ? new RollingWindow(task, param) : new Fading(task, param);
}

export function restoreRolling(task: Task, s: RollingState): Rolling {
  const r = s.kind === 'window' ? new RollingWindow(task, s.param) : new Fading(task, s.param);
  r.restore(s);
  return r;
}

/**
 * A window row's truth, prediction and flags packed in one integer: (y + 1) << 16 | predicted << 3 |
 * flags, with MODEL_RIGHT beside the baselines' bits. Targets have at most 1,000 classes (schema.ts),
 * well inside the 8,192 predicted classes and 32,767 truths this holds.
 */
const MODEL_RIGHT = 4;
const truthOf = (code: number): number => (code >>> 16) - 1;
const predictedOf = (code: number): number => (code >>> 3) & 0x1fff;

/**
 * The last `capacity` rows, exactly. A classified row is only written into the ring: its right
 * answers, confusion matrix and baselines' counts are counted from the ring when metrics are asked
 * for (O(N) per report), and so is its loss sum (see `anchor`). A regression row updates the sums.
 */
export class RollingWindow implements Rolling {
  private filled = 0;
  private pos = 0;
  /** Regression: the window's sum of squared errors (classification: see classLossSum()). */
  private lossSum = 0;
  // Classification ring.
  private readonly codes: Int32Array;
  private readonly losses: Float64Array;
  private readonly scores: Float64Array;
  /**
   * The classification loss sum is the one a running sum would hold: each row's loss added after the
   * loss of the row it replaces is taken out, and a fresh sum of the ring at each wrap (so rounding
   * never accumulates). It is replayed when asked for, from `anchor`, the sum at ring slot
   * `anchorPos` (at the last wrap, or as restored), with `replaced` holding the losses the slots
   * held before this round wrote them (taken out only when the ring was full at the anchor).
   */
  private anchor = 0;
  private anchorPos = 0;
  private anchorFull = false;
  private readonly replaced: Float64Array;
  // Regression ring and sums; targets are summed shifted by `shift` (the window's mean at the last wrap).
  private readonly values: Float64Array;
  private readonly errors: Float64Array;
  private absSum = 0;
  private apeSum = 0;
  private zeroTargets = 0;
  private shift = 0;
  private ySum = 0;
  private ySq = 0;
  /** Scratch for the AUC: scores of the positive and negative rows. */
  private aucScratch: Float64Array | undefined;

  constructor(
    readonly task: Task,
    readonly capacity: number,
  ) {
    const classes = task === 'classification' ? capacity : 0;
    const values = task === 'regression' ? capacity : 0;
    this.codes = new Int32Array(classes);
    this.losses = new Float64Array(classes);
    this.scores = new Float64Array(classes);
    this.replaced = new Float64Array(classes);
    this.values = new Float64Array(values);
    this.errors = new Float64Array(values);
  }

  get size(): number {
    return this.filled;
  }

  addClass(y: number, predicted: number, flags: number, loss: number, score: number): void {
    const at = this.pos;
    this.codes[at] = ((y + 1) << 16) | (predicted << 3) | flags | (y === predicted ? MODEL_RIGHT : 0);
    this.losses[at] = loss;
    this.scores[at] = score;
    if (this.filled < this.capacity) this.filled++;
    if (++this.pos === this.capacity) this.wrapped();
  }

  /** The ring wrapped: the loss sum is summed afresh from it, the new anchor; its losses are the ones the next round replaces. */
  private wrapped(): void {
    this.pos = 0;
    let sum = 0;
    for (let i = 0; i < this.capacity; i++) sum += this.losses[i]!;
    this.anchor = sum;
    this.anchorPos = 0;
    this.anchorFull = true;
    this.replaced.set(this.losses);
  }

  /** The classification loss sum (see `anchor`): O(rows since the anchor). */
  private classLossSum(): number {
    const { losses, replaced } = this;
    let sum = this.anchor;
    for (let i = this.anchorPos; i < this.pos; i++) {
      if (this.anchorFull) sum -= replaced[i]!;
      sum += losses[i]!;
    }
    return sum;
  }

  /** Classification: the window's right answers. */
  private correct(): number {
    let right = 0;
    for (let i = 0; i < this.filled; i++) right += (this.codes[i]! & MODEL_RIGHT) >> 2;
    return right;
  }

  addValue(y: number, err: number): void {
    const at = this.pos;
    if (this.filled === this.capacity) {
      this.take(this.values[at]!, this.errors[at]!, -1);
    } else if (this.filled++ === 0) this.shift = y;
    this.values[at] = y;
    this.errors[at] = err;
    this.take(y, err, 1);
    if (++this.pos === this.capacity) {
      this.pos = 0;
      this.resum();
    }
  }

  /** Adds (sign 1) or removes (sign -1) a regression row's terms. */
  private take(y: number, err: number, sign: number): void {
    const abs = Math.abs(err);
    this.lossSum += sign * err * err;
    this.absSum += sign * abs;
    if (y === 0) this.zeroTargets += sign;
    else this.apeSum += (sign * abs) / Math.abs(y);
    const d = y - this.shift;
    this.ySum += sign * d;
    this.ySq += sign * d * d;
  }

  /** Recomputes the regression sums from the ring, shifting the targets by their mean. */
  private resum(): void {
    let mean = 0;
    for (let i = 0; i < this.filled; i++) mean += this.values[i]!;
    mean /= this.filled;
    this.shift = mean;
    this.lossSum = this.absSum = this.apeSum = this.zeroTargets = this.ySum = this.ySq = 0;
    for (let i = 0; i < this.filled; i++) this.take(this.values[i]!, this.errors[i]!, 1);
  }

  headline(): number {
    if (this.task === 'classification') return this.correct() / this.filled;
    return Math.sqrt(this.lossSum / this.filled);
  }

  metrics(out: MetricValues): void {
    const n = this.filled;
    if (this.task === 'regression') {
      const sst = n > 0 ? Math.max(0, this.ySq - (this.ySum * this.ySum) / n) : 0;
      regressionMetrics({ n, sqSum: this.lossSum, absSum: this.absSum, apeSum: this.apeSum, zeroTargets: this.zeroTargets, sst }, PREFIX, out);
      return;
    }
    const lossSum = this.classLossSum();
    out[`${PREFIX}loss`] = n > 0 ? lossSum / n : null;
    out[`${PREFIX}accuracy`] = n > 0 ? this.correct() / n : null;
    let k = 0;
    for (let i = 0; i < n; i++) k = Math.max(k, truthOf(this.codes[i]!) + 1, predictedOf(this.codes[i]!) + 1);
    const cm = new Float64Array(k * k);
    let majorityCorrect = 0;
    let noChangeCorrect = 0;
    for (let i = 0; i < n; i++) {
      const code = this.codes[i]!;
      const y = truthOf(code);
      if (y >= 0) cm[y * k + predictedOf(code)]!++;
      const f = code & 7;
      majorityCorrect += f & MAJORITY_RIGHT;
      noChangeCorrect += (f & NO_CHANGE_RIGHT) >> 1;
    }
    classificationMetrics({ n, k, cm, lossSum, majorityCorrect, noChangeCorrect }, PREFIX, out);
    if (k <= 2) out[`${PREFIX}auc`] = this.auc();
  }

  /** Exact ROC AUC of the window's rows, class 1 positive (null when one class is missing). */
  private auc(): number | null {
    const scratch = (this.aucScratch ??= new Float64Array(this.capacity));
    let positives = 0;
    let negatives = this.capacity;
    for (let i = 0; i < this.filled; i++) {
      const y = truthOf(this.codes[i]!);
      if (y === 1) scratch[positives++] = this.scores[i]!;
      else if (y === 0) scratch[--negatives] = this.scores[i]!;
    }
    const auc = rocAuc(scratch.subarray(0, positives), scratch.subarray(negatives));
    return Number.isFinite(auc) ? auc : null;
  }

  state(): RollingState {
    const f = this.filled;
    const classes = this.task === 'classification';
    const ring: Record<string, number[]> =
      classes
        ? {
            codes: Array.from(this.codes.subarray(0, f)),
            losses: Array.from(this.losses.subarray(0, f)),
            scores: Array.from(this.scores.subarray(0, f)),
          }
        : { values: Array.from(this.values.subarray(0, f)), errors: Array.from(this.errors.subarray(0, f)) };
    return {
      kind: 'window',
      param: this.capacity,
      sums: {
        filled: f,
        pos: this.pos,
        lossSum: classes ? this.classLossSum() : this.lossSum,
        correct: classes ? this.correct() : 0,
        absSum: this.absSum,
        apeSum: this.apeSum,
        zeroTargets: this.zeroTargets,
        shift: this.shift,
        ySum: this.ySum,
        ySq: this.ySq,
      },
      k: 0,
      cm: [],
      ring,
    };
  }

  restore(s: RollingState): void {
    const n = s.sums;
    this.filled = n['filled']!;
    this.pos = n['pos']!;
    this.lossSum = n['lossSum']!;
    this.absSum = n['absSum']!;
    this.apeSum = n['apeSum']!;
    this.zeroTargets = n['zeroTargets']!;
    this.shift = n['shift']!;
    this.ySum = n['ySum']!;
    this.ySq = n['ySq']!;
    const r = s.ring;
    if (this.task === 'classification') {
      this.codes.set(r['codes']!);
      this.losses.set(r['losses']!);
      this.scores.set(r['scores']!);
      // Replayed from here on as the running sum would have gone on.
      this.anchor = this.lossSum;
      this.anchorPos = this.pos;
      this.anchorFull = this.filled === this.capacity;
      this.replaced.set(this.losses);
    } else {
      this.values.set(r['values']!);
      this.errors.set(r['errors']!);
    }
  }
}

/**
 * Fading-factor metrics (Gama, Sebastião and Rodrigues 2013; MOA's FadingFactor evaluators): each
 * count is S = x + a S, the row before weighing a times the one after. Instead of multiplying every
 * count by a at each row, each new row weighs 1/a times the previous one; all weights are rescaled
 * when they grow large. No AUC (it needs the rows themselves).
 */
export class Fading implements Rolling {
  private weight = 1;
  private total = 0;
  private k = 0;
  private cm: Float64Array = new Float64Array(0);
  private lossSum = 0;
  private correct = 0;
  private majorityCorrect = 0;
  private noChangeCorrect = 0;
  private absSum = 0;
  private apeSum = 0;
  private zeroTargets = 0;
  private yMean = 0;
  private yM2 = 0;

  constructor(
    readonly task: Task,
    readonly factor: number,
  ) {}

  get size(): number {
    return this.total / this.weight;
  }

  addClass(y: number, predicted: number, flags: number, loss: number): void {
    const w = this.next();
    if (y >= 0) {
      if (y >= this.k || predicted >= this.k) this.grow(Math.max(y, predicted) + 1);
      this.cm[y * this.k + predicted]! += w;
    }
    if (y === predicted) this.correct += w;
    this.lossSum += w * loss;
    if (flags & MAJORITY_RIGHT) this.majorityCorrect += w;
    if (flags & NO_CHANGE_RIGHT) this.noChangeCorrect += w;
  }

  addValue(y: number, err: number): void {
    const w = this.next();
    const abs = Math.abs(err);
    this.lossSum += w * err * err;
    this.absSum += w * abs;
    if (y === 0) this.zeroTargets += w;
    else this.apeSum += (w * abs) / Math.abs(y);
    // West's weighted update of the targets' mean and squared deviations.
    const d = y - this.yMean;
    this.yMean += (d * w) / this.total;
    this.yM2 += w * d * (y - this.yMean);
  }

  /** The weight of the row being added (the total includes it). */
  private next(): number {
    if (this.total > 0) this.weight /= this.factor;
    if (this.weight > 1e100) this.rescale(1 / this.weight);
    this.total += this.weight;
    return this.weight;
  }

  private rescale(s: number): void {
    this.weight *= s;
    this.total *= s;
    for (let i = 0; i < this.cm.length; i++) this.cm[i]! *= s;
    this.lossSum *= s;
    this.correct *= s;
    this.majorityCorrect *= s;
    this.noChangeCorrect *= s;
    this.absSum *= s;
    this.apeSum *= s;
    this.zeroTargets *= s;
    this.yM2 *= s;
  }

  private grow(k: number): void {
    this.cm = widenMatrix(this.cm, this.k, k);
    this.k = k;
  }

  headline(): number {
    if (this.task === 'classification') return this.correct / this.total;
    return Math.sqrt(this.lossSum / this.total);
  }

  metrics(out: MetricValues): void {
    const n = this.total;
    if (this.task === 'regression') {
      regressionMetrics({ n, sqSum: this.lossSum, absSum: this.absSum, apeSum: this.apeSum, zeroTargets: this.zeroTargets, sst: this.yM2 }, PREFIX, out);
      return;
    }
    out[`${PREFIX}loss`] = n > 0 ? this.lossSum / n : null;
    out[`${PREFIX}accuracy`] = n > 0 ? this.correct / n : null;
    classificationMetrics({ n, k: this.k, cm: this.cm, lossSum: this.lossSum, majorityCorrect: this.majorityCorrect, noChangeCorrect: this.noChangeCorrect }, PREFIX, out);
  }

  state(): RollingState {
    return {
      kind: 'fading',
      param: this.factor,
      sums: {
        weight: this.weight,
        total: this.total,
        lossSum: this.lossSum,
        correct: this.correct,
        majorityCorrect: this.majorityCorrect,
        noChangeCorrect: this.noChangeCorrect,
        absSum: this.absSum,
        apeSum: this.apeSum,
        zeroTargets: this.zeroTargets,
        yMean: this.yMean,
        yM2: this.yM2,
      },
      k: this.k,
      cm: Array.from(this.cm),
      ring: {},
    };
  }

  restore(s: RollingState): void {
    const n = s.sums;
    this.weight = n['weight']!;
    this.total = n['total']!;
    this.lossSum = n['lossSum']!;
    this.correct = n['correct']!;
    this.majorityCorrect = n['majorityCorrect']!;
    this.noChangeCorrect = n['noChangeCorrect']!;
    this.absSum = n['absSum']!;
    this.apeSum = n['apeSum']!;
    this.zeroTargets = n['zeroTargets']!;
    this.yMean = n['yMean']!;
    this.yM2 = n['yM2']!;
    this.k = s.k;
    this.cm = Float64Array.from(s.cm);
  }
}
