/**
 * The Hoeffding tree for classification (VFDT: Domingos and Hulten, "Mining high-speed data streams",
 * KDD 2000), as MOA's HoeffdingTree and River's HoeffdingTreeClassifier grow it: rows are sorted to a
 * leaf, which updates its observers; every grace period a leaf compares the best two splits and
 * splits when the Hoeffding bound says the best is best (or the two are tied within tau).
 *
 * One row's learning allocates nothing: sorting is a walk, the observers are typed arrays updated in
 * place. Split attempts (every grace period) and new categories may allocate.
 *
 * Options used by the forest: `subspace` (each new leaf watches that many attributes drawn at random,
 * as Gomes et al.'s ARFHoeffdingTree) and weighted rows (online bagging).
 */
import { Adwin } from '../../eval/drift/adwin.js';
import { Random } from '../../util/random.js';
import type { SplitCriterion } from './criteria.js';
import { Leaf, Split, splitBytes, type FeatureKind, type LeafPrediction, type Node, type NodeState, type TreeParams } from './nodes.js';

/** The share of the memory limit a tree is trimmed to when it goes past it. */
const MEMORY_TRIM = 0.9;
/** Distinct attribute subsets a tree shares between its leaves (see slotArray). */
const SHARED_SUBSETS = 1024;

export interface TreeOptions extends TreeParams {
  classes: number;
  /** Attributes each new leaf watches, drawn at random; 0 for all. */
  subspace: number;
  /** The memory limit in bytes (leaves are deactivated past it); 0 for none. */
  maxBytes: number;
}

export interface TreeState {
  options: Omit<TreeOptions, 'kinds'> & { kinds: FeatureKind[] };
  root: NodeState;
  random: number[];
  growthAllowed: boolean;
  splits: number;
  prunes: number;
}

export class HoeffdingTree {
  readonly params: TreeOptions;
  protected classes: number;
  root: Node;
  /** The numeric and categorical slots of the raw row (every leaf of a plain tree watches these). */
  private readonly allNumeric: Int32Array;
  private readonly allCategorical: Int32Array;
  protected random: Random;
  /** Scratch for naive Bayes while learning, and for drawing subspaces. */
  protected scratch: Float64Array;
  private readonly draw: Int32Array;
  /**
   * The memory limit's running estimate of the tree's bytes, kept up at splits (categories a leaf
   * learns add a little between two enforcements, which recount it exactly).
   */
  private bytes = 0;
  /** False once even inactive leaves fill the memory limit: no more splits (MOA's growthAllowed). */
  protected growthAllowed = true;
  splits = 0;
  prunes = 0;

  constructor(options: TreeOptions, random: Random) {
    this.params = { ...options, kinds: [...options.kinds] };
    this.classes = Math.max(2, options.classes);
    this.random = random;
    const kinds = options.kinds;
    this.allNumeric = this.slotArray(kinds.flatMap((k, i) => (k === 'numeric' ? [i] : [])));
    this.allCategorical = this.slotArray(kinds.flatMap((k, i) => (k === 'categorical' ? [i] : [])));
    this.scratch = new Float64Array(this.classes);
    this.draw = Int32Array.from(kinds, (_, i) => i);
    this.root = this.newLeaf(0);
    this.bytes = this.root.bytes();
  }

  get outputs(): number {
    return this.classes;
  }

  protected newLeaf(depth: number, counts?: ArrayLike<number>): Leaf {
    const k = this.params.subspace;
    const m = this.params.kinds.length;
    if (k <= 0 || k >= m) return new Leaf(depth, this.classes, this.allNumeric, this.allCategorical, counts);
    // A partial Fisher-Yates shuffle of the slots picks k of them without repeats.
    const draw = this.draw;
    for (let i = 0; i < m; i++) draw[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.random.int(m - i);
      const t = draw[i]!;
      draw[i] = draw[j]!;
      draw[j] = t;
    }
    const chosen = Array.from(draw.subarray(0, k)).sort((a, b) => a - b);
    const kinds = this.params.kinds;
    const numeric = this.slotArray(chosen.filter((f) => kinds[f] === 'numeric'));
    const categorical = this.slotArray(chosen.filter((f) => kinds[f] === 'categorical'));
    return new Leaf(depth, this.classes, numeric, categorical, counts);
  }

  /**
   * The array of these attribute slots, shared by every leaf of the tree that watches them (a typed
   * array costs V8 about 190 bytes besides its numbers; a forest's leaves draw few distinct subsets).
   * At most SHARED_SUBSETS are kept, so that a tree over many attributes does not hoard them.
   */
  private slotArray(list: number[]): Int32Array {
    const key = list.join(',');
    const known = this.subsets.get(key);
    if (known) return known;
    const slots = Int32Array.from(list);
    if (this.subsets.size < SHARED_SUBSETS) this.subsets.set(key, slots);
    return slots;
  }

  private readonly subsets = new Map<string, Int32Array>();

  /** The leaf a row reaches, or the split whose branch for it does not exist yet. */
  sort(x: Float64Array, off: number): Node {
    let node: Node = this.root;
    while (node instanceof Split) {
      const child = node.child(node.branch(x, off));
      if (!child) return node;
      node = child;
    }
    return node;
  }

  /** Class probabilities for the row at x[off ..] into out[at .. at+classes). */
  predictOne(x: Float64Array, off: number, out: Float64Array, at: number): void {
    const node = this.sort(x, off);
    if (node instanceof Leaf) node.predict(this.params.leafPrediction, x, off, out, at);
    else writeSplitDistribution(node, out, at);
  }

  /** Learns one row of class y with weight w. */
  learnOne(x: Float64Array, off: number, y: number, w: number): void {
    const leaf = this.reach(x, off, w, null, 0);
    leaf.learn(this.params.leafPrediction, x, off, y, w, this.scratch);
    this.afterLearn(leaf);
  }

  /** predictOne then learnOne, with the same results, walking the tree once (weight 0: predictOne only). */
  predictAndLearnOne(x: Float64Array, off: number, y: number, w: number, out: Float64Array, at: number): void {
    if (w === 0) {
      this.predictOne(x, off, out, at);
      return;
    }
    const leaf = this.reach(x, off, w, out, at);
    if (this.reachedNew) leaf.learn(this.params.leafPrediction, x, off, y, w, this.scratch);
    else leaf.predictAndLearn(this.params.leafPrediction, x, off, y, w, out, at);
    this.afterLearn(leaf);
  }

  /** The parent split and branch of the leaf reach() last returned (null: the root), and whether it made the leaf. */
  private reachedParent: Split | null = null;
  private reachedBranch = 0;
  private reachedNew = false;

  /**
   * The leaf a row of weight w learns at, counting the row at each split on the way. A row whose
   * category has no branch yet gets a new leaf there; when `out` is given, the row's prediction (the
   * split's class weights, as predictOne gives it) goes into out[at ..] first.
   */
  private reach(x: Float64Array, off: number, w: number, out: Float64Array | null, at: number): Leaf {
    let parent: Split | null = null;
    let branch = 0;
    let node: Node = this.root;
    this.reachedNew = false;
    while (node instanceof Split) {
      parent = node;
      node.seen += w;
      branch = node.branch(x, off);
      let child = node.child(branch);
      if (!child) {
        if (out) writeSplitDistribution(node, out, at);
        this.reachedNew = true;
        // A category first seen below this split (or its missing branch): a new leaf for it.
        child = this.newLeaf(node.depth + 1);
        node.setChild(branch, child);
      }
      node = child;
    }
    this.reachedParent = parent;
    this.reachedBranch = branch;
    return node;
  }

  private afterLearn(leaf: Leaf): void {
    this.learnedLeaf = leaf;
    if (this.growthAllowed && leaf.due(this.params)) {
      const splits = this.splits;
      this.attempt(leaf, this.reachedParent, this.reachedBranch);
      if (this.splits !== splits) this.learnedLeaf = null;
    }
  }

  /** The leaf the last learned row reached, while it is still in the tree (null after it split). */
  private learnedLeaf: Leaf | null = null;

  /**
   * The class the tree predicts, now that it has learned it, for the row learnOne or
   * predictAndLearnOne (weight > 0) learned last; out[at .. at+classes) is scratch. The row's leaf is
   * asked directly unless it split on that row.
   */
  classAfterLearning(x: Float64Array, off: number, out: Float64Array, at: number): number {
    const leaf = this.learnedLeaf;
    if (leaf) leaf.predict(this.params.leafPrediction, x, off, out, at);
    else this.predictOne(x, off, out, at);
    let best = 0;
    for (let c = 1; c < this.classes; c++) if (out[at + c]! > out[at + best]!) best = c;
    return best;
  }

  /**
   * A split attempt at a leaf, which sits at `slot` of `holder` (a child index; -1: the holder's
   * alternate tree) or at the root (holder null).
   */
  protected attempt(leaf: Leaf, holder: Split | null, slot: number): void {
    const decision = leaf.attemptSplit(this.params);
    if (decision === null) return;
    if (decision === 'prune') {
      leaf.deactivate();
      this.prunes++;
      return;
    }
    const classes = this.classes;
    const categorical = this.params.kinds[decision.feature] === 'categorical';
    let missing = 0;
    let most = -1;
    for (let b = 0; b < decision.branches; b++) {
      let w = 0;
      for (let c = 0; c < classes; c++) w += decision.post[b * classes + c]!;
      if (w > most) {
        most = w;
        missing = b;
      }
    }
    const split = new Split(leaf.depth, decision.feature, decision.threshold, categorical, leaf.counts.slice(), decision.branches, missing);
    split.seen = leaf.seen;
    this.bytes += splitBytes(split) - leaf.bytes();
    let post = 0;
    for (let i = 0; i < decision.post.length; i++) post += decision.post[i]!;
    for (let b = 0; b < decision.branches; b++) {
      const child = this.newLeaf(leaf.depth + 1, decision.post.subarray(b * classes, (b + 1) * classes));
      if (post > 0) child.seen = (leaf.seen * child.total) / post;
      split.setChild(b, child);
      this.bytes += child.bytes();
    }
    this.place(holder, slot, split);
    this.splits++;
    if (this.params.maxBytes > 0 && this.bytes > this.params.maxBytes) this.enforceMemory();
  }

  /** Puts node at `slot` of `holder` (see attempt). */
  protected place(holder: Split | null, slot: number, node: Node): void {
    if (!holder) this.root = node;
    else if (slot < 0) holder.alternate = node;
    else holder.setChild(slot, node);
  }

  /**
   * Keeps the tree's estimated bytes within the limit (MOA's enforceTrackerLimit): leaves are ranked
   * by promise (the weight their majority class gets wrong, what a split could fix); the most promising
   * stay or become active as long as the estimate fits in MEMORY_TRIM of the limit, the others drop
   * their observers. The margin lets the tree grow a while before the next ranking (MOA ranks every
   * million rows; ranking at every split past the limit would cost a walk of the tree per split).
   */
  enforceMemory(): void {
    const leaves: Leaf[] = [];
    let fixed = 0;
    const walk = (node: Node): void => {
      if (node instanceof Leaf) {
        leaves.push(node);
        return;
      }
      fixed += splitBytes(node);
      for (const child of node.children) if (child) walk(child);
    };
    walk(this.root);
    let inactiveBytes = 0;
    for (const leaf of leaves) inactiveBytes += leaf.bytes(false);
    if (fixed + inactiveBytes > this.params.maxBytes) this.growthAllowed = false;
    const budget = this.params.maxBytes * MEMORY_TRIM;
    let used = fixed + inactiveBytes;
    const ranked = leaves.map((leaf, i) => ({ leaf, i, promise: leaf.total - leaf.counts[leaf.majority()]! }));
    ranked.sort((a, b) => b.promise - a.promise || a.i - b.i);
    for (const { leaf } of ranked) {
      const extra = leaf.bytes(true) - leaf.bytes(false);
      const keep = used + extra <= budget;
      if (keep) used += extra;
      if (keep && !leaf.active) leaf.activate();
      else if (!keep && leaf.active) leaf.deactivate();
    }
    this.bytes = used;
  }

  /**
   * The tree's bytes as its memory limit counts them (nodes, each with a fixed overhead), walked
   * exactly, with the adaptive tree's error monitors and alternate subtrees and the scratch arrays.
   */
  memoryBytes(): number {
    let n = this.scratch.byteLength + this.draw.byteLength + this.allNumeric.byteLength + this.allCategorical.byteLength;
    // A node's bytes include its error monitor's (see Leaf.bytes, splitBytes).
    const walk = (node: Node): void => {
      if (node instanceof Leaf) {
        n += node.bytes();
        return;
      }
      n += splitBytes(node);
      for (const child of node.children) if (child) walk(child);
      if (node.alternate) walk(node.alternate);
    };
    walk(this.root);
    return n;
  }

  /** More classes: every node's class arrays widen. */
  growClasses(classes: number): void {
    if (classes <= this.classes) return;
    this.classes = classes;
    this.params.classes = classes;
    this.scratch = new Float64Array(classes);
    const walk = (node: Node): void => {
      if (node instanceof Leaf) {
        node.growClasses(classes);
        return;
      }
      const counts = new Float64Array(classes);
      counts.set(node.counts);
      node.counts = counts;
      for (const child of node.children) if (child) walk(child);
      if (node.alternate) walk(node.alternate);
    };
    walk(this.root);
  }

  state(): TreeState {
    return {
      options: { ...this.params, kinds: [...this.params.kinds] },
      root: nodeState(this.root),
      random: this.random.state(),
      growthAllowed: this.growthAllowed,
      splits: this.splits,
      prunes: this.prunes,
    };
  }

  static restore(s: TreeState): HoeffdingTree {
    return HoeffdingTree.restoreInto(new HoeffdingTree(s.options, new Random(0)), s);
  }

  /** Gives a tree made from s.options the rest of state s (the generator too: making the root drew from another). */
  protected static restoreInto<T extends HoeffdingTree>(tree: T, s: TreeState): T {
    tree.random = Random.fromState(s.random);
    const slots = (list: number[]): Int32Array => {
      for (const f of list) if (!Number.isInteger(f) || f < 0 || f >= s.options.kinds.length) throw new Error(`tree state: attribute slot ${f} is not in the row`);
      return tree.slotArray(list);
    };
    tree.root = restoreNode(s.root, slots, tree.classes);
    tree.bytes = tree.summary().bytes;
    tree.growthAllowed = s.growthAllowed;
    tree.splits = s.splits;
    tree.prunes = s.prunes;
    return tree;
  }

  /** Shape and top splits, for `inspect`. */
  summary(): TreeSummary {
    let depth = 0;
    let leaves = 0;
    let active = 0;
    let nodes = 0;
    let bytes = 0;
    const walk = (node: Node): void => {
      nodes++;
      depth = Math.max(depth, node.depth);
      if (node instanceof Leaf) {
        leaves++;
        if (node.active) active++;
        bytes += node.bytes();
        return;
      }
      bytes += splitBytes(node);
      for (const child of node.children) if (child) walk(child);
    };
    walk(this.root);
    return { depth, nodes, leaves, activeLeaves: active, splits: this.splits, prunes: this.prunes, bytes };
  }
}

export interface TreeSummary {
  depth: number;
  nodes: number;
  leaves: number;
  activeLeaves: number;
  splits: number;
  prunes: number;
  /** The memory limit's estimate of the tree's size. */
  bytes: number;
}

/** A row with a category the split has no branch for yet gets the split's class weights. */
export function writeSplitDistribution(split: Split, out: Float64Array, at: number): void {
  let total = 0;
  for (let c = 0; c < split.counts.length; c++) total += split.counts[c]!;
  const n = split.counts.length;
  for (let c = 0; c < n; c++) out[at + c] = total > 0 ? split.counts[c]! / total : 1 / n;
}

export function nodeState(node: Node): NodeState {
  const errors = node.errors ? { errors: node.errors.state() } : {};
  if (node instanceof Leaf) return { leaf: node.state(), ...errors };
  return {
    ...errors,
    ...(node.alternate ? { alternate: nodeState(node.alternate) } : {}),
    split: {
      depth: node.depth,
      feature: node.feature,
      threshold: node.threshold,
      categorical: node.categorical,
      counts: Array.from(node.counts),
      seen: node.seen,
      missingBranch: node.missingBranch,
      children: node.children.map((child) => (child ? nodeState(child) : null)),
    },
  };
}

export function restoreNode(s: NodeState, slots: (list: number[]) => Int32Array, classes: number): Node {
  if ('leaf' in s) {
    if (s.leaf.counts.length !== classes) throw new Error(`tree state: a leaf has ${s.leaf.counts.length} classes, the tree ${classes}`);
    const leaf = Leaf.restore(s.leaf, slots);
    if (s.errors) leaf.errors = Adwin.restore(s.errors);
    return leaf;
  }
  const t = s.split;
  const split = new Split(t.depth, t.feature, t.threshold, t.categorical, Float64Array.from(t.counts), t.children.length, t.missingBranch);
  t.children.forEach((child, b) => split.setChild(b, child ? restoreNode(child, slots, classes) : null));
  split.seen = t.seen;
  if (s.errors) split.errors = Adwin.restore(s.errors);
  if (s.alternate) split.alternate = restoreNode(s.alternate, slots, classes);
  return split;
}

export type { FeatureKind, LeafPrediction, SplitCriterion };
