/**
 * `ht` for regression: the Hoeffding tree regressor (Ikonomovska et al.'s FIMT-DD split rule as River's
 * HoeffdingTreeRegressor applies it). A leaf keeps the mean and variance of the targets it saw and, per
 * numeric attribute, the targets' weight, mean and squared deviations for each value rounded to 3
 * decimals (River's TEBSTSplitter: every distinct rounded value is a candidate threshold); per
 * categorical attribute, the same per category. Every grace period the leaf ranks splits by variance
 * reduction (branches of fewer than 5 rows refused) and splits when the second best's merit over the
 * best's is below 1 - the Hoeffding bound (range 1), or the bound is below tau.
 *
 * Leaves predict with the target mean, a linear model (SGD, learning rate 0.01, on the numeric
 * attributes standardized by the tree's running mean and variance, as River's LinearRegression behind
 * a StandardScaler), or adaptively whichever has the lower faded squared error (decay 0.95). New
 * leaves start from their parent's linear model and error estimates. Defaults are River's.
 */
import type { Learner, LearnerState } from '../types.js';
import { hoeffdingBound } from './criteria.js';
import { ARRAY_OVERHEAD, LEAF_OVERHEAD, SPLIT_OVERHEAD } from './nodes.js';
import type { TreeFeature } from './ht.js';

export type LeafModel = 'mean' | 'linear' | 'adaptive';

export interface RegressorFlags {
  gracePeriod: number;
  delta: number;
  tau: number;
  leafModel: LeafModel;
  /** 0: unlimited. */
  maxDepth: number;
  /** Decimals numeric values are rounded to in the split observers. */
  digits: number;
}

export const HTR_DEFAULTS: RegressorFlags = { gracePeriod: 200, delta: 1e-7, tau: 0.05, leafModel: 'adaptive', maxDepth: 0, digits: 3 };

const MIN_SAMPLES_SPLIT = 5;
const LEARNING_RATE = 0.01;
const MODEL_SELECTOR_DECAY = 0.95;

/** Weight, mean and sum of squared deviations of targets, mergeable (Chan et al.). */
export class Moments {
  constructor(
    public w = 0,
    public mean = 0,
    public m2 = 0,
  ) {}

  add(y: number, w: number): void {
    const total = this.w + w;
    const d = y - this.mean;
    this.mean += (w * d) / total;
    this.m2 += w * d * (y - this.mean);
    this.w = total;
  }

  /** Sample variance (0 below weight 1). */
  get variance(): number {
    return this.w > 1 ? this.m2 / (this.w - 1) : 0;
  }
}

/** Merges moments (w, mean, m2) into m (Chan et al.). */
function mergeInto(m: Moments, w: number, mean: number, m2: number): void {
  if (w <= 0) return;
  const total = m.w + w;
  const d = mean - m.mean;
  m.m2 += m2 + (d * d * m.w * w) / total;
  m.mean += (d * w) / total;
  m.w = total;
}

/** Per-value target moments of one attribute at a leaf: values in arrival order, their moments beside. */
class ValueObserver {
  /** value -> index into keys and stats */
  private index = new Map<number, number>();
  keys: number[] = [];
  /** w, mean, m2 per key. */
  stats: number[] = [];

  add(key: number, y: number, w: number): void {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
      this.stats.push(w, y, 0);
      return;
    }
    const at = i * 3;
    const total = this.stats[at]! + w;
    const mean = this.stats[at + 1]!;
    const d = y - mean;
    const next = mean + (w * d) / total;
    this.stats[at] = total;
    this.stats[at + 1] = next;
    this.stats[at + 2] = this.stats[at + 2]! + w * d * (y - next);
  }

  /** Its values and their moments, with a Map entry each (an estimate: V8's is about 4 words). */
  get bytes(): number {
    return ARRAY_OVERHEAD + 8 * (this.keys.length + this.stats.length) + MAP_ENTRY_BYTES * this.keys.length;
  }

  static from(keys: number[], stats: number[]): ValueObserver {
    const o = new ValueObserver();
    o.keys = keys.slice();
    o.stats = stats.slice();
    keys.forEach((k, i) => o.index.set(k, i));
    return o;
  }
}

interface Candidate {
  merit: number;
  feature: number;
  threshold: number;
  /** Per branch: the targets' moments. */
  branches: Moments[];
}

/** Variance reduction; -Infinity when a branch has fewer than MIN_SAMPLES_SPLIT rows. */
export function varianceReduction(pre: Moments, branches: readonly Moments[]): number {
  let after = 0;
  for (const b of branches) {
    if (b.w < MIN_SAMPLES_SPLIT) return -Infinity;
    after += (b.w / pre.w) * b.variance;
  }
  return pre.variance - after;
}

/** A Map entry's bytes, roughly (key, value, hash chain, and the bucket pointing at it). */
const MAP_ENTRY_BYTES = 32;

class RegLeaf {
  targets: Moments;
  lastAttempt: number;
  observers: ValueObserver[];
  /** Linear model on the standardized numeric attributes, bias last. */
  weights: Float64Array;
  fmseMean: number;
  fmseModel: number;

  constructor(
    readonly depth: number,
    features: number,
    numeric: number,
    targets = new Moments(),
    weights?: Float64Array,
    fmseMean = 0,
    fmseModel = 0,
  ) {
    this.targets = targets;
    this.lastAttempt = targets.w;
    this.observers = Array.from({ length: features }, () => new ValueObserver());
    this.weights = weights ? weights.slice() : new Float64Array(numeric + 1);
    this.fmseMean = fmseMean;
    this.fmseModel = fmseModel;
  }

  /** With the per-object overhead the classification trees count (nodes.ts). */
  get bytes(): number {
    let n = LEAF_OVERHEAD + this.weights.byteLength;
    for (const o of this.observers) n += o.bytes;
    return n;
  }
}

class RegSplit {
  children: (RegNode | null)[];
  seen = 0;
  constructor(
    readonly depth: number,
    readonly feature: number,
    readonly threshold: number,
    readonly categorical: boolean,
    /** The target mean at the split (for rows whose category has no branch yet). */
    readonly mean: number,
    branches: number,
  ) {
    this.children = new Array<RegNode | null>(branches).fill(null);
  }
}

type RegNode = RegLeaf | RegSplit;

type RegNodeState =
  | { leaf: { depth: number; targets: [number, number, number]; lastAttempt: number; observers: { keys: number[]; stats: number[] }[]; weights: number[]; fmseMean: number; fmseModel: number } }
  | { split: { depth: number; feature: number; threshold: number; categorical: boolean; mean: number; seen: number; children: (RegNodeState | null)[] } };

export interface HtrState extends LearnerState {
  kind: 'ht';
  task: 'regression';
  features: TreeFeature[];
  flags: RegressorFlags;
  /** Running moments of each numeric attribute (for the leaf models' standardization): w, mean, m2. */
  scaler: number[];
  root: RegNodeState;
  splits: number;
}

export class HoeffdingTreeRegressor implements Learner {
  readonly input = 'raw' as const;
  readonly batchSize = 1;
  readonly outputs = 1;
  readonly dim: number;
  private root: RegNode;
  private readonly numeric: Int32Array;
  private readonly scaleFactor: number;
  /** w, mean, m2 per numeric attribute. */
  private scaler: Float64Array;
  /** The current row's standardized numeric attributes. */
  private z: Float64Array;
  splits = 0;

  constructor(
    readonly features: readonly TreeFeature[],
    readonly flags: RegressorFlags,
  ) {
    this.dim = features.length;
    this.numeric = Int32Array.from(features.flatMap((f, i) => (f.kind === 'numeric' ? [i] : [])));
    this.scaler = new Float64Array(this.numeric.length * 3);
    this.z = new Float64Array(this.numeric.length);
    this.scaleFactor = 10 ** flags.digits;
    this.root = this.newLeaf(0);
  }

  private newLeaf(depth: number, targets?: Moments, parent?: RegLeaf): RegLeaf {
    return new RegLeaf(depth, this.dim, this.numeric.length, targets, parent?.weights, parent?.fmseMean, parent?.fmseModel);
  }

  get description(): string {
    const f = this.flags;
    return `ht regressor(grace=${f.gracePeriod}, delta=${f.delta}, tau=${f.tau}, ${f.leafModel})`;
  }

  /** The standardized numeric attributes of the row into this.z. */
  private standardize(x: Float64Array, off: number): void {
    const s = this.scaler;
    for (let j = 0; j < this.numeric.length; j++) {
      const w = s[j * 3]!;
      const sd = w > 1 ? Math.sqrt(s[j * 3 + 2]! / w) : 0;
      this.z[j] = sd > 0 ? (x[off + this.numeric[j]!]! - s[j * 3 + 1]!) / sd : 0;
    }
  }

  private linear(leaf: RegLeaf): number {
    const w = leaf.weights;
    const n = this.z.length;
    let p = w[n]!;
    for (let j = 0; j < n; j++) p += w[j]! * this.z[j]!;
    return p;
  }

  private leafPrediction(leaf: RegLeaf): number {
    const mode = this.flags.leafModel;
    if (mode === 'mean' || leaf.targets.w === 0) return leaf.targets.mean;
    if (mode === 'linear' || leaf.fmseModel < leaf.fmseMean) return this.linear(leaf);
    return leaf.targets.mean;
  }

  private sort(x: Float64Array, off: number): RegNode {
    let node = this.root;
    while (node instanceof RegSplit) {
      const child = node.children[this.branch(node, x, off)];
      if (!child) return node;
      node = child;
    }
    return node;
  }

  private branch(split: RegSplit, x: Float64Array, off: number): number {
    const v = x[off + split.feature]!;
    if (!split.categorical) return v <= split.threshold ? 0 : 1;
    return v < 0 ? 0 : v;
  }

  private predictRow(x: Float64Array, off: number): number {
    const node = this.sort(x, off);
    if (node instanceof RegSplit) return node.mean;
    this.standardize(x, off);
    return this.leafPrediction(node);
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    for (let r = 0; r < rows; r++) out[r] = this.predictRow(x, r * this.dim);
  }

  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    for (let r = 0; r < rows; r++) {
      out[r] = this.predictRow(x, r * this.dim);
      this.learnRow(x, r * this.dim, y[r]!, 1);
    }
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    for (let r = 0; r < rows; r++) this.learnRow(x, r * this.dim, y[r]!, 1);
  }

  private learnRow(x: Float64Array, off: number, y: number, w: number): void {
    // The scaler learns first: the leaf model sees the row standardized as predictions will see it.
    const s = this.scaler;
    for (let j = 0; j < this.numeric.length; j++) {
      const v = x[off + this.numeric[j]!]!;
      const total = s[j * 3]! + w;
      const d = v - s[j * 3 + 1]!;
      s[j * 3] = total;
      s[j * 3 + 1] = s[j * 3 + 1]! + (w * d) / total;
      s[j * 3 + 2] = s[j * 3 + 2]! + w * d * (v - s[j * 3 + 1]!);
    }
    let parent: RegSplit | null = null;
    let branch = 0;
    let node = this.root;
    while (node instanceof RegSplit) {
      node.seen += w;
      parent = node;
      branch = this.branch(node, x, off);
      let child = node.children[branch];
      if (!child) {
        child = this.newLeaf(node.depth + 1);
        for (let b = node.children.length; b < branch; b++) node.children.push(null);
        node.children[branch] = child;
      }
      node = child;
    }
    const leaf = node;
    this.standardize(x, off);
    if (this.flags.leafModel !== 'mean') {
      const model = this.linear(leaf);
      const mean = leaf.targets.w > 0 ? leaf.targets.mean : 0;
      leaf.fmseMean = MODEL_SELECTOR_DECAY * leaf.fmseMean + (y - mean) ** 2;
      leaf.fmseModel = MODEL_SELECTOR_DECAY * leaf.fmseModel + (y - model) ** 2;
      const g = LEARNING_RATE * w * (model - y);
      const n = this.z.length;
      for (let j = 0; j < n; j++) leaf.weights[j]! -= g * this.z[j]!;
      leaf.weights[n]! -= g;
    }
    leaf.targets.add(y, w);
    for (let f = 0; f < this.dim; f++) {
      const v = x[off + f]!;
      if (this.features[f]!.kind === 'categorical') {
        if (v >= 0) leaf.observers[f]!.add(v, y, w);
      } else {
        leaf.observers[f]!.add(Math.round(v * this.scaleFactor) / this.scaleFactor, y, w);
      }
    }
    const maxDepth = this.flags.maxDepth;
    if (leaf.targets.w - leaf.lastAttempt >= this.flags.gracePeriod && (maxDepth === 0 || leaf.depth < maxDepth)) this.attempt(leaf, parent, branch);
  }

  private attempt(leaf: RegLeaf, parent: RegSplit | null, branch: number): void {
    leaf.lastAttempt = leaf.targets.w;
    const candidates: Candidate[] = [];
    for (let f = 0; f < this.dim; f++) {
      const c = this.features[f]!.kind === 'categorical' ? this.nominalCandidate(leaf, f) : this.numericCandidate(leaf, f);
      if (c) candidates.push(c);
    }
    if (candidates.length === 0) return;
    candidates.sort((a, b) => b.merit - a.merit || a.feature - b.feature);
    const best = candidates[0]!;
    const second = candidates[1]?.merit ?? -Infinity;
    const bound = hoeffdingBound(1, this.flags.delta, leaf.targets.w);
    if (!(best.merit > 0 && (second / best.merit < 1 - bound || bound < this.flags.tau))) return;
    const split = new RegSplit(leaf.depth, best.feature, best.threshold, this.features[best.feature]!.kind === 'categorical', leaf.targets.mean, best.branches.length);
    split.seen = leaf.targets.w;
    best.branches.forEach((moments, b) => (split.children[b] = this.newLeaf(leaf.depth + 1, moments, leaf)));
    if (parent) parent.children[branch] = split;
    else this.root = split;
    this.splits++;
  }

  /** The best threshold of a numeric attribute: every observed (rounded) value but the largest. */
  private numericCandidate(leaf: RegLeaf, f: number): Candidate | null {
    const o = leaf.observers[f]!;
    const order = o.keys.map((_, i) => i).sort((a, b) => o.keys[a]! - o.keys[b]!);
    const total = new Moments();
    for (const i of order) mergeInto(total, o.stats[i * 3]!, o.stats[i * 3 + 1]!, o.stats[i * 3 + 2]!);
    let best: Candidate | null = null;
    const left = new Moments();
    for (let k = 0; k < order.length - 1; k++) {
      const i = order[k]!;
      mergeInto(left, o.stats[i * 3]!, o.stats[i * 3 + 1]!, o.stats[i * 3 + 2]!);
      const right = new Moments();
      // right = total - left, by inverting the merge.
      right.w = total.w - left.w;
      if (right.w <= 0) continue;
      right.mean = (total.mean * total.w - left.mean * left.w) / right.w;
      right.m2 = Math.max(0, total.m2 - left.m2 - ((left.mean - right.mean) ** 2 * left.w * right.w) / total.w);
      const merit = varianceReduction(total, [left, right]);
      if (merit > -Infinity && (!best || merit > best.merit)) best = { merit, feature: f, threshold: o.keys[i]!, branches: [new Moments(left.w, left.mean, left.m2), right] };
    }
    return best;
  }

  /** A multiway split of a categorical attribute, one branch per code seen. */
  private nominalCandidate(leaf: RegLeaf, f: number): Candidate | null {
    const o = leaf.observers[f]!;
    if (o.keys.length < 2) return null;
    const codes = Math.max(...o.keys) + 1;
    const branches = Array.from({ length: codes }, () => new Moments());
    const total = new Moments();
    o.keys.forEach((code, i) => {
      mergeInto(branches[code]!, o.stats[i * 3]!, o.stats[i * 3 + 1]!, o.stats[i * 3 + 2]!);
      mergeInto(total, o.stats[i * 3]!, o.stats[i * 3 + 1]!, o.stats[i * 3 + 2]!);
    });
    const merit = varianceReduction(total, branches.filter((b) => b.w > 0));
    return merit > -Infinity ? { merit, feature: f, threshold: 0, branches } : null;
  }

  grow(dim: number): void {
    if (dim !== this.dim) throw new Error(`ht: the raw row has ${this.dim} features, not ${dim}`);
  }

  /** Its nodes (leaves with their per-value observers, estimated per object as the classification trees are) and scratch arrays. */
  memoryBytes(): number {
    let n = this.scaler.byteLength + this.z.byteLength + this.numeric.byteLength;
    const walk = (node: RegNode): void => {
      if (node instanceof RegLeaf) {
        n += node.bytes;
        return;
      }
      n += SPLIT_OVERHEAD + 8 * node.children.length;
      for (const child of node.children) if (child) walk(child);
    };
    walk(this.root);
    return n;
  }

  state(): HtrState {
    const save = (node: RegNode): RegNodeState => {
      if (node instanceof RegLeaf) {
        const t = node.targets;
        return { leaf: { depth: node.depth, targets: [t.w, t.mean, t.m2], lastAttempt: node.lastAttempt, observers: node.observers.map((o) => ({ keys: o.keys.slice(), stats: o.stats.slice() })), weights: Array.from(node.weights), fmseMean: node.fmseMean, fmseModel: node.fmseModel } };
      }
      return { split: { depth: node.depth, feature: node.feature, threshold: node.threshold, categorical: node.categorical, mean: node.mean, seen: node.seen, children: node.children.map((c) => (c ? save(c) : null)) } };
    };
    return { kind: 'ht', task: 'regression', features: this.features.map((f) => ({ ...f })), flags: { ...this.flags }, scaler: Array.from(this.scaler), root: save(this.root), splits: this.splits };
  }

  static restore(s: HtrState): HoeffdingTreeRegressor {
    const tree = new HoeffdingTreeRegressor(s.features, s.flags);
    if (s.scaler.length !== tree.scaler.length) throw new Error('ht regressor state: the scaler does not match the numeric features');
    tree.scaler.set(s.scaler);
    const load = (n: RegNodeState): RegNode => {
      if ('leaf' in n) {
        const l = n.leaf;
        if (l.observers.length !== tree.dim || l.weights.length !== tree.numeric.length + 1) throw new Error('ht regressor state: a leaf does not match the features');
        const leaf = new RegLeaf(l.depth, tree.dim, tree.numeric.length, new Moments(...l.targets), Float64Array.from(l.weights), l.fmseMean, l.fmseModel);
        leaf.lastAttempt = l.lastAttempt;
        leaf.observers = l.observers.map((o) => ValueObserver.from(o.keys, o.stats));
        return leaf;
      }
      const t = n.split;
      const split = new RegSplit(t.depth, t.feature, t.threshold, t.categorical, t.mean, t.children.length);
      split.seen = t.seen;
      split.children = t.children.map((c) => (c ? load(c) : null));
      return split;
    };
    tree.root = load(s.root);
    tree.splits = s.splits;
    return tree;
  }

  /** Depth, nodes, leaves and splits, for `inspect`. */
  summary(): { depth: number; nodes: number; leaves: number; splits: number } {
    let depth = 0;
    let nodes = 0;
    let leaves = 0;
    const walk = (node: RegNode): void => {
      nodes++;
      depth = Math.max(depth, node.depth);
      if (node instanceof RegLeaf) leaves++;
      else for (const c of node.children) if (c) walk(c);
    };
    walk(this.root);
    return { depth, nodes, leaves, splits: this.splits };
  }

  dispose(): void {}
}
