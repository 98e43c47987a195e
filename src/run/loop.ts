/**
 * The hot path of one pass: records → features → (predict → evaluate) → sampler → learner.
 * Rows go through in blocks of the learner's batch size: each block is predicted and scored before
 * any row of it is learned (prequential, "test then train"). Buffers are typed arrays reused from
 * block to block; they grow only when the feature dimension or the class count grows.
 * Rows are in the layout the learner reads (Learner.input): blocks, sampler rows and carried rows
 * have that layout's width.
 */
import { DataError, singleLine } from '../errors.js';
import type { Featurizer } from '../features/featurizer.js';
import type { RecordBatch, RowIssue } from '../io/types.js';
import type { Learner, RowLayout } from '../learners/types.js';
import type { Evaluator } from '../eval/metrics.js';
import type { StreamEvaluation } from '../eval/stream.js';
import type { Sampler } from '../samplers/types.js';
import type { SkippedRow } from './events.js';
import { hashUnit } from '../util/random.js';
import type { OnError } from './config.js';
import { DelayLine, type DelayClock, type DelayedState } from './delay.js';
import type { Renewal } from './reset.js';
import { diverged } from './divergence.js';

/** A time-based delay's line starts with room for this many rows (and doubles as needed). */
const INITIAL_TIMED_ROWS = 1024;

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
  /** The index of the pass's first row in the stream (a resumed run continues where its checkpoint ended). */
  firstIndex?: number;
  /** Told of each row's prediction and of each skipped row (`predict --learn`). */
  observer?: RowObserver;
  /** --delay: rows scored and learned this many rows after they were predicted (0: at once). */
  delay?: number;
  /** --delay-column, --delay-seconds: a time-based delay instead, one clock per epoch (see DelayClock). */
  clock?: DelayClock;
}

/** Sees rows as a pass settles them; rows are named by their index in the stream. */
export interface RowObserver {
  /** The row was predicted: `outputs` numbers at p[at]. Predicted rows come in stream order. */
  predicted(index: number, p: Float64Array, at: number, outputs: number): void;
  /** The row was skipped (with --on-error skip). */
  rejected(index: number, issue: RowIssue): void;
}

/** Rows a pass holds between calls, as plain data (checkpoints). */
export interface CarriedRows {
  /**
   * Read and encoded, not yet predicted and scored (the MLP scores a mini-batch at a time); `raw`,
   * for a sampler that keeps rows, their numeric features in their own units (rows * numeric).
   */
  block: { rows: number; dim: number; x: number[]; y: number[]; index: number[]; raw?: number[] };
  /** Passed on by the sampler, not yet learned (less than a mini-batch). */
  pending: { rows: number; dim: number; x: number[]; y: number[] };
  /** --delay: predicted, waiting for their label (absent without a delay). */
  delayed?: DelayedState;
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

  get width(): number {
    return this.dim;
  }

  /** The rows as plain data. */
  save(): { rows: number; dim: number; x: number[]; y: number[] } {
    return { rows: this.rows, dim: this.dim, x: Array.from(this.x.subarray(0, this.rows * this.dim)), y: Array.from(this.y.subarray(0, this.rows)) };
  }

  push(row: Float64Array, dim: number, y: number): void {
    if (dim !== this.dim) this.widen(dim);
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
  widen(dim: number): void {
    if (dim === this.dim) return;
    const x = new Float64Array(Math.max(this.x.length, (this.y.length) * dim));
    for (let r = 0; r < this.rows; r++) x.set(this.x.subarray(r * this.dim, (r + 1) * this.dim), r * dim);
    this.x = x;
    this.dim = dim;
  }

  /** Drops the first n rows, keeping the rest in order. */
  shift(n: number): void {
    if (n === this.rows) {
      this.rows = 0;
      return;
    }
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
function then<A, B = undefined>(first: MaybeAsync, next: (arg: A, arg2: B) => MaybeAsync, self: object, arg: A, arg2?: B): MaybeAsync {
  return first ? first.then(() => next.call(self, arg, arg2 as B)) : next.call(self, arg, arg2 as B);
}

/** What a training pass tells of the rows it does not learn. */
interface RowFate {
  heldOut(): void;
  reject(batch: RecordBatch, r: number, issue: RowIssue, index: number): void;
}

/**
 * Encodes row r of the batch (stream index `index`) for training and returns its target; NaN when
 * the row is not learned: bad (rejected, or the run fails) or held out.
 */
function encodeRow(featurizer: Featurizer, settings: PassSettings, batch: RecordBatch, r: number, index: number, fate: RowFate): number {
  const issue = batch.issues?.[r];
  if (issue) {
    fate.reject(batch, r, issue, index);
    return NaN;
  }
  if (settings.holdout > 0 && hashUnit(settings.seed, index) < settings.holdout) {
    // A bad held-out row fails the run or counts as skipped, like any other bad row.
    const bad = featurizer.check(batch, r);
    if (bad !== null) fate.reject(batch, r, bad, index);
    else fate.heldOut();
    return NaN;
  }
  const y = featurizer.encode(batch, r, true);
  if (typeof y === 'number') return y;
  fate.reject(batch, r, y, index);
  return NaN;
}

export class TrainingPass {
  readonly counts = new RowCounts();
  private readonly block: RowBlock;
  private readonly pending: RowBlock;
  private predictions: Float64Array;
  /** The row being offered to the sampler: one reused array instead of a view per row. */
  private offered: Float64Array;
  private recordIndex: number;
  /** Rows in the learn() call under way. */
  private learning = 0;
  /** Stream index of each block row (for the observer). */
  private blockIndex: Float64Array;
  /** Block rows already predicted (and told to the observer) by predictNow(). */
  private predictedRows = 0;
  private readonly sink: (x: Float64Array, y: number) => void;
  /** The width of the rows being offered to the sampler, which it emits back at that width. */
  private offerDim: number;
  /** The sampler passes every row straight through and the learner can predict and learn in one step. */
  private readonly fused: boolean;
  /**
   * Fused, one row a batch, and no observer: each row is predicted, learned and scored as soon as
   * it is encoded, without going through the block.
   */
  private readonly direct: boolean;
  /** The target of the row in hand, as the one-row array predictAndLearn() takes. */
  private readonly target = new Float64Array(1);
  /** The row layout the learner reads. */
  private readonly layout: RowLayout;
  /** The learner's row width and class count: a row that changes them grows the learner first. */
  private width: number;
  private classes: number;
  /** The stream's evaluation (baselines, window, detector), told the index of each row scored. */
  private readonly scoring: StreamEvaluation | null;
  /** The first prediction found diverged (see divergence.ts), with the row read before it was seen. */
  divergence: { prediction: number; rows: number } | undefined;
  /** For a sampler that keeps rows of the dense layout: the block rows' numeric features in their own units. */
  private readonly raw: RowBlock | undefined;
  /** The row offered to such a sampler to keep: the encoded row with those raw numeric features. */
  private kept: Float64Array;
  /** --delay: the rows predicted and waiting for their label, and the predictions of the one leaving. */
  private readonly delayed: DelayLine | undefined;
  private delayedPrediction: Float64Array;
  /** A time-based delay: the time of the row held last. */
  private latest = -Infinity;
  /** --on-drift reset: the detector fired; the learner is replaced before the next row is taken. */
  private resetDue = false;

  constructor(
    private readonly featurizer: Featurizer,
    private learner: Learner,
    private readonly sampler: Sampler,
    private readonly evaluator: Evaluator,
    private readonly settings: PassSettings,
    /** --on-drift reset: a fresh learner in place of this one (see reset.ts). */
    private readonly renew?: Renewal,
  ) {
    const b = learner.batchSize;
    this.layout = learner.input ?? 'dense';
    const width = featurizer.widthOf(this.layout);
    this.width = width;
    this.classes = featurizer.classes.length;
    this.block = new RowBlock(width, b);
    this.pending = new RowBlock(width, b * 2);
    this.predictions = new Float64Array(b * learner.outputs);
    this.offered = new Float64Array(width);
    this.offerDim = width;
    this.sink = (x, y) => this.pending.push(x, this.offerDim, y);
    this.recordIndex = settings.firstIndex ?? 0;
    this.blockIndex = new Float64Array(b);
    this.fused = sampler.passThrough === true && typeof learner.predictAndLearn === 'function';
    const clock = settings.clock;
    const delay = settings.delay ?? 0;
    this.direct = this.fused && b === 1 && settings.observer === undefined && !(delay > 0) && clock === undefined;
    this.scoring = evaluator.stream;
    // Rows of the raw layout are kept as they are: they do not depend on the statistics of their time.
    // The dense and sparse ones start with the standardized numeric features, kept raw (see RowScaler).
    const keepsRaw = sampler.keepsRows === true && this.layout !== 'raw';
    featurizer.keepRaw = keepsRaw;
    this.raw = keepsRaw ? new RowBlock(featurizer.numericCount, b) : undefined;
    this.kept = new Float64Array(keepsRaw ? width : 0);
    // One slot more than the delay: the arriving row is held before the one it pushes out leaves.
    // A sampler that keeps rows is offered a row's numeric features in their own units when its label arrives: they wait with it.
    // A time-based delay starts with room for a few rows and grows as more fall within the delay.
    const numeric = keepsRaw ? featurizer.numericCount : 0;
    this.delayed = clock ? new DelayLine(Math.min(INITIAL_TIMED_ROWS, clock.cap), width, learner.outputs, numeric, true) : delay > 0 ? new DelayLine(delay + 1, width, learner.outputs, numeric) : undefined;
    this.delayedPrediction = new Float64Array(this.delayed ? learner.outputs : 0);
    if (renew && this.scoring !== null) {
      // The next row then takes the path of a row that changes the learner's shape (take()), where
      // the learner is replaced: the rows before it cost nothing more.
      this.scoring.onDrift = () => {
        this.resetDue = true;
        this.width = -1;
      };
    }
  }

  /** Runs one batch of records through; resolves when every full block in it has been learned. */
  async consume(records: RecordBatch): Promise<void> {
    const batch = this.settings.clock ? this.settings.clock.read(records, this.recordIndex) : records;
    for (let r = 0; r < batch.rows; r++) {
      const index = this.recordIndex++;
      this.counts.rows++;
      const y = encodeRow(this.featurizer, this.settings, batch, r, index, this);
      if (Number.isNaN(y)) continue;
      const taken = this.take(index, y);
      if (taken) await taken;
    }
    const settled = this.settle();
    if (settled) await settled;
    this.endBatch();
  }

  /**
   * A reset due after the last row taken is done now: a checkpoint taken between batches then never
   * holds a learner about to be replaced.
   */
  settle(): MaybeAsync {
    if (this.resetDue) return this.grow();
  }

  /**
   * The row the featurizer has just encoded (stream index `index`, target `y`), in this learner's
   * layout: grows the learner if the row brought new slots or classes, then predicts, scores and
   * learns it (at once on the direct path; otherwise through the block).
   */
  take(index: number, y: number): MaybeAsync {
    const { featurizer, layout } = this;
    if (featurizer.widthOf(layout) !== this.width || featurizer.classes.length !== this.classes) {
      return then(this.grow(), this.takeRow, this, index, y);
    }
    return this.takeRow(index, y);
  }

  private takeRow(index: number, y: number): MaybeAsync {
    const { featurizer, layout, block } = this;
    if (this.delayed) return this.predictDelayed(index, y);
    if (this.direct) {
      this.target[0] = y;
      // Scored here rather than through then(): its call of a method reference costs a per-row
      // learner a few nanoseconds a row; an asynchronous one pays a closure.
      const learned = this.learner.predictAndLearn!(featurizer.rowOf(layout), this.target, 1, this.predictions);
      if (learned) return learned.then(() => this.scoreDirect(index, y));
      this.scoreDirect(index, y);
      return;
    }
    this.blockIndex[block.rows] = index;
    block.push(featurizer.rowOf(layout), this.width, y);
    this.raw?.push(featurizer.raw, featurizer.numericCount, y);
    if (block.rows === this.learner.batchSize) return this.flush();
  }

  private scoreDirect(index: number, y: number): void {
    if (this.scoring !== null) this.scoring.index = index;
    this.evaluator.add(this.predictions, 0, this.learner.outputs, y);
    this.counts.evaluated++;
    this.counts.trained++;
  }

  /** After a batch of records: looks at the latest predictions for divergence. */
  endBatch(): void {
    if (this.divergence === undefined && this.counts.evaluated > 0) this.checkDivergence();
  }

  /** Rows of the dense layout are kept by its sampler in their own units (featurizer.keepRaw). */
  get keepsRaw(): boolean {
    return this.raw !== undefined;
  }

  /** Looks at the latest predictions (the first of the last block scored): one row per batch of records. */
  private checkDivergence(): void {
    const { featurizer, predictions } = this;
    if (diverged(featurizer.schema.task, predictions, 0, this.learner.outputs, featurizer.targetRange)) {
      this.divergence = { prediction: predictions[0]!, rows: this.counts.rows };
    }
  }

  /**
   * Predicts the block's rows not yet predicted and tells the observer, without scoring or learning
   * them: a live stream gets its predictions as rows arrive, not when a mini-batch fills. The block
   * is scored and learned as usual when it fills (same weights, so the same predictions).
   */
  predictNow(): MaybeAsync {
    const from = this.predictedRows;
    const rows = this.block.rows;
    if (from === rows) return;
    const outputs = this.learner.outputs;
    const done =
      from === 0
        ? this.learner.predict(this.block.x, rows, this.predictions)
        : this.learner.predict(this.block.x.subarray(from * this.block.width), rows - from, this.predictions.subarray(from * outputs));
    return then(done, this.tell, this, rows);
  }

  /** Tells the observer of the block's predictions from predictedRows up to `rows`. */
  private tell(rows: number): void {
    const observer = this.settings.observer;
    const outputs = this.learner.outputs;
    if (observer) for (let r = this.predictedRows; r < rows; r++) observer.predicted(this.blockIndex[r]!, this.predictions, r * outputs, outputs);
    this.predictedRows = rows;
  }

  /** The rows held between calls, for a checkpoint; `carry` puts them back in a new pass. */
  carried(): CarriedRows {
    const block = this.block.save();
    const index = Array.from(this.blockIndex.subarray(0, block.rows));
    return {
      block: { ...block, index, ...(this.raw ? { raw: this.raw.save().x } : {}) },
      pending: this.pending.save(),
      ...(this.delayed ? { delayed: this.savedDelayed(this.delayed) } : {}),
    };
  }

  carry(rows: CarriedRows): void {
    if (this.block.rows > 0 || this.pending.rows > 0) throw new Error('carry(): the pass has already started');
    const { block, pending, delayed } = rows;
    if (delayed && delayed.rows > 0) {
      if (!this.delayed) throw new Error(`it holds ${delayed.rows} rows waiting for their label (--delay): resume it with its --delay`);
      this.delayed.restore(delayed);
      const clock = this.settings.clock;
      if (clock && delayed.now !== undefined) clock.restart(delayed.now);
    }
    if (block.rows >= this.learner.batchSize) throw new Error(`the carried block holds ${block.rows} rows, a mini-batch is ${this.learner.batchSize}`);
    const numeric = this.featurizer.numericCount;
    for (let r = 0; r < block.rows; r++) {
      this.blockIndex[r] = block.index[r]!;
      const x = Float64Array.from(block.x.slice(r * block.dim, (r + 1) * block.dim));
      this.block.push(x, block.dim, block.y[r]!);
      if (!this.raw) continue;
      // A checkpoint without them (saved before rows were kept raw): as nearly as the statistics now allow.
      if (block.raw) x.set(block.raw.slice(r * numeric, (r + 1) * numeric));
      else this.featurizer.unstandardize(x);
      this.raw.push(x, numeric, block.y[r]!);
    }
    for (let r = 0; r < pending.rows; r++) this.pending.push(Float64Array.from(pending.x.slice(r * pending.dim, (r + 1) * pending.dim)), pending.dim, pending.y[r]!);
  }

  /** The input is exhausted: score and learn what is left, and drain the sampler. */
  async finish(): Promise<void> {
    await this.flush();
    await this.settle();
    await this.releaseDelayed(true);
    this.offerDim = this.featurizer.widthOf(this.layout);
    this.sampler.endEpoch(this.sink);
    await this.learnPending(true);
  }

  heldOut(): void {
    this.counts.heldOut++;
  }

  reject(batch: RecordBatch, r: number, issue: RowIssue, index: number): void {
    const line = batch.line[r]!;
    if (this.settings.onError === 'fail' || issue.fatal === true) {
      // The row is not consumed: the counts (and a checkpoint taken now) cover the rows before it.
      this.counts.rows--;
      this.recordIndex--;
      throw new DataError({ source: this.settings.source, line, ...(issue.field === undefined ? {} : { field: issue.field }) }, issue.message, issue.reason);
    }
    this.settings.observer?.rejected(index, issue);
    const counts = this.counts;
    counts.skipped++;
    counts.skippedByReason[issue.reason] = (counts.skippedByReason[issue.reason] ?? 0) + 1;
    if (counts.skippedExamples.length < SKIPPED_EXAMPLES) {
      counts.skippedExamples.push({ line, reason: issue.reason, message: singleLine(issue.field === undefined ? issue.message : `field "${issue.field}": ${issue.message}`) });
    }
  }

  /** --delay: predicts the row now; the row that has waited `delay` rows is scored and learned. */
  private predictDelayed(index: number, y: number): MaybeAsync {
    const outputs = this.learner.outputs;
    return then(this.learner.predict(this.featurizer.rowOf(this.layout), 1, this.predictions), this.holdDelayed, this, { index, y, outputs });
  }

  private holdDelayed(row: { index: number; y: number; outputs: number }): MaybeAsync {
    this.settings.observer?.predicted(row.index, this.predictions, 0, row.outputs);
    const line = this.delayed!;
    const clock = this.settings.clock;
    if (clock) {
      if (line.full) {
        if (line.capacity >= clock.cap) throw this.overCap(clock, row.index);
        line.ensure(Math.min(clock.cap, 2 * line.capacity));
      }
      this.latest = clock.timeOf(row.index);
    }
    line.push(this.featurizer.rowOf(this.layout), this.predictions, 0, row.y, row.index, this.featurizer.raw, this.latest);
    return this.due(line) ? this.releaseDelayed(false) : undefined;
  }

  /** Whether the oldest row's label has arrived: N rows after it, or a row at least S seconds later. */
  private due(line: DelayLine): boolean {
    const clock = this.settings.clock;
    return clock ? line.oldestTime + clock.seconds <= this.latest : line.full;
  }

  private overCap(clock: DelayClock, index: number): DataError {
    return new DataError(
      { source: this.settings.source },
      `row ${index + 1} of the stream: more than --delay-max-rows ${clock.cap} rows would wait for their label (--delay-seconds ${clock.seconds} on "${clock.name}"): a shorter delay, or a larger --delay-max-rows if the memory allows`,
      'delay-cap',
    );
  }

  /** The delay line as plain data, with a time-based delay's time of the last row read. */
  private savedDelayed(line: DelayLine): DelayedState {
    const now = this.settings.clock?.now;
    return { ...line.save(), ...(now !== undefined && Number.isFinite(now) ? { now } : {}) };
  }

  /** Scores and learns the oldest delayed row (with `all`, every one left, at the end of the input). */
  private releaseDelayed(all: boolean): MaybeAsync {
    const line = this.delayed;
    if (!line) return;
    while (line.count > 0 && (all || this.due(line))) {
      const dim = this.featurizer.widthOf(this.layout);
      if (this.offered.length < dim) this.offered = new Float64Array(dim);
      const outputs = this.learner.outputs;
      if (this.delayedPrediction.length < outputs) this.delayedPrediction = new Float64Array(outputs);
      const keeps = this.raw !== undefined && this.featurizer.numericCount > 0;
      if (keeps && this.kept.length < dim) this.kept = new Float64Array(dim);
      const { y, index } = line.shift(this.offered, this.delayedPrediction, this.kept);
      if (this.scoring !== null) this.scoring.index = index;
      this.evaluator.add(this.delayedPrediction, 0, outputs, y);
      this.counts.evaluated++;
      this.offerDim = dim;
      this.sampler.offer(this.offered, dim, y, this.sink, keeps ? this.kept : undefined);
      // A drift on this row: the learner is replaced once the row is learned, before the next leaves the line.
      const learned = this.resetDue ? then(this.learnPending(false), this.grow, this, undefined) : this.learnPending(false);
      if (learned) return learned.then(() => this.releaseDelayed(all));
    }
  }

  /** New feature slots or classes: finish the block at the old shape, then grow the learner. */
  private grow(): MaybeAsync {
    return then(this.flush(), this.growLearner, this, undefined);
  }

  private growLearner(): MaybeAsync {
    if (this.resetDue) return this.reset();
    return then(this.learner.grow(this.featurizer.widthOf(this.layout), this.featurizer.classes.length), this.afterGrow, this, undefined);
  }

  /** --on-drift reset: a fresh learner, built at the shape of the moment, takes the place of this one. */
  private async reset(): Promise<void> {
    this.resetDue = false;
    this.learner = await this.renew!();
    this.afterGrow();
  }

  private afterGrow(): void {
    const width = this.featurizer.widthOf(this.layout);
    this.width = width;
    this.classes = this.featurizer.classes.length;
    // Rows waiting for a full mini-batch were laid out at the old width: the learner now reads the new one.
    this.pending.widen(width);
    // Empty here (flushed before growing); widened now so that it has the new width even when rows
    // go direct and never pass through it.
    this.block.widen(width);
    this.delayed?.widen(width, this.learner.outputs);
    if (this.predictions.length < this.learner.batchSize * this.learner.outputs) {
      this.predictions = new Float64Array(this.learner.batchSize * this.learner.outputs);
    }
  }

  /** Predicts and scores the block, then offers its rows to the sampler and learns what it emits. */
  private flush(): MaybeAsync {
    const rows = this.block.rows;
    if (rows === 0) return;
    if (this.predictedRows > 0 || this.settings.observer) return then(this.predictNow(), this.scoreAndOffer, this, rows);
    if (this.fused && rows === this.learner.batchSize && this.pending.rows === 0) {
      // A pass-through sampler would hand the block, unchanged, to learn() as one full batch:
      // predicting and learning it in one step gives the same predictions and weights.
      return then(this.learner.predictAndLearn!(this.block.x, this.block.y, rows, this.predictions), this.scoreLearned, this, rows);
    }
    return then(this.learner.predict(this.block.x, rows, this.predictions), this.scoreAndOffer, this, rows);
  }

  /** Scores the block's predicted rows, telling the stream's evaluation which row each is. */
  private score(rows: number): void {
    const outputs = this.learner.outputs;
    const scoring = this.scoring;
    for (let r = 0; r < rows; r++) {
      if (scoring !== null) scoring.index = this.blockIndex[r]!;
      this.evaluator.add(this.predictions, r * outputs, outputs, this.block.y[r]!);
    }
  }

  /** Scores a block that predictAndLearn() has already learned. */
  private scoreLearned(rows: number): void {
    this.score(rows);
    this.counts.evaluated += rows;
    this.counts.trained += rows;
    this.block.rows = 0;
  }

  private scoreAndOffer(rows: number): MaybeAsync {
    const block = this.block;
    this.predictedRows = 0;
    // The block's own width: when a new category arrives, the block is flushed at the old width
    // before the learner grows.
    const dim = block.width;
    this.offerDim = dim;
    this.score(rows);
    this.counts.evaluated += rows;
    if (this.raw) {
      this.offerKept(rows, dim);
    } else if (rows === 1) {
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

  /** Offers the block's rows to a sampler that keeps rows, each with its raw numeric features to keep. */
  private offerKept(rows: number, dim: number): void {
    const block = this.block;
    const raw = this.raw!;
    const numeric = raw.width;
    if (this.offered.length < dim) this.offered = new Float64Array(dim);
    if (this.kept.length < dim) this.kept = new Float64Array(dim);
    const { offered, kept } = this;
    for (let r = 0; r < rows; r++) {
      const at = r * dim;
      for (let j = 0; j < dim; j++) offered[j] = kept[j] = block.x[at + j]!;
      for (let j = 0; j < numeric; j++) kept[j] = raw.x[r * numeric + j]!;
      this.sampler.offer(offered, dim, block.y[r]!, this.sink, kept);
    }
    raw.rows = 0;
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

/**
 * Several learners side by side (contenders): each row is read and encoded once (the featurizer's
 * statistics advance once per row), then taken by every contender's pass in turn, each of which
 * counts, predicts, scores and learns it exactly as it would in a run of its own.
 */
export class SharedPass {
  /** The time spent in each contender's take() (its predict and learn, and its scoring). */
  readonly busyMs: Float64Array;
  private recordIndex: number;

  constructor(
    private readonly featurizer: Featurizer,
    readonly passes: readonly TrainingPass[],
    private readonly settings: PassSettings,
  ) {
    this.busyMs = new Float64Array(passes.length);
    this.recordIndex = settings.firstIndex ?? 0;
    featurizer.keepRaw = passes.some((p) => p.keepsRaw);
  }

  async consume(records: RecordBatch): Promise<void> {
    const { passes, busyMs } = this;
    const batch = this.settings.clock ? this.settings.clock.read(records, this.recordIndex) : records;
    const n = passes.length;
    for (let r = 0; r < batch.rows; r++) {
      const index = this.recordIndex++;
      for (let i = 0; i < n; i++) passes[i]!.counts.rows++;
      const y = encodeRow(this.featurizer, this.settings, batch, r, index, this);
      if (Number.isNaN(y)) continue;
      let started = performance.now();
      for (let i = 0; i < n; i++) {
        const taken = passes[i]!.take(index, y);
        if (taken) await taken;
        const now = performance.now();
        busyMs[i]! += now - started;
        started = now;
      }
    }
    for (let i = 0; i < n; i++) {
      const settled = passes[i]!.settle();
      if (settled) await settled;
      passes[i]!.endBatch();
    }
  }

  heldOut(): void {
    for (const pass of this.passes) pass.heldOut();
  }

  /** A bad row, for every contender: with --on-error fail, none of them has read it, and the run stops. */
  reject(batch: RecordBatch, r: number, issue: RowIssue, index: number): void {
    if (this.settings.onError === 'fail' || issue.fatal === true) {
      this.recordIndex--;
      for (let i = 1; i < this.passes.length; i++) this.passes[i]!.counts.rows--;
    }
    for (const pass of this.passes) pass.reject(batch, r, issue, index);
  }

  async finish(): Promise<void> {
    for (const pass of this.passes) await pass.finish();
  }
}

/** Scores held-out rows at the end of an epoch, learning nothing and changing no statistics. */
export class HoldoutPass {
  private readonly block: RowBlock;
  private predictions: Float64Array;
  private recordIndex: number;
  private readonly layout: RowLayout;

  constructor(
    private readonly featurizer: Featurizer,
    private readonly learner: Learner,
    private readonly evaluator: Evaluator,
    private readonly settings: PassSettings,
  ) {
    this.layout = learner.input ?? 'dense';
    this.block = new RowBlock(featurizer.widthOf(this.layout), learner.batchSize);
    this.predictions = new Float64Array(learner.batchSize * learner.outputs);
    this.recordIndex = settings.firstIndex ?? 0;
  }

  async consume(batch: RecordBatch): Promise<void> {
    const { featurizer, block, settings } = this;
    for (let r = 0; r < batch.rows; r++) {
      const index = this.recordIndex++;
      if (batch.issues?.[r] || hashUnit(settings.seed, index) >= settings.holdout) continue;
      const y = featurizer.encode(batch, r, false);
      // Bad held-out rows were counted as skipped (or failed the run) in the training pass.
      if (typeof y !== 'number') continue;
      block.push(featurizer.rowOf(this.layout), featurizer.widthOf(this.layout), y);
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
