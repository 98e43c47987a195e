/**
 * Per-class Gaussian estimators of one numeric attribute at a leaf (MOA's
 * GaussianNumericAttributeClassObserver, River's GaussianSplitter): each class keeps the weight,
 * mean and sum of squared deviations of the values it saw (West's weighted update) and their range.
 * Five numbers per estimator, in a Float64Array owned by the leaf, so learning allocates nothing.
 */
import { normalCdf } from './criteria.js';

export const G_WEIGHT = 0;
export const G_MEAN = 1;
export const G_M2 = 2;
export const G_MIN = 3;
export const G_MAX = 4;
/** Numbers per estimator. */
export const G_SIZE = 5;

/** Adds value with weight w to the estimator at g[at .. at+5). */
export function gaussianAdd(g: Float64Array, at: number, value: number, w: number): void {
  const before = g[at + G_WEIGHT]!;
  if (before === 0) {
    g[at + G_WEIGHT] = w;
    g[at + G_MEAN] = value;
    g[at + G_M2] = 0;
    g[at + G_MIN] = value;
    g[at + G_MAX] = value;
    return;
  }
  const total = before + w;
  const mean = g[at + G_MEAN]!;
  const next = mean + (w * (value - mean)) / total;
  g[at + G_WEIGHT] = total;
  g[at + G_MEAN] = next;
  g[at + G_M2] = g[at + G_M2]! + w * (value - mean) * (value - next);
  if (value < g[at + G_MIN]!) g[at + G_MIN] = value;
  if (value > g[at + G_MAX]!) g[at + G_MAX] = value;
}

/** The sample variance (weight - 1 in the denominator, as MOA's GaussianEstimator), 0 below weight 1. */
export function gaussianVariance(g: Float64Array, at: number): number {
  const w = g[at + G_WEIGHT]!;
  return w > 1 ? g[at + G_M2]! / (w - 1) : 0;
}

/** log of the estimator's normal density at value (-Infinity where it is 0, as for a point mass elsewhere). */
export function gaussianLogDensity(g: Float64Array, at: number, value: number): number {
  if (g[at + G_WEIGHT]! <= 0) return -Infinity;
  const mean = g[at + G_MEAN]!;
  const variance = gaussianVariance(g, at);
  if (!(variance > 0)) return value === mean ? 0 : -Infinity;
  const d = value - mean;
  return -(d * d) / (2 * variance) - 0.5 * Math.log(2 * Math.PI * variance);
}

/**
 * The weight of one class's values estimated to fall at or below `split` (the left branch of a
 * numeric test): all of it at or above the class's largest value, none below its smallest, the
 * normal CDF's share in between (River's GaussianSplitter).
 */
export function gaussianWeightBelow(g: Float64Array, at: number, split: number): number {
  const w = g[at + G_WEIGHT]!;
  if (w <= 0 || split < g[at + G_MIN]!) return 0;
  if (split >= g[at + G_MAX]!) return w;
  const sd = Math.sqrt(gaussianVariance(g, at));
  if (!(sd > 0)) return split >= g[at + G_MEAN]! ? w : 0;
  return w * normalCdf((split - g[at + G_MEAN]!) / sd);
}
