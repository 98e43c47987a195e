/**
 * `hat`: the Hoeffding adaptive tree (Bifet and Gavaldà, "Adaptive learning from evolving data
 * streams", IDA 2009), as MOA's HoeffdingAdaptiveTree and River's HoeffdingAdaptiveTreeClassifier:
 * a Hoeffding tree whose every node watches its error with ADWIN. When a split node's error rises,
 * it starts growing an alternate subtree from a fresh leaf; once both have seen more than 300 rows,
 * the alternate replaces the node if its error is lower by more than the bound
 * sqrt(2 e (1 - e) ln(2 / 0.05) (1/n_alt + 1/n)) (e: the node's error), or is dropped if it is that
 * much worse. Leaves learn each row with a Poisson(1) weight (MOA's and River's bootstrap sampling).
 * Predictions come from the main tree only.
 */
import { Adwin } from '../../eval/drift/adwin.js';
import { Random } from '../../util/random.js';
import { Leaf, Split, type Node } from './nodes.js';
import { HoeffdingTree, writeSplitDistribution, type TreeOptions, type TreeState } from './tree.js';

/** Rows both a node and its alternate must have seen before they are compared (MOA, River). */
const COMPARE_AFTER = 300;
/** The significance of the comparison. */
const SWITCH_SIGNIFICANCE = 0.05;

export interface AdaptiveTreeState extends TreeState {
  /** Alternate subtrees started, switched in, and dropped. */
  alternates: number;
  switches: number;
  dropped: number;
}

export class AdaptiveTree extends HoeffdingTree {
  alternates = 0;
  switches = 0;
  dropped = 0;
  /** Scratch for a subtree's prediction. */
  private votes: Float64Array;

  constructor(options: TreeOptions, random: Random) {
    super(options, random);
    this.votes = new Float64Array(this.classes);
  }

  override memoryBytes(): number {
    return super.memoryBytes() + this.votes.byteLength;
  }

  override growClasses(classes: number): void {
    super.growClasses(classes);
    if (this.votes.length < classes) this.votes = new Float64Array(classes);
  }

  override learnOne(x: Float64Array, off: number, y: number, w: number): void {
    this.learnNode(this.root, null, 0, x, off, y, w, this.predicted(this.root, x, off));
  }

  /**
   * The votes of the leaves the row reaches, as MOA's HoeffdingAdaptiveTree.getVotesForInstance sums
   * them: the main tree's leaf and, under each split on the way whose alternate subtree has split
   * already, that subtree's leaves (an alternate still a single leaf does not vote). Each leaf's
   * probabilities count 1 / e^2 times, e its ADWIN error estimate, so the more accurate subtree
   * dominates; a leaf with no error yet counts as its class weights (MOA leaves its votes
   * unnormalized then), a split with no branch for the row as its class weights.
   */
  override predictOne(x: Float64Array, off: number, out: Float64Array, at: number): void {
    const k = this.classes;
    for (let c = 0; c < k; c++) out[at + c] = 0;
    this.addVotes(this.root, x, off, out, at);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[at + c]!;
    for (let c = 0; c < k; c++) out[at + c] = sum > 0 ? out[at + c]! / sum : 1 / k;
  }

  private addVotes(node: Node, x: Float64Array, off: number, out: Float64Array, at: number): void {
    const votes = this.votes;
    const k = this.classes;
    let weight: number;
    for (;;) {
      if (node instanceof Leaf) {
        node.predict(this.params.leafPrediction, x, off, votes, 0);
        const e = node.errors ? node.errors.estimation : 0;
        weight = e > 0 ? 1 / (e * e) : node.total;
        break;
      }
      if (node.alternate instanceof Split) this.addVotes(node.alternate, x, off, out, at);
      const child = node.child(node.branch(x, off));
      if (!child) {
        writeSplitDistribution(node, votes, 0);
        weight = 0;
        for (let c = 0; c < k; c++) weight += node.counts[c]!;
        break;
      }
      node = child;
    }
    for (let c = 0; c < k; c++) out[at + c] = out[at + c]! + weight * votes[c]!;
  }

  override predictAndLearnOne(x: Float64Array, off: number, y: number, w: number, out: Float64Array, at: number): void {
    this.predictOne(x, off, out, at);
    this.learnOne(x, off, y, w);
  }

  /** The class the subtree under node predicts for the row. */
  private predicted(node: Node, x: Float64Array, off: number): number {
    while (node instanceof Split) {
      const child = node.child(node.branch(x, off));
      if (!child) {
        writeSplitDistribution(node, this.votes, 0);
        return argmax(this.votes, this.classes);
      }
      node = child;
    }
    node.predict(this.params.leafPrediction, x, off, this.votes, 0);
    return argmax(this.votes, this.classes);
  }

  /** Learns the row at node (at `slot` of `holder`, as attempt() takes it); `prediction` is the node's subtree's. */
  private learnNode(node: Node, holder: Split | null, slot: number, x: Float64Array, off: number, y: number, w: number, prediction: number): void {
    const error = prediction === y ? 0 : 1;
    if (node instanceof Leaf) {
      node.errors ??= new Adwin();
      node.errors.update(error);
      // Bootstrap sampling as MOA and River do it: a Poisson(1) draw k multiplies the row's weight
      // when it is positive; a draw of 0 leaves the weight as it is (the row is never skipped).
      const k = this.random.poisson(1);
      node.learn(this.params.leafPrediction, x, off, y, k > 0 ? w * k : w, this.scratch);
      if (this.growthAllowed && node.due(this.params)) this.attempt(node, holder, slot);
      return;
    }
    node.seen += w;
    node.errors ??= new Adwin();
    const before = node.errors.estimation;
    const rose = node.errors.update(error) && node.errors.estimation > before;
    const alternate = node.alternate;
    if (rose) {
      // Every rise starts a fresh alternate, replacing one already growing (MOA, River).
      node.alternate = this.newLeaf(node.depth);
      this.alternates++;
    } else if (alternate?.errors && node.errors.width > COMPARE_AFTER && alternate.errors.width > COMPARE_AFTER) {
      const old = node.errors.estimation;
      const alt = alternate.errors.estimation;
      const n = 1 / alternate.errors.width + 1 / node.errors.width;
      const bound = Math.sqrt(2 * old * (1 - old) * Math.log(2 / SWITCH_SIGNIFICANCE) * n);
      if (bound < old - alt) {
        // The alternate is better: it takes the node's place (and learns this row there).
        this.place(holder, slot, alternate);
        this.switches++;
        this.learnNode(alternate, holder, slot, x, off, y, w, this.predicted(alternate, x, off));
        return;
      }
      if (bound < alt - old) {
        node.alternate = null;
        this.dropped++;
      }
    }
    if (node.alternate) this.learnNode(node.alternate, node, -1, x, off, y, w, this.predicted(node.alternate, x, off));
    const branch = node.branch(x, off);
    let child = node.child(branch);
    if (!child) {
      child = this.newLeaf(node.depth + 1);
      node.setChild(branch, child);
    }
    // The leaf reached from a node on the main path is the one reached from the root.
    this.learnNode(child, node, branch, x, off, y, w, prediction);
  }

  static override restore(s: AdaptiveTreeState): AdaptiveTree {
    const tree = HoeffdingTree.restoreInto(new AdaptiveTree(s.options, new Random(0)), s);
    tree.alternates = s.alternates;
    tree.switches = s.switches;
    tree.dropped = s.dropped;
    return tree;
  }

  override state(): AdaptiveTreeState {
    return { ...super.state(), alternates: this.alternates, switches: this.switches, dropped: this.dropped };
  }
}

function argmax(v: Float64Array, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[c]! > v[best]!) best = c;
  return best;
}

