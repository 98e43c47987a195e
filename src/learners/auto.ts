/**
 * `auto`: a pool of learners, each run online on every row, and a prediction that mixes their class
 * probabilities (regression: their values) with weights from their recent errors (exponentially
 * weighted experts, "Hedge": Littlestone and Warmuth's weighted majority, 1994; Freund and
 * Schapire, 1997), so that a user need not know in advance which learner suits the stream.
 *
 * The pool: logistic regression at three learning rates, passive-aggressive, naive Bayes, a
 * Hoeffding tree and the no-change baseline, each with its own defaults (regression: the same
 * without naive Bayes, on the standardized target where the member's run alone has it).
 *
 * The mix, in two levels. First, "mixers": Hedges over the members, one per discount d (member m's
 * discounted loss E_m = sum over past rows t of d^(now - t) * loss_m(t), a window of about 1 / (1 - d)
 * rows; the loss is 1 for a miss, regression's the squared error in recent variances of the target, gives it
 * the weight w_m proportional to exp(-eta * E_m), and the Hedge predicts sum_m w_m p_m), and for
 * classification a stacked multinomial logistic regression whose inputs are the members' class
 * probabilities (Wolpert, 1992), learned by AdaGrad steps (Duchi, Hazan and Singer, 2011: each
 * weight's step divided by the root of its summed squared gradients, so that it learns fast from the
 * first rows and slows as it settles). Then one more Hedge over those mixers, on their own discounted
 * misses (regression: errors), makes the prediction; regression has no stack, and mixes the members'
 * predictions taken into the range of the targets learned. Every weight comes from rows already
 * learned only: a row's label is used after every member and mixer has predicted it.
 * docs/learners.md gives the measurements behind the pool and the rule.
 *
 * Rows: auto reads the raw layout (what naive Bayes, the tree and no-change read) and makes the
 * dense one (standardized numbers, one-hot categories) for the linear members itself, with the
 * featurizer's rule: each number standardized by the running mean and sd of the rows learned
 * before it (Welford), each category given the next one-hot slot when a learned row first has it.
 * With the default sampler that is the featurizer's dense row exactly (a missing number, which the
 * raw layout carries as the running mean, enters the member's statistics where the featurizer
 * leaves it out).
 */
import { standardDeviation } from '../features/featurizer.js';
import type { ModelConfig } from '../run/config.js';
import { arrayBytes, NUMBER_BYTES } from './memory.js';
import type { LearnerEntry, LearnerParams } from './registry.js';
import { ScaledTarget, type ScaledTargetState } from './scaled-target.js';
import { EarlierStateError, outputsFor, StateReader } from './state-reader.js';
import type { FeatureInfo, Learner, LearnerState, PoolWeight, Task } from './types.js';

/** One member of the pool: the learner, its own options, and for the linear ones the learning rate. */
interface PoolSpec {
  name: string;
  learner: string;
  lr?: number;
}

/** The pool of each task, in the order of every list (state, summary, inspect). */
export const POOLS: Record<Task, readonly PoolSpec[]> = {
  classification: [
    { name: 'linear(lr=0.01)', learner: 'linear', lr: 0.01 },
    { name: 'linear(lr=0.13)', learner: 'linear', lr: 0.13 },
    { name: 'linear(lr=1.5)', learner: 'linear', lr: 1.5 },
    { name: 'pa', learner: 'pa' },
    { name: 'nb', learner: 'nb' },
    { name: 'ht', learner: 'ht' },
    { name: 'no-change', learner: 'no-change' },
  ],
  // Regression: the linear models on the standardized target (their default rate is 0.01), no nb.
  regression: [
    { name: 'linear(lr=0.003)', learner: 'linear', lr: 0.003 },
    { name: 'linear(lr=0.01)', learner: 'linear', lr: 0.01 },
    { name: 'linear(lr=0.05)', learner: 'linear', lr: 0.05 },
    { name: 'pa', learner: 'pa' },
    { name: 'ht', learner: 'ht' },
    { name: 'no-change', learner: 'no-change' },
  ],
};

/**
 * The most a row can cost a member (regression, in variances of the target: an error of 1,000 sd):
 * a diverged member's weight falls to 0 within a row, and its error count stays a finite number.
 */
const MAX_LOSS = 1e6;

/**
 * The mixers of each task: the discounts of the Hedges over the members (windows of about 200 and
 * 2,000 rows), and whether the stacked logistic regression is one of them (classification only;
 * docs/learners.md).
 */
export const MIXERS: Record<Task, { decays: readonly number[]; stack: boolean }> = {
  classification: { decays: [0.995, 0.9995], stack: true },
  regression: { decays: [0.995, 0.9995], stack: false },
};

/**
 * The rate eta of every Hedge, the discount of the Hedge over the mixers, the stack's AdaGrad step
 * and the sum of squared gradients each of its weights starts from, and the fading factor of the
 * targets' variance regression's errors are measured in (docs/learners.md).
 */
export const AUTO_DEFAULTS = { eta: 1, mixerDecay: 0.999, stackRate: 0.5, stackSquares: 1, targetFading: 0.999 };

export interface AutoState extends LearnerState {
  kind: 'auto';
  task: Task;
  features: FeatureInfo[];
  classes: number;
  /** The discount of each Hedge over the members, the rate eta, the discount of the Hedge over the mixers. */
  decays: number[];
  eta: number;
  mixerDecay: number;
  /** The members' names (POOLS[task]) and states, in pool order. */
  pool: string[];
  members: LearnerState[];
  /** Per Hedge, per member: the discounted error count (Hedge h's of member m at h * members + m). */
  errors: number[];
  /**
   * The stacked logistic regression (null: none): its AdaGrad step, its weights, per class c a row of
   * members * classes inputs and a bias (c * (members * classes + 1) + m * classes + c'), and per
   * weight the sum of its squared gradients (from AUTO_DEFAULTS.stackSquares).
   */
  stackRate: number | null;
  stack: number[] | null;
  stackSquares: number[] | null;
  /** Per mixer (the Hedges, then the stack): the discounted error count. */
  mixerErrors: number[];
  /** Per member, then the stack: the rows it had the largest share of the mix. */
  chosen: number[];
  /** The dense row of the linear members: per numeric feature the rows learned, mean and squared deviations. */
  count: number[];
  mean: number[];
  m2: number[];
  /** Its width, and per categorical feature the one-hot slot of each category code (-1: not given one yet). */
  denseDim: number;
  slots: number[][];
  /**
   * Regression: the targets learned: their count, then their weight, mean and squared deviations
   * discounted by AUTO_DEFAULTS.targetFading (the errors are in units of that recent variance).
   */
  targetStats: [number, number, number, number];
  /** Regression: the least and the largest target learned (null before the first, and for classification). */
  targetRange: [number, number] | null;
}

/** The run's model flags as the members take them: plain sgd at their own rate, no L2. */
const MEMBER_MODEL: ModelConfig = { model: 'linear', optimizer: 'sgd', l2: 0, batchSize: 1, hidden: [], activation: 'relu' };

/** The registry's entry of a learner, by name (given by the registry: it lists auto itself). */
export type EntryOf = (name: string) => LearnerEntry;

function synchronous(learner: Learner | Promise<Learner>): Learner {
  if (learner instanceof Promise) throw new Error('auto: the pool takes synchronous learners only');
  return learner;
}

/** A member as its run alone has it: on the standardized target when its entry says so (regression). */
function wrapped(entry: LearnerEntry, task: Task, learner: Learner): Learner {
  return entry.scaledTarget && task === 'regression' ? new ScaledTarget(learner) : learner;
}

function defaultParams(entry: LearnerEntry): LearnerParams {
  const params: LearnerParams = {};
  for (const p of entry.params) params[p.key] = p.default;
  return params;
}

export class AutoLearner implements Learner {
  readonly input = 'raw' as const;
  readonly batchSize = 1;
  readonly dim: number;
  private classes: number;
  private readonly numeric: number;
  private readonly categorical: number;
  /** Which members read the dense row the learner makes (the others read the raw row). */
  private readonly dense: boolean[];
  /** Per Hedge h, per member m at h * members + m: the discounted errors, and exp(-eta * (E_m - min E)) normalized, the weights. */
  private readonly errors: Float64Array;
  private readonly weights: Float64Array;
  /** The stack's weights (empty: no stack), their summed squared gradients, and its input row. */
  private stack: Float64Array;
  private stackSquares: Float64Array;
  private stackIn: Float64Array;
  /** Per mixer (the Hedges, then the stack): its prediction, discounted errors and weight in the mix. */
  private mixerOut: Float64Array[];
  private readonly mixerErrors: Float64Array;
  private readonly mixerWeights: Float64Array;
  /** Per member, then the stack: the rows it had the largest share of the mix. */
  private readonly chosen: Float64Array;
  /** Scratch: each member's and the stack's share of the mix (pool()). */
  private readonly shares: Float64Array;
  private readonly count: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private denseDim: number;
  private readonly slots: number[][];
  /** Regression: the targets' count, discounted weight, mean and squared deviations (targetStats), and their least and largest. */
  private readonly targets = new Float64Array(4);
  private readonly targetRange = Float64Array.of(Infinity, -Infinity);
  private readonly specs: readonly PoolSpec[];
  /** Scratch: the dense row, the raw row at offset 0, the target, and each member's prediction. */
  private row: Float64Array;
  private readonly rawRow: Float64Array;
  private readonly target = new Float64Array(1);
  private memberOut: Float64Array[];
  private scratch: Float64Array;

  private constructor(
    private readonly task: Task,
    private readonly features: FeatureInfo[],
    classes: number,
    private readonly decays: readonly number[],
    private readonly eta: number,
    private readonly mixerDecay: number,
    private readonly stackRate: number | null,
    private readonly members: Learner[],
    denseDim: number,
  ) {
    this.dim = features.length;
    this.specs = POOLS[task];
    this.classes = outputsFor(task, classes);
    this.numeric = features.filter((f) => f.kind === 'numeric').length;
    this.categorical = this.dim - this.numeric;
    this.dense = members.map((m) => (m.input ?? 'dense') === 'dense');
    const n = members.length;
    const hedges = decays.length;
    const stacked = stackRate === null ? 0 : 1;
    this.errors = new Float64Array(hedges * n);
    this.weights = new Float64Array(hedges * n);
    this.stack = new Float64Array(stacked * this.classes * (n * this.classes + 1));
    this.stackSquares = new Float64Array(this.stack.length).fill(AUTO_DEFAULTS.stackSquares);
    this.stackIn = new Float64Array(stacked * (n * this.classes + 1));
    this.mixerOut = Array.from({ length: hedges + stacked }, () => new Float64Array(this.classes));
    this.mixerErrors = new Float64Array(hedges + stacked);
    this.mixerWeights = new Float64Array(hedges + stacked);
    this.chosen = new Float64Array(n + stacked);
    this.shares = new Float64Array(n + stacked);
    this.count = new Float64Array(this.numeric);
    this.mean = new Float64Array(this.numeric);
    this.m2 = new Float64Array(this.numeric);
    this.denseDim = denseDim;
    this.slots = Array.from({ length: this.categorical }, () => []);
    this.row = new Float64Array(Math.max(1, denseDim));
    this.rawRow = new Float64Array(this.dim);
    this.memberOut = members.map(() => new Float64Array(this.classes));
    this.scratch = new Float64Array(this.classes);
    this.reweigh();
  }

  static create(task: Task, features: FeatureInfo[], classes: number, seed: number, entryOf: EntryOf): AutoLearner {
    const numeric = features.filter((f) => f.kind === 'numeric').length;
    const members = POOLS[task].map((spec) => {
      const entry = entryOf(spec.learner);
      const dense = entry.input === 'dense';
      const model = { ...MEMBER_MODEL, model: spec.learner, lr: spec.lr ?? 0 };
      return wrapped(entry, task, synchronous(entry.create({ task, dim: dense ? numeric : features.length, classes, seed, features, params: defaultParams(entry), model })));
    });
    const { decays, stack } = MIXERS[task];
    return new AutoLearner(task, features, classes, decays, AUTO_DEFAULTS.eta, AUTO_DEFAULTS.mixerDecay, stack ? AUTO_DEFAULTS.stackRate : null, members, numeric);
  }

  get outputs(): number {
    return this.classes;
  }

  get description(): string {
    const window = (d: number) => `~${Math.round(1 / (1 - d))}`;
    const hedges = `hedge${this.decays.length > 1 ? 's' : ''} over the last ${this.decays.map(window).join(', ')} rows' errors`;
    const rule = this.mixerErrors.length === 1 ? hedges : `${hedges}${this.stackRate === null ? '' : ` and a stacked logistic regression (AdaGrad step ${this.stackRate})`}, mixed by a hedge over the last ${window(this.mixerDecay)} rows' errors`;
    return `auto(${this.specs.map((p) => p.name).join(', ')}; ${rule}; eta=${this.eta})`;
  }

  /**
   * Writes the dense row of the raw row at x[offset..]: numbers standardized by the statistics so
   * far, the one-hot slots of the categories. `learn`: a category without a slot gets the next one
   * (the dense members grow first); otherwise it is left out, as the featurizer leaves out a
   * category it has not learned (a new slot's weights are 0: the scores are the same).
   */
  private encode(x: Float64Array, offset: number, learn: boolean): void {
    let row = this.row;
    const numeric = this.numeric;
    for (let j = 0; j < numeric; j++) {
      const sd = standardDeviation(this.count[j]!, this.m2[j]!);
      row[j] = sd > 0 ? (x[offset + j]! - this.mean[j]!) / sd : 0;
    }
    if (this.categorical === 0) return;
    row.fill(0, numeric, this.denseDim);
    for (let j = 0; j < this.categorical; j++) {
      const code = x[offset + numeric + j]!;
      if (code < 0) continue;
      const slots = this.slots[j]!;
      let slot = code < slots.length ? slots[code]! : -1;
      if (slot < 0) {
        if (!learn) continue;
        slot = this.addSlot(j, code);
        row = this.row;
      }
      row[slot] = 1;
    }
  }

  private addSlot(j: number, code: number): number {
    const slots = this.slots[j]!;
    while (slots.length <= code) slots.push(-1);
    const slot = this.denseDim++;
    slots[code] = slot;
    if (this.row.length < this.denseDim) {
      const row = new Float64Array(this.row.length * 2);
      row.set(this.row);
      this.row = row;
    }
    this.members.forEach((m, i) => {
      if (this.dense[i]) m.grow(this.denseDim, this.classes);
    });
    return slot;
  }

  /** Puts the members' predictions of the row encoded (and at rawRow) in memberOut. */
  private predictMembers(): void {
    const { members, memberOut } = this;
    for (let i = 0; i < members.length; i++) members[i]!.predict(this.dense[i] ? this.row : this.rawRow, 1, memberOut[i]!);
  }

  /** out[at..] = the mix of the predictions by the weights from `from` on (weights[from + i] for outs[i]). */
  private mix(outs: Float64Array[], weights: Float64Array, from: number, out: Float64Array, at: number): void {
    const k = this.classes;
    for (let c = 0; c < k; c++) out[at + c] = 0;
    for (let i = 0; i < outs.length; i++) {
      const w = weights[from + i]!;
      // A member whose predictions diverged (not numbers) has weight 0 and stays out of the mix.
      if (w === 0) continue;
      const p = outs[i]!;
      for (let c = 0; c < k; c++) out[at + c]! += w * p[c]!;
    }
  }

  /**
   * The mixers' predictions of the members' (in memberOut), and their mix at out[at..]. Regression
   * first takes each member's prediction outside the range of the targets learned (once there are
   * two) at the range's nearer end, as Vowpal Wabbit clips its predictions to the labels' range: a member whose
   * prediction runs away (pa or linear after a price spike) then costs the mix a bounded error, and
   * its own error count is that of the prediction the mix used (a NaN stays NaN and drops out).
   */
  private combine(out: Float64Array, at: number): void {
    const { memberOut, mixerOut, weights } = this;
    const n = memberOut.length;
    const [least, largest] = this.targetRange;
    // From the second target on, as the loss's variance: one target's range is a point.
    if (this.task === 'regression' && this.targets[0]! >= 2) {
      for (const p of memberOut) {
        if (p[0]! < least!) p[0] = least!;
        else if (p[0]! > largest!) p[0] = largest!;
      }
    }
    for (let h = 0; h < this.decays.length; h++) this.mix(memberOut, weights, h * n, mixerOut[h]!, 0);
    if (this.stackRate !== null) this.stacked(mixerOut[this.decays.length]!);
    this.mix(mixerOut, this.mixerWeights, 0, out, at);
  }

  /**
   * The stack's prediction into p: the softmax of its weights times its inputs, each member's class
   * probabilities less 1/k (0 for one that is not a number) and a bias; the inputs stay in stackIn.
   */
  private stacked(p: Float64Array): void {
    const k = this.classes;
    const { stack, stackIn, memberOut } = this;
    const width = stackIn.length;
    let j = 0;
    for (const q of memberOut) {
      for (let c = 0; c < k; c++) {
        const v = q[c]!;
        stackIn[j++] = v === v ? v - 1 / k : 0;
      }
    }
    stackIn[j] = 1;
    let top = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = 0;
      for (let i = 0, w = c * width; i < width; i++, w++) z += stack[w]! * stackIn[i]!;
      p[c] = z;
      if (z > top) top = z;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += p[c] = Math.exp(p[c]! - top);
    for (let c = 0; c < k; c++) p[c] = p[c]! / sum;
  }

  /** One AdaGrad step of the stack's log loss on the row of class y (its prediction and inputs as combine left them). */
  private learnStack(y: number): void {
    const k = this.classes;
    const { stack, stackSquares, stackIn } = this;
    const p = this.mixerOut[this.decays.length]!;
    const width = stackIn.length;
    const rate = this.stackRate!;
    for (let c = 0; c < k; c++) {
      const error = p[c]! - (c === y ? 1 : 0);
      for (let i = 0, w = c * width; i < width; i++, w++) {
        const g = error * stackIn[i]!;
        // An input of 0 (a member's 1/k) leaves its weight and sum as they are.
        if (g === 0) continue;
        const squares = (stackSquares[w] = stackSquares[w]! + g * g);
        stack[w] = stack[w]! - (rate * g) / Math.sqrt(squares);
      }
    }
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    const d = this.dim;
    const k = this.classes;
    for (let r = 0; r < rows; r++) {
      this.rawRow.set(x.subarray(r * d, (r + 1) * d));
      this.encode(this.rawRow, 0, false);
      this.predictMembers();
      this.combine(out, r * k);
    }
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    for (let r = 0; r < rows; r++) this.step(x, r * this.dim, y[r]!, this.scratch, 0);
  }

  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    const k = this.classes;
    for (let r = 0; r < rows; r++) this.step(x, r * this.dim, y[r]!, out, r * k);
  }

  /**
   * One row: every member predicts it (into memberOut) and learns it; the mix of the predictions,
   * with the weights of the rows before, goes to out[at..]; then the errors and weights take the row in.
   */
  private step(x: Float64Array, offset: number, y: number, out: Float64Array, at: number): void {
    const { members, memberOut } = this;
    const raw = this.rawRow;
    for (let j = 0; j < this.dim; j++) raw[j] = x[offset + j]!;
    this.encode(raw, 0, true);
    this.target[0] = y;
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      const input = this.dense[i] ? this.row : raw;
      if (m.predictAndLearn) m.predictAndLearn(input, this.target, 1, memberOut[i]!);
      else {
        m.predict(input, 1, memberOut[i]!);
        m.learn(input, this.target, 1);
      }
    }
    this.combine(out, at);
    this.learnStatistics(raw);
    this.score(y);
    if (this.task === 'regression') {
      faded(this.targets, y, AUTO_DEFAULTS.targetFading);
      if (y < this.targetRange[0]!) this.targetRange[0] = y;
      if (y > this.targetRange[1]!) this.targetRange[1] = y;
    }
  }

  /** The dense row's statistics take the row in (after it was encoded with those before it). */
  private learnStatistics(raw: Float64Array): void {
    for (let j = 0; j < this.numeric; j++) {
      const v = raw[j]!;
      const n = this.count[j]! + 1;
      const delta = v - this.mean[j]!;
      const mean = this.mean[j]! + delta / n;
      this.count[j] = n;
      this.mean[j] = mean;
      this.m2[j] = this.m2[j]! + delta * (v - mean);
    }
  }

  /**
   * A member's loss on the row: classification, 1 for a miss (another class more probable than y's),
   * else 0; regression, the squared error in units of the recent variance of the targets before it
   * (each weighing 0.999^age; 1 before two targets), so that eta means the same whatever the
   * target's scale, and a trend, which swells the variance since the first row, does not wash out
   * the members' differences.
   */
  private loss(p: Float64Array, y: number): number {
    if (this.task === 'regression') {
      const [count, weight, , m2] = this.targets;
      const variance = count! >= 2 && m2! > 0 ? m2! / weight! : 1;
      const d = p[0]! - y;
      const loss = (d * d) / variance;
      // A diverged member (an infinite or NaN prediction) loses as much as a row can cost.
      return loss < MAX_LOSS ? loss : MAX_LOSS;
    }
    let best = 0;
    for (let c = 1; c < this.classes; c++) if (p[c]! > p[best]!) best = c;
    return best === y ? 0 : 1;
  }

  /**
   * The row of target y (predicted by the weights of the rows before it) counts for whoever had
   * the largest share of the mix; the Hedges' and mixers' discounted losses take it in, the stack
   * learns it, then the new weights.
   */
  private score(y: number): void {
    const { errors, memberOut, mixerErrors, mixerOut, decays, chosen } = this;
    const n = memberOut.length;
    const shares = this.shares;
    let lead = 0;
    for (let i = 1; i < shares.length; i++) if (shares[i]! > shares[lead]!) lead = i;
    chosen[lead]!++;
    for (let i = 0; i < n; i++) {
      const loss = this.loss(memberOut[i]!, y);
      for (let h = 0; h < decays.length; h++) errors[h * n + i] = decays[h]! * errors[h * n + i]! + loss;
    }
    for (let x = 0; x < mixerErrors.length; x++) mixerErrors[x] = this.mixerDecay * mixerErrors[x]! + this.loss(mixerOut[x]!, y);
    if (this.stackRate !== null) this.learnStack(y);
    this.reweigh();
  }

  /**
   * Each Hedge's weights, and the mixers', from their errors; then each member's share of the mix
   * (its weight in each Hedge times the Hedge's), and the stack's.
   */
  private reweigh(): void {
    const { shares, weights, mixerWeights } = this;
    const n = this.memberOut.length;
    for (let h = 0; h < this.decays.length; h++) hedge(this.errors, weights, h * n, n, this.eta);
    hedge(this.mixerErrors, mixerWeights, 0, this.mixerErrors.length, this.eta);
    shares.fill(0);
    for (let h = 0; h < this.decays.length; h++) for (let i = 0; i < n; i++) shares[i]! += mixerWeights[h]! * weights[h * n + i]!;
    if (this.stackRate !== null) shares[n] = mixerWeights[this.decays.length]!;
  }

  grow(dim: number, classes: number): void {
    if (dim !== this.dim) throw new Error(`auto: the raw row has ${this.dim} features, not ${dim}`);
    const k = outputsFor(this.task, Math.max(this.classes, classes));
    this.members.forEach((m, i) => m.grow(this.dense[i] ? this.denseDim : this.dim, k));
    if (k === this.classes) return;
    if (this.stackRate !== null) this.growStack(k);
    this.classes = k;
    this.memberOut = this.members.map(() => new Float64Array(k));
    this.mixerOut = this.mixerOut.map(() => new Float64Array(k));
    this.scratch = new Float64Array(k);
  }

  /**
   * The stack's weights for k classes: each old weight (and its sum of squared gradients) where its
   * class and input now are, the new ones 0 (and the starting sum).
   */
  private growStack(k: number): void {
    const old = this.classes;
    const n = this.members.length;
    const from = n * old + 1;
    const width = n * k + 1;
    const regrown = (was: Float64Array, fill: number) => {
      const now = new Float64Array(k * width).fill(fill);
      for (let c = 0; c < old; c++) {
        for (let m = 0; m < n; m++) for (let c2 = 0; c2 < old; c2++) now[c * width + m * k + c2] = was[c * from + m * old + c2]!;
        now[c * width + n * k] = was[c * from + n * old]!;
      }
      return now;
    };
    this.stack = regrown(this.stack, 0);
    this.stackSquares = regrown(this.stackSquares, AUTO_DEFAULTS.stackSquares);
    this.stackIn = new Float64Array(width);
  }

  /** Its members' models, and its own statistics, errors and scratch rows. */
  memoryBytes(): number {
    let n = arrayBytes(this.errors, this.weights, this.stack, this.stackSquares, this.stackIn, this.mixerErrors, this.mixerWeights, this.chosen, this.shares);
    n += arrayBytes(this.count, this.mean, this.m2, this.targets, this.targetRange, this.row, this.rawRow, this.target, this.scratch, ...this.memberOut, ...this.mixerOut);
    for (const m of this.members) n += m.memoryBytes();
    for (const slots of this.slots) n += slots.length * NUMBER_BYTES;
    return n;
  }

  /** The pool, each member's share of the mix and how often it had the largest (then the stack's). */
  pool(): PoolWeight[] {
    const shares = this.shares;
    const names = this.specs.map((p) => p.name);
    if (this.stackRate !== null) names.push(STACK);
    return names.map((member, i) => ({ member, weight: shares[i]!, chosen: this.chosen[i]! }));
  }

  /** Async: a regression member's ScaledTarget gives its state as a promise. */
  async state(): Promise<AutoState> {
    const members = await Promise.all(this.members.map((m) => m.state()));
    return {
      kind: 'auto',
      task: this.task,
      features: this.features.map((f) => ({ name: f.name, kind: f.kind })),
      classes: this.classes,
      decays: [...this.decays],
      eta: this.eta,
      mixerDecay: this.mixerDecay,
      pool: this.specs.map((p) => p.name),
      members,
      errors: Array.from(this.errors),
      stackRate: this.stackRate,
      stack: this.stackRate === null ? null : Array.from(this.stack),
      stackSquares: this.stackRate === null ? null : Array.from(this.stackSquares),
      mixerErrors: Array.from(this.mixerErrors),
      chosen: Array.from(this.chosen),
      count: Array.from(this.count),
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
      denseDim: this.denseDim,
      slots: this.slots.map((s) => [...s]),
      targetStats: [this.targets[0]!, this.targets[1]!, this.targets[2]!, this.targets[3]!],
      targetRange: this.targetRange[0]! <= this.targetRange[1]! ? [this.targetRange[0]!, this.targetRange[1]!] : null,
    };
  }

  static restore(state: LearnerState, entryOf: EntryOf): AutoLearner {
    const s = new StateReader(state, 'auto');
    const task = s.task();
    const specs = POOLS[task];
    const features = readFeatures(state['features']);
    const classes = s.num('classes', { min: 1, integer: true });
    if (classes !== outputsFor(task, classes)) throw new Error(`classes: expected ${outputsFor(task, classes)} for ${task}, found ${classes}`);
    const pool = state['pool'];
    if (!Array.isArray(pool) || pool.length !== specs.length || pool.some((name, i) => name !== specs[i]!.name)) {
      throw new Error(`pool: expected ${specs.map((p) => p.name).join(', ')}`);
    }
    const states = state['members'];
    if (!Array.isArray(states) || states.length !== specs.length) throw new Error(`members: expected ${specs.length} states`);
    const numeric = features.filter((f) => f.kind === 'numeric').length;
    const denseDim = s.num('denseDim', { min: numeric, integer: true });
    const members = specs.map((spec, i) => {
      const entry = entryOf(spec.learner);
      const scaled = entry.scaledTarget && task === 'regression';
      const member = states[i] as LearnerState;
      const own = (scaled ? (member as Partial<ScaledTargetState> | null)?.inner : member) as LearnerState | undefined;
      if (own === null || typeof own !== 'object' || own.kind !== spec.learner) throw new Error(`members[${i}].kind: expected "${spec.learner}"${scaled ? ' inside "scaled-target"' : ''}`);
      try {
        const learner = synchronous(entry.restore(own, { model: { ...MEMBER_MODEL, model: spec.learner } }));
        return scaled ? restoreScaled(member, learner) : learner;
      } catch (err) {
        throw new Error(`members[${i}] (${spec.name}): ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const decays = state['decays'];
    if (!Array.isArray(decays) || decays.length === 0 || decays.some((d) => typeof d !== 'number' || !(d >= 0 && d <= 1))) throw new Error('decays: expected a list of numbers in [0, 1]');
    const rate = state['stackRate'];
    if (rate !== null && !(typeof rate === 'number' && rate > 0 && Number.isFinite(rate))) throw new Error('stackRate: expected null or a number above 0');
    const auto = new AutoLearner(task, features, classes, decays as number[], s.num('eta', { min: 0 }), s.num('mixerDecay', { min: 0, max: 1 }), rate, members, denseDim);
    members.forEach((m, i) => {
      const want = auto.dense[i] ? denseDim : features.length;
      if (m.dim !== want) throw new Error(`members[${i}] (${specs[i]!.name}): reads ${m.dim} numbers a row, expected ${want}`);
      if (m.outputs !== classes) throw new Error(`members[${i}] (${specs[i]!.name}): ${m.outputs} outputs, expected ${classes}`);
    });
    auto.errors.set(s.nums('errors', auto.errors.length, { min: 0 }));
    if (rate !== null) {
      if (state['stackSquares'] === undefined) throw new EarlierStateError("this auto was saved by an earlier inc-learn, whose stacked regression took plain SGD steps (it now takes AdaGrad's): train it again");
      auto.stack.set(s.nums('stack', auto.stack.length));
      auto.stackSquares.set(s.nums('stackSquares', auto.stackSquares.length, { min: AUTO_DEFAULTS.stackSquares }));
    } else if (state['stack'] !== null || (state['stackSquares'] ?? null) !== null) throw new Error('stack: expected null without stackRate');
    auto.mixerErrors.set(s.nums('mixerErrors', auto.mixerErrors.length, { min: 0 }));
    if (state['targetRange'] === undefined || state['targetStats'] === undefined) {
      throw new EarlierStateError("this auto was saved by an earlier inc-learn, whose mix weighed regression errors by the targets' variance since the first row and did not keep their range: train it again");
    }
    const [count, weight, mean, m2] = s.nums('targetStats', 4);
    if (!(Number.isInteger(count) && count! >= 0 && weight! >= 0 && m2! >= 0)) throw new Error('targetStats: expected a count, then a weight, a mean and squared deviations, the weight and deviations at least 0');
    auto.targets.set([count!, weight!, mean!, m2!]);
    const learnedTargets = task === 'regression' && auto.targets[0]! > 0;
    if (learnedTargets) {
      const [least, largest] = s.nums('targetRange', 2);
      if (!(least! <= largest!)) throw new Error('targetRange: expected the least target, then one at least as large');
      auto.targetRange.set([least!, largest!]);
    } else if (state['targetRange'] !== null) throw new Error(`targetRange: expected null ${task === 'regression' ? 'before the first target' : 'for classification'}`);
    auto.chosen.set(s.nums('chosen', auto.chosen.length, { min: 0, integer: true }));
    auto.count.set(s.nums('count', numeric, { min: 0, integer: true }));
    auto.mean.set(s.nums('mean', numeric));
    auto.m2.set(s.nums('m2', numeric, { min: 0 }));
    const slots = state['slots'];
    if (!Array.isArray(slots) || slots.length !== auto.categorical) throw new Error(`slots: expected ${auto.categorical} lists`);
    const taken = new Set<number>();
    slots.forEach((list: unknown, j) => {
      if (!Array.isArray(list)) throw new Error(`slots[${j}]: expected a list`);
      for (const slot of list as unknown[]) {
        const ok = slot === -1 || (Number.isInteger(slot) && (slot as number) >= numeric && (slot as number) < denseDim && !taken.has(slot as number));
        if (!ok) throw new Error(`slots[${j}]: expected -1 or a free slot in [${numeric}, ${denseDim}), found ${JSON.stringify(slot)}`);
        if (slot !== -1) taken.add(slot as number);
        auto.slots[j]!.push(slot as number);
      }
    });
    if (taken.size !== denseDim - numeric) throw new Error(`slots: ${taken.size} slots given, the dense row has ${denseDim - numeric}`);
    auto.reweigh();
    return auto;
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/** The stack's name in the pool's list (summary, inspect). */
const STACK = 'stacked';

/**
 * Past this, eta * (E - least E), a weight is 0: exp(-40) = 4e-18 of the leader's, below what a
 * double adds to it.
 */
const NEGLIGIBLE = 40;

/** weights[at..at+n) = exp(-eta * (errors - their least)), normalized (Hedge). */
function hedge(errors: Float64Array, weights: Float64Array, at: number, n: number, eta: number): void {
  let least = Infinity;
  for (let i = at; i < at + n; i++) if (errors[i]! < least) least = errors[i]!;
  let sum = 0;
  for (let i = at; i < at + n; i++) {
    const x = eta * (errors[i]! - least);
    sum += weights[i] = x < NEGLIGIBLE ? Math.exp(-x) : 0;
  }
  for (let i = at; i < at + n; i++) weights[i] = weights[i]! / sum;
}

/** A member's ScaledTarget wrapper, its statistics checked. */
function restoreScaled(state: LearnerState, inner: Learner): Learner {
  const s = new StateReader(state, 'scaled-target');
  s.num('count', { min: 0, integer: true });
  s.num('mean');
  s.num('m2', { min: 0 });
  return ScaledTarget.restore(state as ScaledTargetState, inner);
}

/**
 * Adds v to stats = [count, weight, mean, m2], the weight, mean and squared deviations discounted by
 * the fading factor f (each value weighs f^age): West's weighted update, 1979.
 */
function faded(stats: Float64Array, v: number, f: number): void {
  const weight = f * stats[1]! + 1;
  const delta = v - stats[2]!;
  const mean = stats[2]! + delta / weight;
  stats[0] = stats[0]! + 1;
  stats[1] = weight;
  stats[2] = mean;
  stats[3] = f * stats[3]! + delta * (v - mean);
}

function readFeatures(v: unknown): FeatureInfo[] {
  if (!Array.isArray(v)) throw new Error('features: expected a list');
  return v.map((f: unknown, i) => {
    const { name, kind } = (f ?? {}) as { name?: unknown; kind?: unknown };
    if (typeof name !== 'string' || (kind !== 'numeric' && kind !== 'categorical')) throw new Error(`features[${i}]: expected {name, kind}`);
    return { name, kind };
  });
}

/** auto's registry entry; `entryOf` finds its members' entries. */
export function autoEntry(entryOf: EntryOf): LearnerEntry {
  return {
    name: 'auto',
    aliases: [],
    summary: 'a pool (linear at three rates, pa, nb, ht, no-change) run on every row, mixed by Hedges on their recent errors and (classification) a stacked logistic regression; regression too',
    tasks: ['classification', 'regression'],
    input: 'raw',
    params: [],
    scaledTarget: false,
    create: (ctx) => AutoLearner.create(ctx.task, ctx.features, ctx.classes, ctx.seed, entryOf),
    restore: (state) => AutoLearner.restore(state, entryOf),
  };
}
