/**
 * Notices a learner whose predictions have run away: a prediction that is not a number, or (for
 * regression) one that lies farther from the targets seen so far than DIVERGENCE_FACTOR times their
 * spread. Diverging weights grow geometrically and stay diverged, so looking at one prediction per
 * batch of records finds them at no cost per row.
 */
import type { Task } from '../learners/types.js';

/** How many times the targets' spread a regression prediction may stray outside their range. */
export const DIVERGENCE_FACTOR = 1000;

/** The targets seen so far (regression): low > high while there are none. */
export interface TargetRange {
  low: number;
  high: number;
}

/**
 * Whether the prediction at p[at] (outputs numbers) has diverged; for regression, given the range
 * of the targets learned so far.
 */
export function diverged(task: Task, p: Float64Array, at: number, outputs: number, range: TargetRange): boolean {
  if (task === 'classification') {
    for (let k = 0; k < outputs; k++) if (!Number.isFinite(p[at + k]!)) return true;
    return false;
  }
  const v = p[at]!;
  if (!Number.isFinite(v)) return true;
  if (range.low > range.high) return false;
  const spread = Math.max(range.high - range.low, Math.abs(range.low), Math.abs(range.high), Number.MIN_VALUE);
  return v > range.high + DIVERGENCE_FACTOR * spread || v < range.low - DIVERGENCE_FACTOR * spread;
}

/** The warning's text: what was seen, and what to do about it. */
export function divergenceMessage(task: Task, prediction: number, range: TargetRange, learner: string): string {
  const seen =
    task === 'regression'
      ? `a prediction of ${prediction} for targets between ${range.low} and ${range.high}`
      : `class probabilities that are not numbers`;
  return `${learner} is diverging (${seen}): its steps are too large for this stream; lower --lr, or try --optimizer adagrad`;
}
