/**
 * `balanced`: online random under-sampling towards a target class distribution, after River's
 * imblearn.RandomUnderSampler (a discrete rejection sampler). With running counts o_k of the rows
 * seen (this one included) and target weights t_k, a row of class c is trained on with probability
 *
 *     (t_c / o_c) / max_k (t_k / o_k)        (max over the classes seen so far)
 *
 * so each class is trained on in proportion to its target weight and the rarest class (relative to
 * its target) is always kept. A class first seen mid-stream has a small count, becomes the kept class,
 * and the others are thinned until the trained ratio catches up. Targets: uniform by default, else
 * the weights given by class name; a class not named gets weight 1. Counts run on across epochs.
 */
import type { Random } from '../util/random.js';
import { checkpointError, readRandom } from './common.js';
import type { Sampler, TrainSink } from './types.js';

export class BalancedSampler implements Sampler {
  readonly description: string;
  /** Rows seen per class index (0 for indices not seen yet). */
  private counts: number[] = [];
  /** Target weight per class index, resolved by name the first time the class is seen. */
  private targets: number[] = [];

  constructor(
    private readonly random: Random,
    private readonly classWeights?: Map<string, number>,
    private readonly className?: (index: number) => string,
  ) {
    this.description = classWeights
      ? `balanced(${[...classWeights].map(([k, v]) => `${k}=${v}`).join(', ')})`
      : 'balanced(uniform)';
  }

  startEpoch(): void {}

  offer(x: Float64Array, _dim: number, y: number, train: TrainSink): void {
    if (!Number.isInteger(y) || y < 0) throw new Error(`balanced sampler: class index must be a non-negative integer, got ${y}`);
    const counts = this.counts;
    const targets = this.targets;
    while (counts.length <= y) {
      const c = counts.length;
      counts.push(0);
      targets.push(this.targetOf(c));
    }
    counts[y]!++;
    let max = 0;
    for (let k = 0; k < counts.length; k++) {
      const o = counts[k]!;
      if (o > 0) {
        const r = targets[k]! / o;
        if (r > max) max = r;
      }
    }
    if (max === 0) return;
    const p = targets[y]! / counts[y]! / max;
    if (p >= 1 || this.random.next() < p) train(x, y);
  }

  endEpoch(): void {}

  state(): Record<string, unknown> {
    return { kind: 'balanced', counts: this.counts.slice(), random: this.random.state() };
  }

  static restore(
    state: Record<string, unknown>,
    classWeights?: Map<string, number>,
    className?: (index: number) => string,
  ): BalancedSampler {
    const s = new BalancedSampler(readRandom(state), classWeights, className);
    const counts = state['counts'];
    if (!Array.isArray(counts) || !counts.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
      throw checkpointError('"counts" must be an array of counts');
    }
    for (let c = 0; c < counts.length; c++) {
      s.counts.push(counts[c] as number);
      s.targets.push(s.targetOf(c));
    }
    return s;
  }

  private targetOf(index: number): number {
    if (!this.classWeights) return 1;
    if (!this.className) throw new Error('balanced sampler: classWeights needs className');
    return this.classWeights.get(this.className(index)) ?? 1;
  }
}
