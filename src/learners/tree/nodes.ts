/**
 * The nodes of a Hoeffding tree for classification (Domingos and Hulten 2000, as MOA's HoeffdingTree
 * and River's HoeffdingTreeClassifier build it). A Leaf keeps the class weights it saw and, while
 * active, one observer per attribute it watches: per-class Gaussian estimators for numeric ones,
 * per-(category, class) weights for categorical ones, all in typed arrays that learning updates in
 * place. A Split routes a raw row to a child: numeric `x <= threshold` left, else right; categorical,
 * one child per category code (multiway).
 */
import type { Adwin, AdwinState } from '../../eval/drift/adwin.js';
import { hoeffdingBound, impurity, meritAfter, meritRange, type SplitCriterion } from './criteria.js';
import { G_MAX, G_MIN, G_SIZE, G_WEIGHT, gaussianAdd, gaussianLogDensity, gaussianWeightBelow } from './gaussian.js';

export type FeatureKind = 'numeric' | 'categorical';
export type LeafPrediction = 'mc' | 'nb' | 'nba';

/** What every node of one tree shares: the row's shape and the growth parameters. */
export interface TreeParams {
  /** The kind of each slot of the raw row. */
  kinds: readonly FeatureKind[];
  gracePeriod: number;
  delta: number;
  tau: number;
  criterion: SplitCriterion;
  leafPrediction: LeafPrediction;
  /** Candidate thresholds per numeric attribute at a split attempt. */
  splitPoints: number;
  /** Leaves at this depth do not split (the root is at depth 0); null: unlimited. */
  maxDepth: number | null;
}

export class Leaf {
  /** Class weights seen here (those of the split that made the leaf included). */
  counts: Float64Array;
  total: number;
  /**
   * Rows that reached it, for inspection: its share of its parent's when it was made (as the split
   * estimated it) plus those since. `total` counts only the rows its parent's observers saw.
   */
  seen: number;
  /** total at the last split attempt. */
  lastAttempt: number;
  /** Active leaves keep observers and may split; inactive ones (memory limit, pre-pruning) only count. */
  active = true;
  /** Weight of rows the majority class and naive Bayes predicted right here (naive-Bayes-adaptive). */
  mcCorrect = 0;
  nbCorrect = 0;
  /** Gaussian estimators, [class][numeric slot][G_SIZE]. */
  gauss: Float64Array;
  /** Per categorical slot: [1 + code][class] weights; row 0 holds the class totals. */
  nominal: Float64Array[];
  /** Per categorical slot: codes seen so far (highest + 1). */
  nominalCodes: Int32Array;
  /** The adaptive tree's monitor of this leaf's error (null in other trees). */
  errors: Adwin | null = null;

  constructor(
    readonly depth: number,
    classes: number,
    /** The raw-row slots of the numeric and categorical attributes this leaf watches. */
    readonly numeric: Int32Array,
    readonly categorical: Int32Array,
    counts?: ArrayLike<number>,
  ) {
    this.counts = new Float64Array(classes);
    if (counts) this.counts.set(counts);
    let total = 0;
    for (let c = 0; c < classes; c++) total += this.counts[c]!;
    this.total = total;
    this.seen = total;
    this.lastAttempt = total;
    this.gauss = new Float64Array(classes * numeric.length * G_SIZE);
    this.nominal = categoricalTables(categorical.length, classes);
    this.nominalCodes = categorical.length > 0 ? new Int32Array(categorical.length) : NO_CODES;
  }

  get classes(): number {
    return this.counts.length;
  }

  /** Adds one row with weight w to the class weights and, when active, to the observers. */
  observe(x: Float64Array, off: number, y: number, w: number): void {
    this.counts[y]! += w;
    this.total += w;
    this.seen += w;
    if (!this.active) return;
    const numeric = this.numeric;
    const slots = numeric.length;
    const base = y * slots * G_SIZE;
    for (let s = 0; s < slots; s++) gaussianAdd(this.gauss, base + s * G_SIZE, x[off + numeric[s]!]!, w);
    const categorical = this.categorical;
    const classes = this.counts.length;
    for (let s = 0; s < categorical.length; s++) {
      const code = x[off + categorical[s]!]!;
      if (code < 0) continue;
      if (code >= this.nominalCodes[s]!) this.growCodes(s, code + 1);
      const table = this.nominal[s]!;
      table[y]! += w;
      table[(code + 1) * classes + y]! += w;
    }
  }

  private growCodes(s: number, codes: number): void {
    const classes = this.counts.length;
    const table = this.nominal[s]!;
    if ((codes + 1) * classes > table.length) {
      const wider = new Float64Array(Math.max((codes + 1) * classes, table.length * 2));
      wider.set(table);
      this.nominal[s] = wider;
    }
    this.nominalCodes[s] = codes;
  }

  /** The index of the largest class weight (the first on ties). */
  majority(): number {
    const counts = this.counts;
    let best = 0;
    for (let c = 1; c < counts.length; c++) if (counts[c]! > counts[best]!) best = c;
    return best;
  }

  /** Majority-class probabilities (the class weights normalized; uniform before any weight). */
  majorityProba(out: Float64Array, at: number): void {
    writeDistribution(this.counts, this.total, out, at);
  }

  /**
   * Naive Bayes probabilities from the observers (MOA's NaiveBayes.doNaiveBayesPrediction: prior
   * times each attribute's likelihood, Laplace-smoothed for categories), computed in logs. Falls back
   * to the majority-class probabilities when no class is possible (observers still empty).
   * Returns the index of the most probable class.
   */
  naiveBayesProba(x: Float64Array, off: number, out: Float64Array, at: number): number {
    const classes = this.counts.length;
    const numeric = this.numeric;
    const categorical = this.categorical;
    const slots = numeric.length;
    let max = -Infinity;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const prior = this.counts[c]!;
      let score = prior > 0 ? Math.log(prior / this.total) : -Infinity;
      const base = c * slots * G_SIZE;
      for (let s = 0; s < slots && score > -Infinity; s++) score += gaussianLogDensity(this.gauss, base + s * G_SIZE, x[off + numeric[s]!]!);
      for (let s = 0; s < categorical.length && score > -Infinity; s++) {
        const code = x[off + categorical[s]!]!;
        const codes = this.nominalCodes[s]!;
        // A missing value, or an attribute this leaf has not observed yet, says nothing; a class
        // the observer has not seen has likelihood 0 (MOA's NominalAttributeClassObserver).
        if (code < 0 || codes === 0) continue;
        const table = this.nominal[s]!;
        const seen = code < codes ? table[(code + 1) * classes + c]! : 0;
        score += table[c]! > 0 ? Math.log((seen + 1) / (table[c]! + codes)) : -Infinity;
      }
      out[at + c] = score;
      if (score > max) {
        max = score;
        best = c;
      }
    }
    if (max === -Infinity) {
      this.majorityProba(out, at);
      return this.majority();
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(out[at + c]! - max);
      out[at + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[at + c] = out[at + c]! / sum;
    return best;
  }

  /**
   * Probabilities by the leaf's prediction rule: majority class, naive Bayes, or (nba) whichever
   * has predicted the rows that reached this leaf more accurately so far.
   */
  predict(rule: LeafPrediction, x: Float64Array, off: number, out: Float64Array, at: number): void {
    if (rule === 'mc' || !this.active || (rule === 'nba' && this.mcCorrect > this.nbCorrect)) this.majorityProba(out, at);
    else this.naiveBayesProba(x, off, out, at);
  }

  /**
   * Learns one row: for the naive-Bayes-adaptive rule, first scores the majority class and naive
   * Bayes on it (scratch holds at least `classes` numbers), then observes it.
   */
  learn(rule: LeafPrediction, x: Float64Array, off: number, y: number, w: number, scratch: Float64Array): void {
    if (rule === 'nba' && this.active) {
      if (this.majority() === y) this.mcCorrect += w;
      if (this.naiveBayesProba(x, off, scratch, 0) === y) this.nbCorrect += w;
    }
    this.observe(x, off, y, w);
  }

  /** predict(rule, ..) then learn(rule, ..) in one step, with the same results (naive Bayes scored once). */
  predictAndLearn(rule: LeafPrediction, x: Float64Array, off: number, y: number, w: number, out: Float64Array, at: number): void {
    if (rule === 'nba' && this.active) {
      const useNaiveBayes = !(this.mcCorrect > this.nbCorrect);
      const mc = this.majority();
      const nb = this.naiveBayesProba(x, off, out, at);
      if (!useNaiveBayes) this.majorityProba(out, at);
      if (mc === y) this.mcCorrect += w;
      if (nb === y) this.nbCorrect += w;
    } else {
      this.predict(rule, x, off, out, at);
    }
    this.observe(x, off, y, w);
  }

  /** Is it time for a split attempt: active, below the depth limit, a grace period since the last one. */
  due(params: TreeParams): boolean {
    return this.active && this.total - this.lastAttempt >= params.gracePeriod && (params.maxDepth === null || this.depth < params.maxDepth);
  }

  /**
   * A split attempt (MOA's attemptToSplit, River's _attempt_to_split): the best split of each
   * attribute by the criterion, and the Hoeffding bound on the difference between the two best merits.
   * Returns the split to make, 'prune' when not splitting wins (no attribute has a usable split: the
   * leaf is deactivated, as River does), or null to wait for more rows.
   */
  attemptSplit(params: TreeParams): SplitCandidate | 'prune' | null {
    this.lastAttempt = this.total;
    const classes = this.counts.length;
    let nonzero = 0;
    for (let c = 0; c < classes; c++) if (this.counts[c]! > 0) nonzero++;
    if (nonzero < 2) return null;
    const candidates = this.candidates(params.criterion, params.splitPoints);
    // Not splitting is a candidate of merit -Infinity (River's merit_preprune): it wins, and the leaf
    // is pruned, only when no attribute has a usable split and the bound has fallen below tau.
    candidates.push({ merit: -Infinity, feature: -1, threshold: 0, branches: 0, post: new Float64Array(0) });
    candidates.sort((a, b) => b.merit - a.merit || a.feature - b.feature);
    if (candidates.length < 2) return null;
    const best = candidates[0]!;
    const second = candidates[1]!;
    const bound = hoeffdingBound(meritRange(params.criterion, classes), params.delta, this.total);
    if (!(best.merit - second.merit > bound || bound < params.tau)) return null;
    return best.feature < 0 ? 'prune' : best;
  }

  /** The best split of each watched attribute (one candidate per attribute with a finite merit). */
  candidates(criterion: SplitCriterion, splitPoints: number): SplitCandidate[] {
    const classes = this.counts.length;
    const out: SplitCandidate[] = [];
    if (!(this.total > 0)) return out;
    const before = impurity(criterion, this.counts, classes);
    const slots = this.numeric.length;
    const post = new Float64Array(2 * classes);
    for (let s = 0; s < slots; s++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let c = 0; c < classes; c++) {
        const at = (c * slots + s) * G_SIZE;
        if (this.gauss[at + G_WEIGHT]! <= 0) continue;
        lo = Math.min(lo, this.gauss[at + G_MIN]!);
        hi = Math.max(hi, this.gauss[at + G_MAX]!);
      }
      if (!(lo < hi)) continue;
      let bestMerit = -Infinity;
      let bestThreshold = 0;
      for (let i = 1; i <= splitPoints; i++) {
        const threshold = lo + ((hi - lo) * i) / (splitPoints + 1);
        if (!(threshold > lo && threshold < hi)) continue;
        this.binarySplit(s, threshold, post);
        const merit = meritAfter(criterion, before, post, 2, classes);
        if (merit > bestMerit) {
          bestMerit = merit;
          bestThreshold = threshold;
        }
      }
      if (bestMerit > -Infinity) {
        const best = new Float64Array(2 * classes);
        this.binarySplit(s, bestThreshold, best);
        out.push({ merit: bestMerit, feature: this.numeric[s]!, threshold: bestThreshold, branches: 2, post: best });
      }
    }
    for (let s = 0; s < this.categorical.length; s++) {
      const codes = this.nominalCodes[s]!;
      if (codes < 2) continue;
      const table = this.nominal[s]!.slice(classes, (codes + 1) * classes);
      const merit = meritAfter(criterion, before, table, codes, classes);
      if (merit > -Infinity) out.push({ merit, feature: this.categorical[s]!, threshold: 0, branches: codes, post: table });
    }
    return out;
  }

  /** The class weights estimated at or below (post[0 .. classes)) and above a threshold of numeric slot s. */
  private binarySplit(s: number, threshold: number, post: Float64Array): void {
    const classes = this.counts.length;
    const slots = this.numeric.length;
    for (let c = 0; c < classes; c++) {
      const at = (c * slots + s) * G_SIZE;
      const below = gaussianWeightBelow(this.gauss, at, threshold);
      post[c] = below;
      post[classes + c] = this.gauss[at + G_WEIGHT]! - below;
    }
  }

  /** Drops the observers (memory limit or pre-pruning); the class weights stay. */
  deactivate(): void {
    this.active = false;
    this.gauss = NO_ESTIMATORS;
    this.nominal = NO_TABLES;
    this.nominalCodes = NO_CODES;
  }

  /** Starts fresh observers (the memory limit brought the leaf back). */
  activate(): void {
    const classes = this.counts.length;
    this.active = true;
    this.gauss = new Float64Array(classes * this.numeric.length * G_SIZE);
    this.nominal = categoricalTables(this.categorical.length, classes);
    this.nominalCodes = this.categorical.length > 0 ? new Int32Array(this.categorical.length) : NO_CODES;
  }

  /** Room for more classes: every per-class array is widened, new classes at weight 0. */
  growClasses(classes: number): void {
    const old = this.counts.length;
    if (classes <= old) return;
    const counts = new Float64Array(classes);
    counts.set(this.counts);
    this.counts = counts;
    if (!this.active) return;
    // [class][slot][G_SIZE]: the new classes' estimators go at the end.
    const gauss = new Float64Array(classes * this.numeric.length * G_SIZE);
    gauss.set(this.gauss);
    this.gauss = gauss;
    this.nominal = this.nominal.map((table, s) => {
      const rows = this.nominalCodes[s]! + 1;
      const wider = new Float64Array(Math.max(rows, 4) * classes);
      for (let r = 0; r < rows; r++) wider.set(table.subarray(r * old, (r + 1) * old), r * classes);
      return wider;
    });
  }

  /**
   * Bytes this leaf holds for the memory limit, as V8 stores it (measured: see NODE_BYTES); with
   * `active` given, what it would hold active (fresh observers) or inactive (class weights only).
   * The attribute slots are shared between leaves (see HoeffdingTree.slotArray) and not counted.
   */
  bytes(active = this.active): number {
    const classes = this.counts.length;
    let n = NODE_BYTES + TYPED_ARRAY_BYTES + 8 * classes + (this.errors ? ADWIN_BYTES : 0);
    if (!active) return n;
    n += TYPED_ARRAY_BYTES + 8 * classes * this.numeric.length * G_SIZE;
    const categorical = this.categorical.length;
    if (categorical > 0) n += ARRAY_BYTES + 8 * categorical + TYPED_ARRAY_BYTES + 4 * categorical;
    for (let s = 0; s < categorical; s++) n += TYPED_ARRAY_BYTES + 8 * classes * Math.max(4, this.active ? this.nominalCodes[s]! + 1 : 1);
    return n;
  }

  state(): LeafState {
    return {
      depth: this.depth,
      counts: Array.from(this.counts),
      total: this.total,
      seen: this.seen,
      lastAttempt: this.lastAttempt,
      active: this.active,
      mcCorrect: this.mcCorrect,
      nbCorrect: this.nbCorrect,
      numeric: Array.from(this.numeric),
      categorical: Array.from(this.categorical),
      gauss: Array.from(this.gauss),
      nominal: this.nominal.map((table, s) => Array.from(table.subarray(0, (this.nominalCodes[s]! + 1) * this.counts.length))),
    };
  }

  /** `slots` turns a list of attribute slots into the array the leaf keeps (shared when it watches all). */
  static restore(s: LeafState, slots: (list: number[]) => Int32Array): Leaf {
    const leaf = new Leaf(s.depth, s.counts.length, slots(s.numeric), slots(s.categorical), s.counts);
    leaf.total = s.total;
    leaf.seen = s.seen;
    leaf.lastAttempt = s.lastAttempt;
    leaf.mcCorrect = s.mcCorrect;
    leaf.nbCorrect = s.nbCorrect;
    if (!s.active) {
      leaf.deactivate();
      return leaf;
    }
    const classes = s.counts.length;
    if (s.gauss.length !== leaf.gauss.length || s.nominal.length !== leaf.nominal.length) throw new Error('tree state: a leaf\'s observers do not match its attributes');
    leaf.gauss.set(s.gauss);
    s.nominal.forEach((table, i) => {
      if (table.length % classes !== 0 || table.length < classes) throw new Error('tree state: a categorical observer is not whole class rows');
      const codes = table.length / classes - 1;
      leaf.nominal[i] = new Float64Array(Math.max(table.length, 4 * classes));
      leaf.nominal[i]!.set(table);
      leaf.nominalCodes[i] = codes;
    });
    return leaf;
  }
}

/** A split a leaf proposes: the attribute, its threshold (numeric), and the class weights per branch. */
export interface SplitCandidate {
  merit: number;
  /** Raw-row slot of the attribute; -1 for not splitting. */
  feature: number;
  threshold: number;
  branches: number;
  /** branches * classes class weights. */
  post: Float64Array;
}

export class Split {
  /** The child of each branch; write them with setChild. */
  readonly children: (Node | null)[];
  /** The adaptive tree's monitor of this subtree's error, and the alternate subtree it grows (null in other trees). */
  errors: Adwin | null = null;
  alternate: Node | null = null;
  /** Weight of the rows that reached it, those of the leaf it replaced included. */
  seen = 0;
  constructor(
    readonly depth: number,
    readonly feature: number,
    /** Numeric: rows with x <= threshold go to child 0, the others to child 1. */
    readonly threshold: number,
    readonly categorical: boolean,
    /** Class weights at the split, for inspection and for rows whose category has no branch yet. */
    public counts: Float64Array,
    branches: number,
    /** Where rows missing this categorical attribute go: the branch that had the most weight. */
    readonly missingBranch: number,
  ) {
    this.children = new Array<Node | null>(branches).fill(null);
  }

  /** The branch of a row. */
  branch(x: Float64Array, off: number): number {
    const v = x[off + this.feature]!;
    if (!this.categorical) return v <= this.threshold ? 0 : 1;
    return v < 0 ? this.missingBranch : v;
  }

  /**
   * children[0] and children[1] again, as fields: a walk down a binary split then reads the split
   * object alone, not also the array and its elements (three cache lines a level instead of one;
   * a forest's walks are bound by those reads).
   */
  private left: Node | null = null;
  private right: Node | null = null;

  /** The child of branch b (null: none yet). */
  child(b: number): Node | null {
    return b === 0 ? this.left : b === 1 ? this.right : (this.children[b] ?? null);
  }

  /** Sets the child of branch b (a category first seen adds branches up to b). */
  setChild(b: number, node: Node | null): void {
    for (let i = this.children.length; i < b; i++) this.children.push(null);
    this.children[b] = node;
    if (b === 0) this.left = node;
    else if (b === 1) this.right = node;
  }
}

export type Node = Leaf | Split;

/**
 * What V8 (Node 20, 64-bit) spends on a node besides the numbers it holds, measured by allocating
 * 100,000 of each and reading process.memoryUsage() (heap + external): a node object with its
 * fields, each typed array (object, ArrayBuffer and backing-store record), a plain array's header,
 * an ADWIN detector (src/eval/drift/adwin.ts: its four typed arrays of 48 levels). The memory limit
 * counts these so that it bounds what the process holds, as MOA measures its trees with a sizing agent.
 */
const NODE_BYTES = 160;
const TYPED_ARRAY_BYTES = 190;
const ARRAY_BYTES = 32;
const ADWIN_BYTES = 6000;

/**
 * Per-object bytes the regression tree's estimate adds to its arrays' own (a rough V8 figure, not yet
 * measured as the classification tree's constants above are).
 */
export const LEAF_OVERHEAD = 320;
export const SPLIT_OVERHEAD = 160;
export const ARRAY_OVERHEAD = 64;

export function splitBytes(split: Split): number {
  const classes = split.counts.length;
  return NODE_BYTES + TYPED_ARRAY_BYTES + 8 * classes + ARRAY_BYTES + 8 * split.children.length + (split.errors ? ADWIN_BYTES : 0);
}

/** Shared by every leaf that holds none (inactive leaves, leaves without categorical attributes): never written. */
const NO_ESTIMATORS = new Float64Array(0);
const NO_CODES = new Int32Array(0);
const NO_TABLES: Float64Array[] = Object.freeze([]) as unknown as Float64Array[];

function categoricalTables(categorical: number, classes: number): Float64Array[] {
  return categorical > 0 ? Array.from({ length: categorical }, () => new Float64Array(classes * 4)) : NO_TABLES;
}

export interface LeafState {
  depth: number;
  counts: number[];
  total: number;
  seen: number;
  lastAttempt: number;
  active: boolean;
  mcCorrect: number;
  nbCorrect: number;
  numeric: number[];
  categorical: number[];
  gauss: number[];
  nominal: number[][];
}

export interface SplitState {
  depth: number;
  feature: number;
  threshold: number;
  categorical: boolean;
  counts: number[];
  seen: number;
  missingBranch: number;
  children: (NodeState | null)[];
}

/** A node; `errors` and `alternate` are the adaptive tree's. */
export type NodeState = ({ leaf: LeafState } | { split: SplitState; alternate?: NodeState }) & { errors?: AdwinState };

/** Writes counts / total into out[at ..] (uniform when total is 0). */
export function writeDistribution(counts: Float64Array, total: number, out: Float64Array, at: number): void {
  const n = counts.length;
  if (total > 0) for (let c = 0; c < n; c++) out[at + c] = counts[c]! / total;
  else for (let c = 0; c < n; c++) out[at + c] = 1 / n;
}

