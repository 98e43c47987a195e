/**
 * Passive-aggressive learning (Crammer, Dekel, Keshet, Shalev-Shwartz and Singer, "Online
 * Passive-Aggressive Algorithms", JMLR 2006), on the dense layout. A row with a hinge loss
 * l = max(0, 1 - t (w·x + b)) > 0 moves the weights by tau t x and the bias by tau t, with
 * tau = min(C, l / |x|^2) (PA-I, the default) or l / (|x|^2 + 1/(2C)) (PA-II, --pa-variant 2);
 * |x|^2 leaves the bias out, and PA-I skips a row whose x is all zeros. That is scikit-learn's
 * PassiveAggressiveClassifier (defaults C = 1, hinge loss), which it reproduces row by row
 * (test/fixtures/sklearn). More than two classes one-vs-rest (see margin.ts).
 *
 * Regression: the epsilon-insensitive loss l = max(0, |y - w·x - b| - epsilon) and the same steps in
 * the direction of the error (scikit-learn's PassiveAggressiveRegressor, epsilon 0.1), on the target
 * standardized online (so epsilon is in standard deviations of the target).
 */
import { MarginModel, readShape, type MarginState } from './margin.js';
import type { LearnerEntry } from './registry.js';
import { StateReader } from './state-reader.js';
import type { LearnerState, Task } from './types.js';

export interface PaState extends MarginState {
  kind: 'pa';
  C: number;
  variant: number;
  epsilon: number;
}

export class PassiveAggressive extends MarginModel {
  readonly description: string;

  constructor(
    task: Task,
    dim: number,
    classes: number,
    private readonly C: number,
    private readonly variant: number,
    private readonly epsilon: number,
  ) {
    super(task, dim, classes);
    const eps = task === 'regression' ? `, epsilon=${epsilon}` : '';
    this.description = `pa(PA-${variant === 2 ? 'II' : 'I'}, C=${C}${eps})`;
  }

  protected update(h: number, x: Float64Array, offset: number, score: number, target: number): void {
    const regression = this.task === 'regression';
    const loss = regression ? Math.abs(target - score) - this.epsilon : 1 - target * score;
    const d = this._dim;
    let sq = 0;
    for (let j = 0; j < d; j++) sq += x[offset + j]! * x[offset + j]!;
    let tau: number;
    if (this.variant === 2) tau = (loss > 0 ? loss : 0) / (sq + 0.5 / this.C);
    else {
      if (sq === 0) return;
      tau = Math.min(this.C, (loss > 0 ? loss : 0) / sq);
    }
    if (tau === 0) return;
    const step = regression ? (target - score < 0 ? -tau : tau) : tau * target;
    const w = this.weights;
    const base = h * (d + 1);
    for (let j = 0; j < d; j++) w[base + j]! += step * x[offset + j]!;
    w[base + d]! += step;
  }

  state(): PaState {
    return { ...this.baseState(), kind: 'pa', C: this.C, variant: this.variant, epsilon: this.epsilon };
  }

  static restore(state: LearnerState): PassiveAggressive {
    const s = new StateReader(state, 'pa');
    const { task, dim, classes } = readShape(s);
    const C = s.num('C', { min: Number.MIN_VALUE });
    const model = new PassiveAggressive(task, dim, classes, C, s.oneOf('variant', [1, 2]), s.num('epsilon', { min: 0 }));
    model.readWeights(s);
    return model;
  }
}

export const pa: LearnerEntry = {
  name: 'pa',
  aliases: ['passive-aggressive'],
  summary: 'passive-aggressive (PA-I, PA-II): the smallest step that fixes the margin, capped by C; scikit-learn row by row',
  tasks: ['classification', 'regression'],
  input: 'dense',
  params: [
    { key: 'C', flag: '--C <c>', help: 'aggressiveness: the largest step (PA-I) or the slack penalty (PA-II)', default: 1, min: 0, minExclusive: true },
    { key: 'paVariant', flag: '--pa-variant <n>', help: '1 for PA-I, 2 for PA-II', default: 1, values: [1, 2] },
    { key: 'epsilon', flag: '--epsilon <e>', help: 'regression: errors within epsilon (standard deviations of the target) cost nothing', default: 0.1, min: 0 },
  ],
  scaledTarget: true,
  create: (ctx) => new PassiveAggressive(ctx.task, ctx.dim, ctx.classes, ctx.params['C'] as number, ctx.params['paVariant'] as number, ctx.params['epsilon'] as number),
  restore: (state) => PassiveAggressive.restore(state),
};
