/**
 * `ht`: the Hoeffding tree classifier as a learner of the raw row layout (numeric values and
 * category codes). Defaults are MOA's and River's: grace period 200, split confidence 1e-7, tie
 * threshold 0.05, information gain, naive-Bayes-adaptive leaves, 10 candidate thresholds per
 * numeric attribute, River's 100 MiB memory limit.
 */
import type { Learner, LearnerState } from '../types.js';
import { Random } from '../../util/random.js';
import type { FeatureKind, LeafPrediction } from './nodes.js';
import { AdaptiveTree, type AdaptiveTreeState } from './hat.js';
import { HoeffdingTree, type SplitCriterion, type TreeOptions, type TreeState } from './tree.js';

export interface TreeFeature {
  name: string;
  kind: FeatureKind;
}

/** The growth flags of every tree learner (`--grace-period`, `--delta`, ...). */
export interface TreeFlags {
  gracePeriod: number;
  delta: number;
  tau: number;
  splitCriterion: SplitCriterion;
  leafPrediction: LeafPrediction;
  splitPoints: number;
  /** 0: unlimited. */
  maxDepth: number;
  /** MiB; 0: unlimited. */
  maxSize: number;
}

export const HT_DEFAULTS: TreeFlags = {
  gracePeriod: 200,
  delta: 1e-7,
  tau: 0.05,
  splitCriterion: 'info_gain',
  leafPrediction: 'nba',
  splitPoints: 10,
  maxDepth: 0,
  maxSize: 100,
};

const MIB = 1024 * 1024;

/** The options of a tree of these flags over these features; `subspace` attributes per leaf (0: all). */
export function treeOptions(features: readonly TreeFeature[], classes: number, flags: TreeFlags, subspace: number): TreeOptions {
  return {
      kinds: features.map((f) => f.kind),
      classes,
      gracePeriod: flags.gracePeriod,
      delta: flags.delta,
      tau: flags.tau,
      criterion: flags.splitCriterion,
      leafPrediction: flags.leafPrediction,
      splitPoints: flags.splitPoints,
      maxDepth: flags.maxDepth > 0 ? flags.maxDepth : null,
      subspace,
      maxBytes: flags.maxSize > 0 ? flags.maxSize * MIB : 0,
  };
}

export interface HtState extends LearnerState {
  kind: 'ht' | 'hat';
  features: TreeFeature[];
  tree: TreeState;
}

/** `ht`, and `hat` (the same learner over the adaptive tree). */
export class HoeffdingTreeLearner implements Learner {
  readonly input = 'raw' as const;
  readonly batchSize = 1;
  readonly dim: number;

  constructor(
    readonly kind: 'ht' | 'hat',
    readonly features: readonly TreeFeature[],
    readonly tree: HoeffdingTree,
  ) {
    this.dim = features.length;
  }

  static create(features: readonly TreeFeature[], classes: number, flags: TreeFlags, seed: number, kind: 'ht' | 'hat' = 'ht'): HoeffdingTreeLearner {
    const random = new Random(seed);
    const options = treeOptions(features, classes, flags, 0);
    return new HoeffdingTreeLearner(kind, features, kind === 'hat' ? new AdaptiveTree(options, random) : new HoeffdingTree(options, random));
  }

  get outputs(): number {
    return this.tree.outputs;
  }

  get description(): string {
    const p = this.tree.params;
    return `${this.kind}(grace=${p.gracePeriod}, delta=${p.delta}, tau=${p.tau}, ${p.criterion}, ${p.leafPrediction})`;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    const d = this.dim;
    const k = this.tree.outputs;
    for (let r = 0; r < rows; r++) this.tree.predictOne(x, r * d, out, r * k);
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    const d = this.dim;
    for (let r = 0; r < rows; r++) this.tree.learnOne(x, r * d, y[r]!, 1);
  }

  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    const d = this.dim;
    const k = this.tree.outputs;
    for (let r = 0; r < rows; r++) this.tree.predictAndLearnOne(x, r * d, y[r]!, 1, out, r * k);
  }

  grow(dim: number, classes: number): void {
    if (dim !== this.dim) throw new Error(`${this.kind}: the raw row has ${this.dim} features, not ${dim}`);
    this.tree.growClasses(classes);
  }

  memoryBytes(): number {
    return this.tree.memoryBytes();
  }

  state(): HtState {
    return { kind: this.kind, features: this.features.map((f) => ({ ...f })), tree: this.tree.state() };
  }

  static restore(state: HtState): HoeffdingTreeLearner {
    const tree = state.kind === 'hat' ? AdaptiveTree.restore(state.tree as AdaptiveTreeState) : HoeffdingTree.restore(state.tree);
    return new HoeffdingTreeLearner(state.kind, state.features, tree);
  }

  dispose(): void {}
}
