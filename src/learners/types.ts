/**
 * The learner contract, shared by the per-row linear models and the mini-batch tfjs MLP.
 * Inputs are row-major blocks: row r of x is x[r*dim .. (r+1)*dim).
 */
export type Task = 'classification' | 'regression';

/**
 * Which encoding of a row a learner reads (see the featurizer):
 * - 'dense': the standardized numeric features, then one one-hot slot per category (or 2^bits
 *   hashed slots); the width grows as categories arrive.
 * - 'raw': fixed width: the numeric features' raw values (missing ones imputed with the running
 *   mean), then one slot per categorical feature holding its category code (0, 1, 2, ... in order
 *   of first arrival in that column; -1 for missing, and for a category not yet learned).
 * - 'sparse' (hashed categorical features only): fixed width (SparseShape): the standardized numeric
 *   features as in 'dense', then one (slot, value) pair per categorical feature, so that a learner
 *   can predict and learn in O(features) whatever the 2^bits slots. The linear models read it with
 *   --hash-bits.
 */
export type RowLayout = 'dense' | 'raw' | 'sparse';

/**
 * The sparse layout: `numeric` standardized numeric features (the dense row's slots 0..numeric-1),
 * then `pairs` (slot, value) pairs, one per categorical feature: its slot in the dense row and 1, or
 * (-1, 0) when it has none (missing, or the slot of an earlier pair: the dense row holds a 1 there
 * once). Width numeric + 2 * pairs; `slots` is the dense row's width, the range of the slots.
 */
export interface SparseShape {
  numeric: number;
  pairs: number;
  slots: number;
}

/** A feature as a learner reading the raw layout sees it. */
export interface FeatureInfo {
  name: string;
  kind: 'numeric' | 'categorical';
}

export interface LearnerState {
  kind: string;
  /** Plain numbers and arrays only: checkpoints store this as data. */
  [key: string]: unknown;
}

export interface Learner {
  /** The row layout it reads; 'dense' when absent. */
  readonly input?: RowLayout;
  /** The name shown in headers and events, e.g. 'logistic(adam, lr=0.01)'. */
  readonly description: string;
  /** The TensorFlow.js backend running it, for tfjs learners. */
  readonly backend?: string;
  /** How many rows the learner wants per learn() call: 1 for the per-row models. */
  readonly batchSize: number;
  /** Numbers per row in its layout. */
  readonly dim: number;
  /** Numbers per prediction: class probabilities (at least 2), or 1 for regression. */
  readonly outputs: number;
  /** Writes one prediction per row into out (rows * outputs). */
  predict(x: Float64Array, rows: number, out: Float64Array): void | Promise<void>;
  /** Learns from rows; y holds class indices or target values. */
  learn(x: Float64Array, y: Float64Array, rows: number): void | Promise<void>;
  /**
   * Optional: predict(x, rows, out) then learn(x, y, rows) in one step, with exactly the results of
   * the two calls (the predictions come from the weights before the update). Saves the learner a
   * forward pass when the rows it scores are the rows it learns (a pass-through sampler).
   */
  predictAndLearn?(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void | Promise<void>;
  /**
   * New feature slots or classes appeared mid-stream. Features and classes are only ever appended:
   * existing weights keep their meaning, new ones start neutral so predictions do not change.
   */
  grow(dim: number, classes: number): void | Promise<void>;
  /** Plain data, enough to rebuild the learner exactly. */
  state(): LearnerState | Promise<LearnerState>;
  /**
   * The bytes its model holds now (see memory.ts): its typed arrays as allocated (weights, optimizer
   * slots, counts, windows, buffers), and for what is built of objects (tree nodes) a fixed estimate
   * per object. Deterministic: the same rows give the same figure. Cheap enough to ask at every report.
   */
  memoryBytes(): number;
  /** Frees what the learner holds (tensors). */
  dispose(): void;
  /** A learner that mixes a pool of others (auto): each member's weight now and the rows it led the mix. */
  pool?(): PoolWeight[];
}

/** A member of a pool (auto), or its stacked combination of them, as the summary and `inspect --model` show it. */
export interface PoolWeight {
  member: string;
  /** Its weight in the mix of the next prediction. */
  weight: number;
  /** Rows on which it had the largest weight. */
  chosen: number;
}

export interface LearnerOptions {
  task: Task;
  dim: number;
  /** Classes known so far (classification). */
  classes: number;
  optimizer: 'sgd' | 'adagrad' | 'adam';
  lr: number;
  l2: number;
  batchSize: number;
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid' | 'elu';
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  seed: number;
}
