/**
 * The hot path of one pass: records → features → (predict → evaluate) → sampler → learner.
 * Rows go through in blocks of the learner's batch size: each block is predicted and scored before
 * any row of it is learned (prequential, "test then train"). Buffers are typed arrays reused from
 * block to block; they grow only when the feature dimension or the class count grows.
 */
import { DataError } from '../errors.js';
import type { Featurizer } from '../features/featurizer.js';
import type { RecordBatch, RowIssue } from '../io/types.js';
import type { Learner } from '../learners/types.js';
import type { Evaluator } from '../eval/metrics.js';
import type { Sampler } from '../samplers/types.js';
import type { SkippedRow } from './events.js';
import { hashUnit } from '../util/random.js';
import type { OnError } from './config.js';

/** How many skipped rows are kept as examples for the human summary. */
const SKIPPED_EXAMPLES = 5;

/** Counts of what happened to rows; kept across epochs for the summary. */
export class RowCounts {
  rows = 0;
  trained = 0;
  evaluated = 0;
  heldOut = 0;
  skipped = 0;
  readonly skippedByReason: Record<string, number> = {};
  readonly skippedExamples: SkippedRow[] = [];

  add(other: RowCounts): void {
    this.rows += other.rows;
    this.trained += other.trained;
    this.evaluated += other.evaluated;
    this.heldOut += other.heldOut;
    this.skipped += other.skipped;
    for (const [reason, n] of Object.entries(other.skippedByReason)) this.skippedByReason[reason] = (this.skippedByReason[reason] ?? 0) + n;
    for (const example of other.skippedExamples) {
      if (this.skippedExamples.length < SKIPPED_EXAMPLES) this.skippedExamples.push(example);
    }
  }
}

export interface PassSettings {
  source: string;
  onError: OnError;
  /** Fraction held out; a row is held out when hashUnit(seed, its index) < holdout. */
  holdout: number;
  seed: number;
}

/** A growable row-major block of rows with targets. */
class RowBlock {
  x: Float64Array;
  y: Float64Array;
  rows = 0;

  constructor(
    private dim: number,
    capacity: number,
  ) {
    this.x = new Float64Array(Math.max(1, capacity * dim));
    this.y = new Float64Array(Math.max(1, capacity));
  }

  push(row: Float64Array, dim: number, y: number): void {
    if (dim !== this.dim) this.resize(dim);
    const at = this.rows * dim;
    if (at + dim > this.x.length) {
      const x = new Float64Array(Math.max(this.x.length * 2, at + dim));
      x.set(this.x);
      this.x = x;
      const ys = new Float64Array(this.y.length * 2);
      ys.set(this.y);
      this.y = ys;
    }
    for (let j = 0; j < dim; j++) this.x[at + j] = row[j]!;
    this.y[this.rows++] = y;
  }

  /** Re-lays out the rows already held at a wider dimension, zero-padding the new slots. */
  private resize(dim: number): void {
    const x = new Float64Array(Math.max(this.x.length, (this.y.length) * dim));
    for (let r = 0; r < this.rows; r++) x.set(this.x.subarray(r * this.dim, (r + 1) * this.dim), r * dim);
    this.x = x;
    this.dim = dim;
  }

  /** Drops the first n rows, keeping the rest in order. */
  shift(n: number): void {
    this.x.copyWithin(0, n * this.dim, this.rows * this.dim);
    this.y.copyWithin(0, n, this.rows);
    this.rows -= n;
  }
}

/**
 * Per-row learners are synchronous, and an async function costs a promise per call: at millions of
 * rows a second that is most of the time. So the steps below return a promise only when the learner
 * did (the tfjs MLP), and callers await only then.
 */
type MaybeAsync = void | Promise<void>;

/** Chains a step after one that may be async; callers pass `next` as a method reference so nothing is allocated. */
function then<A>(first: MaybeAsync, next: (arg: A) => MaybeAsync, self: object, arg: A): MaybeAsync {
  return first ? first.then(() => next.call(self, arg)) : next.call(self, arg);
}

export class TrainingPass {
  readonly counts = new RowCounts();
  private readonly block: RowBlock;
  private readonly pending: RowBlock;
  private predictions: Float64Array;
  /** The row being offered to the sampler: one reused array instead of a view per row. */
  private offered: Float64Array;
  private recordIndex = 0;
  /** Rows in the learn() call under way. */
  private learning = 0;
  private readonly sink: (x: Float64Array, y: number) => void;

  constructor(
    private readonly featurizer: Featurizer,
    private readonly learner: Learner,
    private readonly sampler: Sampler,
    private readonly evaluator: Evaluator,
    private readonly settings: PassSettings,
  ) {
    const b = learner.batchSize;
    this.block = new RowBlock(featurizer.dim, b);
    this.pending = new RowBlock(featurizer.dim, b * 2);
    this.predictions = new Float64Array(b * learner.outputs);
    this.offered = new Float64Array(featurizer.dim);
    this.sink = (x, y) => this.pending.push(x, this.featurizer.dim, y);
  }

  /** Runs one batch of records through; resolves when every full block in it has been learned. */
  async consume(batch: RecordBatch): Promise<void> {
    const { featurizer, block, settings } = this;
    const batchSize = this.learner.batchSize;
    for (let r = 0; r < batch.rows; r++) {
      const index = this.recordIndex++;
      this.counts.rows++;
      const issue = batch.issues?.[r];
      if (issue) {
        this.reject(batch, r, issue);
        continue;
      }
      if (settings.holdout > 0 && hashUnit(settings.seed, index) < settings.holdout) {
        this.counts.heldOut++;
        continue;
      }
      const before = featurizer.dim;
      const classesBefore = featurizer.classes.length;
      const y = featurizer.encode(batch, r, true);
      if (typeof y !== 'number') {
        this.reject(batch, r, y);
        continue;
      }
      if (featurizer.dim !== before || featurizer.classes.length !== classesBefore) {
        const grown = this.grow();
        if (grown) await grown;
      }
      block.push(featurizer.row, featurizer.dim, y);
      if (block.rows === batchSize) {
        const flushed = this.flush();
        if (flushed) await flushed;
      }
    }
  }

  /** The input is exhausted: score and learn what is left, and drain the sampler. */
  async finish(): Promise<void> {
    await this.flush();
    this.sampler.endEpoch(this.sink);
    await this.learnPending(true);
  }

  private reject(batch: RecordBatch, r: number, issue: RowIssue): void {
    const line = batch.line[r]!;
    if (this.settings.onError === 'fail') {
      throw new DataError({ source: this.settings.source, line, ...(issue.field === undefined ? {} : { field: issue.field }) }, issue.message, issue.reason);
    }
    const counts = this.counts;
    counts.skipped++;
    counts.skippedByReason[issue.reason] = (counts.skippedByReason[issue.reason] ?? 0) + 1;
    if (counts.skippedExamples.length < SKIPPED_EXAMPLES) {
      counts.skippedExamples.push({ line, reason: issue.reason, message: issue.field === undefined ? issue.message : `field "${issue.field}": ${issue.message}` });
    }
  }

  /** New feature slots or classes: finish the block at the old shape, then grow the learner. */
  private grow(): MaybeAsync {
    return then(this.flush(), this.growLearner, this, undefined);
  }

  private growLearner(): MaybeAsync {
    return then(this.learner.grow(this.featurizer.dim, this.featurizer.classes.length), this.sizePredictions, this, undefined);
  }

  private sizePredictions(): void {
    if (this.predictions.length < this.learner.batchSize * this.learner.outputs) {
      this.predictions = new Float64Array(this.learner.batchSize * this.learner.outputs);
    }
  }

  /** Predicts and scores the block, then offers its rows to the sampler and learns what it emits. */
  private flush(): MaybeAsync {
    const rows = this.block.rows;
    if (rows === 0) return;
    return then(this.learner.predict(this.block.x, rows, this.predictions), this.scoreAndOffer, this, rows);
  }

  private scoreAndOffer(rows: number): MaybeAsync {
    const block = this.block;
    const dim = this.featurizer.dim;
    const outputs = this.learner.outputs;
    for (let r = 0; r < rows; r++) this.evaluator.add(this.predictions, r * outputs, outputs, block.y[r]!);
    this.counts.evaluated += rows;
    if (rows === 1) {
      // The block's first row starts at 0: offer it as it is (samplers read only `dim` values).
      this.sampler.offer(block.x, dim, block.y[0]!, this.sink);
    } else {
      if (this.offered.length < dim) this.offered = new Float64Array(dim);
      const offered = this.offered;
      for (let r = 0; r < rows; r++) {
        const at = r * dim;
        for (let j = 0; j < dim; j++) offered[j] = block.x[at + j]!;
        this.sampler.offer(offered, dim, block.y[r]!, this.sink);
      }
    }
    block.rows = 0;
    return this.learnPending(false);
  }

  /** Learns the pending rows in full batches (and the remainder too at the end of the input). */
  private learnPending(all: boolean): MaybeAsync {
    const pending = this.pending;
    const batchSize = this.learner.batchSize;
    const available = pending.rows;
    if (available < batchSize && !(all && available > 0)) return;
    // Per-row learners take every pending row in one call; the MLP one full batch at a time.
    const n = batchSize === 1 ? available : Math.min(batchSize, available);
    this.learning = n;
    return then(this.learner.learn(pending.x, pending.y, n), this.learned, this, all);
  }

  private learned(all: boolean): MaybeAsync {
    const n = this.learning;
    this.counts.trained += n;
    this.pending.shift(n);
    return this.learnPending(all);
  }
}

/** Scores held-out rows at the end of an epoch, learning nothing and changing no statistics. */
export class HoldoutPass {
  private readonly block: RowBlock;
  private predictions: Float64Array;
  private recordIndex = 0;

  constructor(
    private readonly featurizer: Featurizer,
    private readonly learner: Learner,
    private readonly evaluator: Evaluator,
    private readonly settings: PassSettings,
  ) {
    this.block = new RowBlock(featurizer.dim, learner.batchSize);
    this.predictions = new Float64Array(learner.batchSize * learner.outputs);
  }

  async consume(batch: RecordBatch): Promise<void> {
    const { featurizer, block, settings } = this;
    for (let r = 0; r < batch.rows; r++) {
      const index = this.recordIndex++;
      if (batch.issues?.[r] || hashUnit(settings.seed, index) >= settings.holdout) continue;
      const y = featurizer.encode(batch, r, false);
      // Bad held-out rows were counted as skipped (or failed the run) in the training pass.
      if (typeof y !== 'number') continue;
      block.push(featurizer.row, featurizer.dim, y);
      if (block.rows === this.learner.batchSize) {
        const flushed = this.flush();
        if (flushed) await flushed;
      }
    }
  }

  flush(): MaybeAsync {
    const rows = this.block.rows;
    if (rows === 0) return;
    return then(this.learner.predict(this.block.x, rows, this.predictions), this.score, this, rows);
  }

  private score(rows: number): void {
    const outputs = this.learner.outputs;
    for (let r = 0; r < rows; r++) this.evaluator.add(this.predictions, r * outputs, outputs, this.block.y[r]!);
    this.block.rows = 0;
  }
}
