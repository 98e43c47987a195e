/**
 * `arf`: the adaptive random forest classifier (Gomes et al., "Adaptive random forests for evolving
 * data stream classification", Machine Learning 106, 2017), as MOA's AdaptiveRandomForest runs it:
 * - each tree learns every row with a Poisson(lambda = 6) weight (online bagging; weight 0 skips it);
 * - each leaf of each tree watches a random subset of sqrt(M) + 1 attributes (M: attributes);
 * - each tree's prediction errors feed two ADWIN detectors: at a warning (delta 0.01) a background
 *   tree starts learning beside it, at a drift (delta 0.001) the background tree replaces it (or a
 *   fresh tree does, when there is none);
 * - the forest's vote sums each tree's class probabilities times its accuracy since it was made.
 * The trees are Hoeffding trees with MOA's ARF settings: grace period 50, split confidence 0.01,
 * tie threshold 0.05, naive-Bayes-adaptive leaves. A detector fires on a rise of the error only
 * (MOA's ADWINChangeDetector).
 */
import { Adwin, type AdwinState } from '../../eval/drift/adwin.js';
import { Random } from '../../util/random.js';
import type { Learner, LearnerState } from '../types.js';
import { treeOptions, type TreeFeature, type TreeFlags } from './ht.js';
import { HoeffdingTree, type TreeState } from './tree.js';

export interface ArfFlags extends TreeFlags {
  trees: number;
  lambda: number;
  /** Attributes per leaf; 0: round(sqrt(M)) + 1. */
  features: number;
  warningDelta: number;
  driftDelta: number;
}

export const ARF_DEFAULTS: ArfFlags = {
  trees: 10,
  lambda: 6,
  features: 0,
  warningDelta: 0.01,
  driftDelta: 0.001,
  gracePeriod: 50,
  delta: 0.01,
  tau: 0.05,
  splitCriterion: 'info_gain',
  leafPrediction: 'nba',
  splitPoints: 10,
  maxDepth: 0,
  // MOA's ARFHoeffdingTree -e 2000000 (bytes per tree).
  maxSize: 2,
};

/** Attributes each leaf watches: MOA's sqrt(M) + 1 (rounded), at most M. */
export function subspaceSize(flags: Pick<ArfFlags, 'features'>, m: number): number {
  const k = flags.features > 0 ? flags.features : Math.round(Math.sqrt(m)) + 1;
  return Math.min(k, m);
}

/** One member of the forest: its tree, its detectors, its accuracy since it was made, its background tree. */
class Member {
  correct = 0;
  seen = 0;
  warnings = 0;
  drifts = 0;
  /** Background trees swapped in at a drift. */
  swaps = 0;
  constructor(
    public tree: HoeffdingTree,
    public warning: Adwin,
    public drift: Adwin,
    public background: HoeffdingTree | null,
  ) {}

  /** The vote's weight: the accuracy so far (MOA scales a vote only once it is above 0). */
  get weight(): number {
    return this.correct > 0 ? this.correct / this.seen : 1;
  }
}

export interface ArfMemberState {
  tree: TreeState;
  background: TreeState | null;
  warning: AdwinState;
  drift: AdwinState;
  correct: number;
  seen: number;
  warnings: number;
  drifts: number;
  swaps: number;
}

export interface ArfState extends LearnerState {
  kind: 'arf';
  features: TreeFeature[];
  flags: ArfFlags;
  classes: number;
  random: number[];
  members: ArfMemberState[];
}

export class AdaptiveRandomForest implements Learner {
  readonly input = 'raw' as const;
  readonly batchSize = 1;
  readonly dim: number;
  private classes: number;
  private readonly members: Member[];
  /** Each tree's probabilities for the current row, trees * classes. */
  private votes: Float64Array;
  /** The forest's vote while learning without predicting. */
  private scratch: Float64Array;
  /** A tree's probabilities for the row once it has learned it. */
  private after: Float64Array;

  private constructor(
    readonly features: readonly TreeFeature[],
    readonly flags: ArfFlags,
    classes: number,
    private readonly random: Random,
    members: Member[] | null,
  ) {
    this.dim = features.length;
    this.classes = Math.max(2, classes);
    this.members = members ?? Array.from({ length: flags.trees }, () => new Member(this.newTree(), this.detector(flags.warningDelta), this.detector(flags.driftDelta), null));
    this.votes = new Float64Array(flags.trees * this.classes);
    this.scratch = new Float64Array(this.classes);
    this.after = new Float64Array(this.classes);
  }

  static create(features: readonly TreeFeature[], classes: number, flags: ArfFlags, seed: number): AdaptiveRandomForest {
    return new AdaptiveRandomForest(features, flags, classes, new Random(seed), null);
  }

  private newTree(): HoeffdingTree {
    return new HoeffdingTree(treeOptions(this.features, this.classes, this.flags, subspaceSize(this.flags, this.features.length)), this.random.fork());
  }

  private detector(delta: number): Adwin {
    return new Adwin({ delta });
  }

  get outputs(): number {
    return this.classes;
  }

  get description(): string {
    const f = this.flags;
    return `arf(trees=${f.trees}, lambda=${f.lambda}, features=${subspaceSize(f, this.dim)}, grace=${f.gracePeriod}, delta=${f.delta})`;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    for (let r = 0; r < rows; r++) this.vote(x, r * this.dim, -1, out, r * this.classes);
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    for (let r = 0; r < rows; r++) this.vote(x, r * this.dim, y[r]!, this.scratch, 0);
  }

  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    for (let r = 0; r < rows; r++) this.vote(x, r * this.dim, y[r]!, out, r * this.classes);
  }

  /**
   * The forest's vote for the row into out: each tree's probabilities times its weight, normalized.
   * With a class y (not -1) every tree is also trained on the row: it predicts and learns in one
   * pass (its prediction comes before its update), then its detectors get its error.
   */
  private vote(x: Float64Array, off: number, y: number, out: Float64Array, at: number): void {
    const k = this.classes;
    const votes = this.votes;
    for (let c = 0; c < k; c++) out[at + c] = 0;
    let total = 0;
    for (let t = 0; t < this.members.length; t++) {
      const member = this.members[t]!;
      const w = y < 0 ? 0 : this.random.poisson(this.flags.lambda);
      member.tree.predictAndLearnOne(x, off, y, w, votes, t * k);
      const weight = member.weight;
      let best = 0;
      for (let c = 0; c < k; c++) {
        const v = votes[t * k + c]!;
        out[at + c] = out[at + c]! + weight * v;
        if (v > votes[t * k + best]!) best = c;
      }
      total += weight;
      if (y < 0) continue;
      // The vote's weight counts every row, as predicted before learning it.
      member.seen++;
      if (best === y) member.correct++;
      if (w === 0) continue;
      member.background?.learnOne(x, off, y, w);
      // The detectors see only the rows the tree learned, and its error on each once it has learned
      // it (MOA's ARFBaseLearner.trainOnInstance, River's BaseForestMember.learn_one).
      const error = member.tree.classAfterLearning(x, off, this.after, 0) === y ? 0 : 1;
      if (rises(member.warning, error)) {
        member.warnings++;
        member.background = this.newTree();
        member.warning = this.detector(this.flags.warningDelta);
      }
      if (rises(member.drift, error)) {
        member.drifts++;
        if (member.background) member.swaps++;
        member.tree = member.background ?? this.newTree();
        member.background = null;
        member.warning = this.detector(this.flags.warningDelta);
        member.drift = this.detector(this.flags.driftDelta);
        member.correct = 0;
        member.seen = 0;
      }
    }
    for (let c = 0; c < k; c++) out[at + c] = out[at + c]! / total;
  }

  grow(dim: number, classes: number): void {
    if (dim !== this.dim) throw new Error(`arf: the raw row has ${this.dim} features, not ${dim}`);
    if (classes <= this.classes) return;
    this.classes = classes;
    this.votes = new Float64Array(this.members.length * classes);
    this.scratch = new Float64Array(classes);
    this.after = new Float64Array(classes);
    for (const member of this.members) {
      member.tree.growClasses(classes);
      member.background?.growClasses(classes);
    }
  }

  /** Every member's tree, background tree and detectors, and the forest's vote arrays. */
  memoryBytes(): number {
    let n = this.votes.byteLength + this.scratch.byteLength;
    for (const m of this.members) n += m.tree.memoryBytes() + (m.background?.memoryBytes() ?? 0) + m.warning.bytes + m.drift.bytes;
    return n;
  }

  state(): ArfState {
    return {
      kind: 'arf',
      features: this.features.map((f) => ({ ...f })),
      flags: { ...this.flags },
      classes: this.classes,
      random: this.random.state(),
      members: this.members.map((m) => ({
        tree: m.tree.state(),
        background: m.background ? m.background.state() : null,
        warning: m.warning.state(),
        drift: m.drift.state(),
        correct: m.correct,
        seen: m.seen,
        warnings: m.warnings,
        drifts: m.drifts,
        swaps: m.swaps,
      })),
    };
  }

  static restore(s: ArfState): AdaptiveRandomForest {
    if (s.members.length !== s.flags.trees) throw new Error(`arf state: ${s.members.length} trees, expected ${s.flags.trees}`);
    const members = s.members.map((m) => {
      const member = new Member(HoeffdingTree.restore(m.tree), Adwin.restore(m.warning), Adwin.restore(m.drift), m.background ? HoeffdingTree.restore(m.background) : null);
      member.correct = m.correct;
      member.seen = m.seen;
      member.warnings = m.warnings;
      member.drifts = m.drifts;
      member.swaps = m.swaps;
      return member;
    });
    return new AdaptiveRandomForest(s.features, s.flags, s.classes, Random.fromState(s.random), members);
  }

  /** Per tree: its shape, warnings, drifts and background trees swapped in, for `inspect`. */
  summary(): { trees: ReturnType<HoeffdingTree['summary']>[]; warnings: number; drifts: number; swaps: number; backgrounds: number } {
    return {
      trees: this.members.map((m) => m.tree.summary()),
      warnings: this.members.reduce((n, m) => n + m.warnings, 0),
      drifts: this.members.reduce((n, m) => n + m.drifts, 0),
      swaps: this.members.reduce((n, m) => n + m.swaps, 0),
      backgrounds: this.members.reduce((n, m) => n + (m.background ? 1 : 0), 0),
    };
  }

  dispose(): void {}
}

/** Feeds an error (0/1) to a detector; true when it cut its window and the error went up (MOA's ADWINChangeDetector). */
export function rises(detector: Adwin, error: number): boolean {
  const before = detector.estimation;
  return detector.update(error) && detector.estimation > before;
}
