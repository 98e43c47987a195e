/**
 * The statistics a Hoeffding tree decides with: the Hoeffding bound, the split criteria (information
 * gain, Gini) over class distributions, and the normal distribution the numeric observers use.
 * Domingos and Hulten, "Mining high-speed data streams", KDD 2000; criteria as in MOA's
 * InfoGainSplitCriterion and GiniSplitCriterion (min branch fraction 0.01 for information gain).
 */

/**
 * The Hoeffding bound: with probability 1 - delta, the mean of n observations of a variable of range R
 * is within epsilon = sqrt(R^2 ln(1/delta) / (2n)) of its true mean.
 */
export function hoeffdingBound(range: number, delta: number, n: number): number {
  return Math.sqrt((range * range * Math.log(1 / delta)) / (2 * n));
}

/** Entropy in bits of a distribution given as (unnormalized) weights dist[from .. from+length). */
export function entropy(dist: ArrayLike<number>, from = 0, length = dist.length - from): number {
  let total = 0;
  let sum = 0;
  for (let i = from; i < from + length; i++) {
    const w = dist[i]!;
    if (w > 0) {
      total += w;
      sum -= w * Math.log2(w);
    }
  }
  return total > 0 ? (sum + total * Math.log2(total)) / total : 0;
}

/** Gini impurity 1 - sum p_i^2 of weights dist[from .. from+length). */
export function gini(dist: ArrayLike<number>, from = 0, length = dist.length - from): number {
  let total = 0;
  let squares = 0;
  for (let i = from; i < from + length; i++) {
    const w = dist[i]!;
    total += w;
    squares += w * w;
  }
  return total > 0 ? 1 - squares / (total * total) : 0;
}

export type SplitCriterion = 'info_gain' | 'gini';

/** The merit ranges R of the Hoeffding bound: log2(classes) bits for information gain, 1 for Gini. */
export function meritRange(criterion: SplitCriterion, classes: number): number {
  return criterion === 'gini' ? 1 : Math.log2(Math.max(classes, 2));
}

/** Information gain and Gini need at least two branches with this fraction of the weight each. */
export const MIN_BRANCH_FRACTION = 0.01;

/**
 * The merit of splitting a node with class weights `pre` into branches whose class weights are
 * post[b*classes .. (b+1)*classes): the reduction in entropy (information gain) or in Gini impurity,
 * each branch weighted by its share. -Infinity when fewer than two branches hold MIN_BRANCH_FRACTION
 * of the weight (information gain only, as MOA).
 */
export function splitMerit(criterion: SplitCriterion, pre: ArrayLike<number>, post: ArrayLike<number>, branches: number, classes: number): number {
  let total = 0;
  for (let c = 0; c < classes; c++) total += pre[c]!;
  if (total <= 0) return 0;
  return meritAfter(criterion, impurity(criterion, pre, classes), post, branches, classes);
}

/** Entropy or Gini impurity of the first `classes` weights. */
export function impurity(criterion: SplitCriterion, dist: ArrayLike<number>, classes: number): number {
  return criterion === 'gini' ? gini(dist, 0, classes) : entropy(dist, 0, classes);
}

/** splitMerit given the impurity before the split (computed once for all the candidates of a split attempt). */
export function meritAfter(criterion: SplitCriterion, before: number, post: ArrayLike<number>, branches: number, classes: number): number {
  let postTotal = 0;
  for (let i = 0; i < branches * classes; i++) postTotal += post[i]!;
  let weighted = 0;
  let big = 0;
  for (let b = 0; b < branches; b++) {
    let w = 0;
    for (let c = 0; c < classes; c++) w += post[b * classes + c]!;
    if (w > MIN_BRANCH_FRACTION * postTotal) big++;
    if (w > 0) weighted += (w / postTotal) * (criterion === 'gini' ? gini(post, b * classes, classes) : entropy(post, b * classes, classes));
  }
  if (criterion === 'info_gain' && big < 2) return -Infinity;
  return before - weighted;
}

/**
 * The standard normal cumulative distribution function, Phi(z) = (1 + erf(z / sqrt 2)) / 2, with erf
 * from its series of positive terms, erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*..*(2n+1)),
 * which loses no digits to cancellation (|error| < 1e-15).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  if (x > 6) return z > 0 ? 1 : 0;
  let term = x;
  let sum = x;
  const x2 = 2 * x * x;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
  }
  const erf = Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum);
  return z >= 0 ? 0.5 + 0.5 * erf : 0.5 - 0.5 * erf;
}
