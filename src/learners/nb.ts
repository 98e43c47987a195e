/**
 * Naive Bayes for classification on the raw layout: numeric features through a Gaussian per class
 * (running mean and variance, Welford), categorical features through their categories' counts per
 * class with add-one (Laplace) smoothing over the categories known so far, class priors from the
 * class counts. A class first seen mid-stream simply starts counting; a class not learned yet has
 * probability 0 (as in scikit-learn's GaussianNB, whose probabilities it reproduces, see below).
 *
 * Variance smoothing: each class's variance of feature j (the population variance, as
 * scikit-learn's) gets `--var-smoothing` times the variance of feature j over all rows learned so
 * far added. scikit-learn adds 1e-9 times the largest feature variance of the batch given to
 * partial_fit: one row at a time that is 0, and a class whose variance is 0 (one row so far, a
 * constant pixel) breaks every prediction (0.099 on digits). Per feature, the smoothing does not
 * depend on the features' scales. A feature whose smoothed variance is still 0 (constant so far)
 * tells nothing and is left out. Missing numbers are the running mean (the raw layout's imputation);
 * a missing or unknown category is left out.
 */
import type { LearnerEntry } from './registry.js';
import { arrayBytes } from './memory.js';
import { outputsFor, StateReader } from './state-reader.js';
import { PerRowLearner } from './per-row.js';
import type { FeatureInfo, LearnerState, Task } from './types.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface NbState extends LearnerState {
  kind: 'nb';
  task: Task;
  /** Numeric features (the first slots of the raw row); the others are categorical. */
  numeric: number;
  dim: number;
  classes: number;
  varSmoothing: number;
  rows: number;
  classCounts: number[];
  /** classes x numeric: per class, the running mean and sum of squared deviations of each numeric feature. */
  mean: number[];
  m2: number[];
  /** Over all rows learned: the mean and sum of squared deviations of each numeric feature. */
  allMean: number[];
  allM2: number[];
  /** Per categorical feature: the categories known (the largest code learned + 1), and the counts, code-major (code x classes). */
  categories: number[];
  counts: number[][];
  /** classes x categorical: rows of each class with a category in that feature. */
  present: number[];
}

export class NaiveBayes extends PerRowLearner {
  readonly input = 'raw' as const;
  readonly description: string;
  private readonly numeric: number;
  private readonly categorical: number;
  private classes: number;
  private rows = 0;
  private classCounts: Float64Array;
  private mean: Float64Array;
  private m2: Float64Array;
  private readonly allMean: Float64Array;
  private readonly allM2: Float64Array;
  private readonly categories: Float64Array;
  private counts: Float64Array[];
  private present: Float64Array;
  /** Scratch: the joint log likelihood of each class. */
  private jll: Float64Array;

  constructor(
    private readonly _dim: number,
    numeric: number,
    classes: number,
    private readonly varSmoothing: number,
  ) {
    super();
    this.numeric = numeric;
    this.categorical = _dim - numeric;
    this.classes = outputsFor('classification', classes);
    const k = this.classes;
    this.classCounts = new Float64Array(k);
    this.mean = new Float64Array(k * numeric);
    this.m2 = new Float64Array(k * numeric);
    this.allMean = new Float64Array(numeric);
    this.allM2 = new Float64Array(numeric);
    this.categories = new Float64Array(this.categorical);
    this.counts = Array.from({ length: this.categorical }, () => new Float64Array(4 * k));
    this.present = new Float64Array(k * this.categorical);
    this.jll = new Float64Array(k);
    this.description = `nb(gaussian + categorical, var-smoothing=${varSmoothing})`;
  }

  get dim(): number {
    return this._dim;
  }

  get outputs(): number {
    return this.classes;
  }


  protected predictRow(x: Float64Array, offset: number, out: Float64Array, at: number): void {
    const k = this.classes;
    if (this.rows === 0) {
      for (let c = 0; c < k; c++) out[at + c] = 1 / k;
      return;
    }
    const nNum = this.numeric;
    const jll = this.jll;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const nc = this.classCounts[c]!;
      if (nc === 0) {
        jll[c] = -Infinity;
        continue;
      }
      let s = Math.log(nc / this.rows);
      for (let j = 0; j < nNum; j++) {
        const variance = this.m2[c * nNum + j]! / nc + (this.varSmoothing * this.allM2[j]!) / this.rows;
        if (variance === 0) continue;
        const d = x[offset + j]! - this.mean[c * nNum + j]!;
        s -= 0.5 * (LOG_2PI + Math.log(variance)) + (0.5 * d * d) / variance;
      }
      for (let j = 0; j < this.categorical; j++) {
        const code = x[offset + nNum + j]!;
        if (code < 0) continue;
        const known = Math.max(this.categories[j]!, code + 1);
        const count = code < this.categories[j]! ? this.counts[j]![code * k + c]! : 0;
        s += Math.log((count + 1) / (this.present[c * this.categorical + j]! + known));
      }
      jll[c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[at + c] = Math.exp(jll[c]! - max);
    for (let c = 0; c < k; c++) out[at + c] = out[at + c]! / sum;
  }



  protected learnRow(x: Float64Array, offset: number, c: number): void {
    const nNum = this.numeric;
    const k = this.classes;
    const n = ++this.rows;
    const nc = ++this.classCounts[c]!;
    for (let j = 0; j < nNum; j++) {
      const v = x[offset + j]!;
      let d = v - this.allMean[j]!;
      this.allMean[j]! += d / n;
      this.allM2[j]! += d * (v - this.allMean[j]!);
      const i = c * nNum + j;
      d = v - this.mean[i]!;
      this.mean[i]! += d / nc;
      this.m2[i]! += d * (v - this.mean[i]!);
    }
    for (let j = 0; j < this.categorical; j++) {
      const code = x[offset + nNum + j]!;
      if (code < 0) continue;
      if (code >= this.categories[j]!) {
        this.categories[j] = code + 1;
        if ((code + 1) * k > this.counts[j]!.length) {
          const grown = new Float64Array(Math.max(2 * this.counts[j]!.length, (code + 1) * k));
          grown.set(this.counts[j]!);
          this.counts[j] = grown;
        }
      }
      this.counts[j]![code * k + c]!++;
      this.present[c * this.categorical + j]!++;
    }
  }

  grow(_dim: number, classes: number): void {
    if (classes <= this.classes) return;
    const from = this.classes;
    const k = classes;
    const nNum = this.numeric;
    const nCat = this.categorical;
    const widen = (a: Float64Array, per: number): Float64Array => {
      const b = new Float64Array(k * per);
      b.set(a.subarray(0, from * per));
      return b;
    };
    this.classCounts = widen(this.classCounts, 1);
    this.mean = widen(this.mean, nNum);
    this.m2 = widen(this.m2, nNum);
    this.present = widen(this.present, nCat);
    this.counts = this.counts.map((old, j) => {
      const codes = this.categories[j]!;
      const b = new Float64Array(Math.max(4, codes) * k);
      for (let code = 0; code < codes; code++) b.set(old.subarray(code * from, (code + 1) * from), code * k);
      return b;
    });
    this.classes = k;
    this.jll = new Float64Array(k);
  }

  memoryBytes(): number {
    return arrayBytes(this.classCounts, this.mean, this.m2, this.allMean, this.allM2, this.categories, this.present, this.jll, ...this.counts);
  }

  state(): NbState {
    const k = this.classes;
    return {
      kind: 'nb',
      task: 'classification',
      numeric: this.numeric,
      dim: this._dim,
      classes: k,
      varSmoothing: this.varSmoothing,
      rows: this.rows,
      classCounts: Array.from(this.classCounts),
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
      allMean: Array.from(this.allMean),
      allM2: Array.from(this.allM2),
      categories: Array.from(this.categories),
      counts: this.counts.map((c, j) => Array.from(c.subarray(0, this.categories[j]! * k))),
      present: Array.from(this.present),
    };
  }

  static restore(state: LearnerState): NaiveBayes {
    const s = new StateReader(state, 'nb');
    s.oneOf('task', ['classification'] as const);
    const dim = s.num('dim', { min: 0, integer: true });
    const numeric = s.num('numeric', { min: 0, max: dim, integer: true });
    const classes = s.num('classes', { min: 2, integer: true });
    const model = new NaiveBayes(dim, numeric, classes, s.num('varSmoothing', { min: 0 }));
    model.rows = s.num('rows', { min: 0, integer: true });
    model.classCounts.set(s.nums('classCounts', classes, { min: 0, integer: true }));
    if (model.classCounts.reduce((a, b) => a + b, 0) !== model.rows) throw new Error('classCounts: expected them to add up to rows');
    model.mean.set(s.nums('mean', classes * numeric));
    model.m2.set(s.nums('m2', classes * numeric, { min: 0 }));
    model.allMean.set(s.nums('allMean', numeric));
    model.allM2.set(s.nums('allM2', numeric, { min: 0 }));
    model.categories.set(s.nums('categories', dim - numeric, { min: 0, integer: true }));
    const counts = state['counts'];
    if (!Array.isArray(counts) || counts.length !== dim - numeric) throw new Error(`counts: expected ${dim - numeric} arrays`);
    model.counts = counts.map((_, j) => {
      const codes = model.categories[j]!;
      const c = new StateReader({ kind: 'nb', counts: counts[j] }, 'nb').nums('counts', codes * classes, { min: 0, integer: true });
      const b = new Float64Array(Math.max(4, codes) * classes);
      b.set(c);
      return b;
    });
    model.present.set(s.nums('present', classes * (dim - numeric), { min: 0, integer: true }));
    return model;
  }

}

/** The number of numeric features: they come first in the raw layout. */
function numericCount(features: readonly FeatureInfo[]): number {
  return features.filter((f) => f.kind === 'numeric').length;
}

export const nb: LearnerEntry = {
  name: 'nb',
  aliases: ['naive-bayes', 'gaussiannb'],
  summary: 'naive Bayes: a Gaussian per class for numbers, smoothed category counts per class for categories',
  tasks: ['classification'],
  input: 'raw',
  params: [
    { key: 'varSmoothing', flag: '--var-smoothing <s>', help: "added to each class's variance of a feature: this fraction of the feature's variance over all rows", default: 0.01, min: 0 },
  ],
  scaledTarget: false,
  create: (ctx) => new NaiveBayes(ctx.dim, numericCount(ctx.features), ctx.classes, ctx.params['varSmoothing'] as number),
  restore: (state) => NaiveBayes.restore(state),
};
