/**
 * A saved model at work: `predict` (one prediction per input row, in order), `predict --learn`
 * (test-then-train on a live labelled stream, checkpointing as it goes) and `evaluate` (the model's
 * metrics on a dataset, learning nothing). The core computes; the rows go to a PredictionSink the
 * command line provides, and the totals come out as events.
 */
import { DataError } from '../errors.js';
import { Evaluator, headline } from '../eval/metrics.js';
import { StreamEvaluation } from '../eval/stream.js';
import { isMissing } from '../features/missing.js';
import type { RecordBatch, RowIssue, Source } from '../io/types.js';
import type { Task } from '../learners/types.js';
import { restoreModel } from '../persist/restore.js';
import type { LoadedCheckpoint } from '../persist/store.js';
import { nextUntilStopped, sliceBatch, yieldToEventLoop } from './abort.js';
import { ColumnAligner } from './align.js';
import { inferSchema } from '../features/schema.js';
import { Random } from '../util/random.js';
import { delayClock } from './delay.js';
import { renewal } from './reset.js';
import { addCounts, carryInto, checkpointThenFail, NO_COUNTS, cumulativeFields, saveSnapshot, streamEvaluationFor, tallyFrom, type CumulativeFields, type SaveOptions } from './checkpoint.js';
import type { InputConfig, OnError, RunConfig } from './config.js';
import type { CatalogueFields, DriftEvent, MetricFields, ProgressEvent } from './events.js';
import { RowCounts, TrainingPass, type RowObserver } from './loop.js';
import { buildModel, driftEvents, metricFields, openInput, PROGRESS_INTERVAL_MS, readPrefix, type Model } from './train.js';

/** Where predictions go, in input order. */
export interface PredictionSink {
  /** Before the first row. `classes` is the model's live class list (it grows when --learn meets a new label). */
  begin(info: { task: Task; classes: readonly string[]; keep: readonly string[] }): void;
  /**
   * One input row. `p` holds `outputs` numbers at `at`: class probabilities, or the value; null when
   * the row was skipped (`issue` says why). Kept columns are at `keepAt` in `batch`.
   */
  row(batch: RecordBatch, r: number, keepAt: readonly number[], p: Float64Array | null, at: number, outputs: number, issue: RowIssue | null): void;
  /** Everything given so far may be written out now (a batch of input was handled). */
  flush(): void | Promise<void>;
}

export interface PredictOptions {
  /** The model to continue from; absent for a new model (`newModel`). */
  checkpoint?: LoadedCheckpoint;
  /**
   * predict --learn into a directory with no model yet: the configuration of the model to start,
   * its schema inferred from the first rows of the input, as train does. Needs `learn` and `save`.
   */
  newModel?: RunConfig;
  /** The input, read once. */
  input: InputConfig;
  onError: OnError;
  /** Columns copied from the input to the output. */
  keep?: string[];
  /** Test then train on the rows that have a label; checkpoints go to `save`. */
  learn?: boolean;
  save?: SaveOptions;
  signal?: AbortSignal;
  stdin?: NodeJS.ReadableStream;
  writtenBy?: string;
}

export interface PredictStartEvent {
  event: 'start';
  command: 'predict' | 'evaluate';
  input: string;
  format: string;
  model: string;
  learner: string;
  backend: string;
  task: Task;
  target: string;
  classes: string[];
  /** Rows the model had been trained on (read by the runs that made the checkpoint). */
  model_rows: number;
  learn: boolean;
  /** True when predict --learn started a new model (no checkpoint yet), its schema from the first `rows_inspected` rows. */
  new_model: boolean;
  rows_inspected?: number;
}

export interface PredictSummaryEvent extends Partial<CumulativeFields>, CatalogueFields {
  event: 'summary' | 'evaluate';
  command: 'predict' | 'evaluate';
  input: string;
  model: string;
  /** Records read. */
  rows: number;
  /** Rows given a prediction (rows - skipped). */
  predicted: number;
  skipped: number;
  skipped_by_reason: Record<string, number>;
  skipped_examples: { line: number; reason: string; message: string }[];
  /** --learn: rows without a label, predicted and not learned. */
  unlabeled?: number;
  /** --learn: rows learned. */
  trained?: number;
  /** Rows scored by the metrics: prequentially with --learn, against the fixed model for evaluate. */
  evaluated?: number;
  loss?: number | null;
  accuracy?: number | null;
  mae?: number | null;
  rmse?: number | null;
  /** evaluate: labels the model never saw (scored as wrong). */
  unknown_labels?: number;
  classes: string[];
  checkpoint?: string | null;
  checkpoints?: number;
  /** --learn with the model's drift detector: the changes it detected in this run (each also a `drift` event). */
  drifts?: number;
  rows_per_sec: number;
  elapsed_ms: number;
  interrupted: boolean;
}

/** `progress` events come as train's do (epoch 1), for a progress bar. */
export type PredictEvent = PredictStartEvent | ProgressEvent | DriftEvent | PredictSummaryEvent;

/** In input order whatever order rows are settled in (a skipped row may be known before the rows of an unfilled mini-batch ahead of it). */
class Ordered {
  private head = 0;
  private readonly waiting = new Map<number, { batch: RecordBatch; r: number; p: Float64Array | null; issue: RowIssue | null }>();

  constructor(
    private readonly sink: PredictionSink,
    private readonly keepAt: readonly number[],
  ) {}

  put(seq: number, batch: RecordBatch, r: number, p: Float64Array | null, at: number, outputs: number, issue: RowIssue | null): void {
    if (seq !== this.head) {
      this.waiting.set(seq, { batch, r, p: p === null ? null : p.slice(at, at + outputs), issue });
      return;
    }
    this.sink.row(batch, r, this.keepAt, p, at, outputs, issue);
    this.head++;
    for (let next = this.waiting.get(this.head); next !== undefined; next = this.waiting.get(this.head)) {
      this.waiting.delete(this.head);
      this.sink.row(next.batch, next.r, this.keepAt, next.p, 0, next.p?.length ?? 0, next.issue);
      this.head++;
    }
  }
}

const SKIPPED_EXAMPLES = 5;


function skip(counts: RowCounts, line: number, issue: RowIssue): void {
  counts.skipped++;
  counts.skippedByReason[issue.reason] = (counts.skippedByReason[issue.reason] ?? 0) + 1;
  if (counts.skippedExamples.length < SKIPPED_EXAMPLES) {
    counts.skippedExamples.push({ line, reason: issue.reason, message: issue.field === undefined ? issue.message : `field "${issue.field}": ${issue.message}` });
  }
}

function failOn(source: string, line: number, issue: RowIssue): never {
  throw new DataError({ source, line, ...(issue.field === undefined ? {} : { field: issue.field }) }, issue.message, issue.reason);
}

/** The cell of the target in a batch laid out as the schema: is there a label? */
function hasLabel(batch: RecordBatch, r: number, target: number): boolean {
  if (target >= batch.width) return false;
  const text = batch.text[r * batch.width + target];
  if (text === null) return true;
  return text !== undefined && !isMissing(text);
}

/**
 * Predicts (and, for evaluate, scores) rows with a fixed model: the featurizer encodes without
 * learning, rows go to the learner in blocks, and every input row is settled in order.
 */
class ScoringPass {
  readonly counts = new RowCounts();
  unknownLabels = 0;
  private x: Float64Array;
  private y: Float64Array;
  private seqs: number[] = [];
  private batches: RecordBatch[] = [];
  private rowsOf: number[] = [];
  private predictions: Float64Array;
  private readonly capacity: number;

  constructor(
    private readonly model: Model,
    private readonly out: Ordered | null,
    private readonly evaluator: Evaluator | null,
    private readonly source: string,
    private readonly onError: OnError,
  ) {
    this.capacity = Math.max(64, model.learner.batchSize);
    this.x = new Float64Array(this.capacity * model.featurizer.widthOf(model.learner.input ?? 'dense'));
    this.y = new Float64Array(this.capacity);
    this.predictions = new Float64Array(this.capacity * model.learner.outputs);
  }

  async consume(batch: RecordBatch, firstSeq: number): Promise<void> {
    const { featurizer, learner } = this.model;
    const layout = learner.input ?? 'dense';
    const dim = featurizer.widthOf(layout);
    for (let r = 0; r < batch.rows; r++) {
      const seq = firstSeq + r;
      this.counts.rows++;
      let issue = batch.issues?.[r] ?? null;
      let y = NaN;
      if (issue === null) {
        const encoded = featurizer.encode(batch, r, false, this.evaluator === null);
        if (typeof encoded === 'number') y = encoded;
        else issue = encoded;
      }
      if (issue !== null) {
        if (this.onError === 'fail') failOn(this.source, batch.line[r]!, issue);
        skip(this.counts, batch.line[r]!, issue);
        this.out?.put(seq, batch, r, null, 0, 0, issue);
        continue;
      }
      const n = this.seqs.length;
      this.x.set(featurizer.rowOf(layout).subarray(0, dim), n * dim);
      this.y[n] = y;
      this.seqs.push(seq);
      this.batches.push(batch);
      this.rowsOf.push(r);
      if (this.seqs.length === this.capacity) await this.flush();
    }
  }

  async flush(): Promise<void> {
    const rows = this.seqs.length;
    if (rows === 0) return;
    const { learner } = this.model;
    const outputs = learner.outputs;
    await learner.predict(this.x, rows, this.predictions);
    for (let i = 0; i < rows; i++) {
      if (this.evaluator) {
        if (this.y[i] === -1) this.unknownLabels++;
        this.evaluator.add(this.predictions, i * outputs, outputs, this.y[i]!);
      }
      this.out?.put(this.seqs[i]!, this.batches[i]!, this.rowsOf[i]!, this.predictions, i * outputs, outputs, null);
    }
    this.counts.evaluated += this.evaluator ? rows : 0;
    this.seqs = [];
    this.batches = [];
    this.rowsOf = [];
  }
}

/**
 * The model as the run that saved it ended: a checkpoint is taken mid-stream, so the rows it carries
 * (an unfilled mini-batch, a shuffle buffer) are learned here the way the end of the input would have.
 */
async function completeModel(checkpoint: LoadedCheckpoint, model: Model): Promise<void> {
  const { carried } = checkpoint.state;
  if (carried.block.rows === 0 && carried.pending.rows === 0 && (carried.delayed?.rows ?? 0) === 0 && model.sampler.fill?.().rows === 0) return;
  const pass = new TrainingPass(model.featurizer, model.learner, model.sampler, new Evaluator(model.schema.task), {
    source: checkpoint.name,
    onError: 'skip',
    holdout: 0,
    seed: 0,
    delay: checkpoint.state.config.delay ?? 0,
  });
  carryInto(pass, checkpoint);
  await pass.finish();
}

export async function* predict(options: PredictOptions, sink: PredictionSink | null, command: 'predict' | 'evaluate' = 'predict'): AsyncGenerator<PredictEvent, void, undefined> {
  const { checkpoint, signal } = options;
  const learn = options.learn === true;
  const state = checkpoint?.state;
  if (!state && !(learn && options.newModel && options.save)) throw new Error('predict: a checkpoint, or a new model to learn and save');
  // The checkpoint's configuration with this input; holdout and epochs stay as trained (predict uses neither).
  const config: RunConfig = { ...(state ? state.config : options.newModel!), ...options.input, onError: options.onError };
  const baseCounts = state?.counts ?? NO_COUNTS;
  const modelName = checkpoint ? (checkpoint.recovered ? checkpoint.path : checkpoint.name) : options.save!.target.dir;
  const source: Source = await openInput(options.input, { stdin: options.stdin, live: true, stop: signal });
  const started = performance.now();
  let model: (Model & { random: Random }) | undefined;
  let interrupted = false;
  try {
    const keep = options.keep ?? [];
    const stream = source.open(keep.length > 0 ? { literalsOf: keep } : {});
    const iterator = stream[Symbol.asyncIterator]();
    /** A new model's schema comes from the first rows, which are then predicted and learned first. */
    let prefix: RecordBatch[] = [];
    let exhausted = false;
    if (checkpoint) {
      model = await restoreModel(checkpoint, config);
      if (!learn) await completeModel(checkpoint, model);
    } else {
      const read = await readPrefix(iterator, config.inferRows, source.name, signal);
      if (read.aborted && read.prefix.every((b) => b.rows === 0)) {
        interrupted = true;
        void Promise.resolve(iterator.return?.()).catch(() => {});
        return;
      }
      ({ prefix } = read);
      exhausted = read.done;
      const schema = inferSchema(source.name, stream.columns, prefix, config, { unnamed: stream.unnamed ?? [], jsonl: source.format === 'jsonl' });
      const random = new Random(config.seed);
      model = { ...(await buildModel(config, schema, random)), random };
    }
    const { schema, featurizer, learner } = model;
    const aligner = new ColumnAligner(schema, keep);
    // Only the model's columns and the kept ones are read from here on, as in train: a JSON key
    // first met after this is left out instead of widening every batch (a new key on every line).
    stream.readTextOf?.([...schema.columns.filter((c) => c.role !== 'ignored').map((c) => c.name), ...keep]);
    const targetName = schema.columns[schema.target]!.name;
    yield {
      event: 'start',
      command,
      input: source.name,
      format: source.format,
      model: modelName,
      learner: learner.description,
      backend: model.backend,
      task: schema.task,
      target: targetName,
      classes: [...featurizer.classes],
      model_rows: baseCounts.rows,
      learn,
      new_model: !checkpoint,
      ...(checkpoint ? {} : { rows_inspected: schema.rowsInspected }),
    };
    const out = sink ? new Ordered(sink, aligner.keepAt) : null;
    sink?.begin({ task: schema.task, classes: featurizer.classes, keep });

    // --learn: the training pass continues the checkpoint's stream; otherwise a scoring pass.
    const cumulative = learn ? tallyFrom(schema.task, state?.evaluator) : null;
    // --learn continues the stream's baselines, rolling window and detector, as train --resume does.
    const evaluation = learn ? streamEvaluationFor(schema.task, config, state?.evaluation) : null;
    const driftsBefore = evaluation?.drifts ?? 0;
    // evaluate: the baselines (majority class so far, previous label) over the rows scored, from scratch, as train has them.
    const evaluator = learn
      ? new Evaluator(schema.task, evaluation, cumulative)
      : command === 'evaluate'
        ? new Evaluator(schema.task, new StreamEvaluation(schema.task, { window: 0 }))
        : null;
    /** --learn: runs of consecutive training-pass rows (by stream index) and their input rows. */
    let passSeq: { first: number; seq: number }[] = [];
    const firstIndex = state?.streamRows ?? 0;
    let passNext = firstIndex;
    const seqOf = (index: number): number => {
      // Segments of consecutive pass rows with consecutive input rows; few are in flight.
      for (let i = passSeq.length - 1; i >= 0; i--) if (index >= passSeq[i]!.first) return passSeq[i]!.seq + (index - passSeq[i]!.first);
      return -1;
    };
    const batchOf = new Map<number, { batch: RecordBatch; seq: number }>();
    const locate = (seq: number): { batch: RecordBatch; r: number } => {
      for (const [, b] of batchOf) if (seq >= b.seq && seq < b.seq + b.batch.rows) return { batch: b.batch, r: seq - b.seq };
      throw new Error(`predict: row ${seq} is not in flight`);
    };
    const observer: RowObserver | undefined = out
      ? {
          predicted(index, p, at, outputs) {
            if (index < firstIndex) return; // carried over from the run that saved the checkpoint: already written
            const seq = seqOf(index);
            const { batch, r } = locate(seq);
            out.put(seq, batch, r, p, at, outputs, null);
          },
          rejected(index, issue) {
            const seq = seqOf(index);
            const { batch, r } = locate(seq);
            out.put(seq, batch, r, null, 0, 0, issue);
          },
        }
      : undefined;
    const pass = learn
      ? new TrainingPass(featurizer, learner, model.sampler, evaluator!, {
          source: source.name,
          onError: options.onError,
          holdout: 0,
          seed: config.seed,
          firstIndex,
          delay: config.delay ?? 0,
          ...(config.timeDelay ? { clock: delayClock(config.timeDelay, schema)! } : {}),
          ...(observer ? { observer } : {}),
        }, config.onDrift === 'reset' ? renewal(config, featurizer, model.random, model) : undefined)
      : null;
    if (pass && checkpoint) carryInto(pass, checkpoint);
    const scoring = pass ? null : new ScoringPass(model, out, evaluator, source.name, options.onError);
    const unlabeled = new RowCounts();
    const every = options.save?.every ?? 0;
    let rowsSinceSave = 0;
    let checkpoints = 0;
    const save = async (): Promise<void> => {
      await saveSnapshot(
        options.save!,
        {
          config,
          model: model!,
          random: model!.random,
          cumulative: cumulative!,
          evaluation: evaluation!,
          counts: { ...addCounts(baseCounts, pass!.counts), unlabeled: baseCounts.unlabeled + unlabeled.rows },
          streamRows: passNext,
          epoch: 1,
          pass: pass!,
        },
        options.writtenBy ?? 'inc-learn',
      );
      checkpoints++;
      rowsSinceSave = 0;
    };
    const oneRow = new Float64Array(Math.max(2, learner.outputs));
    /** --learn: rows with a label go through the training pass; the others are predicted here. */
    const learnFrom = async (batch: RecordBatch, from: number, to: number, seq0: number): Promise<void> => {
      let r = from;
      while (r < to) {
        let end = r;
        while (end < to && (batch.issues?.[end] || hasLabel(batch, end, schema.target))) end++;
        if (end > r) {
          passSeq.push({ first: passNext, seq: seq0 + r });
          passNext += end - r;
          await pass!.consume(r === 0 && end === batch.rows ? batch : sliceBatch(batch, r, end));
          r = end;
          continue;
        }
        // No label: predicted with the weights of the moment (after the rows before it), not learned.
        unlabeled.rows++;
        const done = pass!.predictNow();
        if (done) await done;
        const encoded = featurizer.encode(batch, r, false, true);
        if (typeof encoded !== 'number') {
          if (options.onError === 'fail') failOn(source.name, batch.line[r]!, encoded);
          skip(unlabeled, batch.line[r]!, encoded);
          out?.put(seq0 + r, batch, r, null, 0, 0, encoded);
        } else {
          // The learner of the moment (--on-drift reset may have replaced the one the run started with).
          const current = model!.learner;
          const outputs = current.outputs;
          const buf = oneRow.length >= outputs ? oneRow : new Float64Array(outputs);
          await current.predict(featurizer.rowOf(current.input ?? 'dense'), 1, buf);
          out?.put(seq0 + r, batch, r, buf, 0, outputs, null);
        }
        r++;
      }
    };

    let seq = 0;
    let checked = false;
    let lastProgress = started;
    try {
      for (;;) {
        const next = prefix.length > 0 ? { done: false as const, value: prefix.shift()! } : exhausted ? { done: true as const } : await nextUntilStopped(iterator, signal);
        if (next === 'abandoned') {
          interrupted = true;
          void Promise.resolve(iterator.return?.()).catch(() => {});
          break;
        }
        if (next.done) {
          // Stopped by the signal: every row read before it was answered (and learned) above.
          interrupted = signal?.aborted === true;
          break;
        }
        if (!checked) {
          aligner.check(source.name, stream.columns, schema, modelName, command === 'evaluate' ? 'required' : 'optional');
          checked = true;
        }
        const batch = aligner.align(next.value, stream.columns);
        batchOf.set(seq, { batch, seq });
        if (scoring) {
          await scoring.consume(batch, seq);
          await scoring.flush();
        } else {
          let from = 0;
          while (every > 0 && batch.rows - from >= every - rowsSinceSave) {
            const to = from + (every - rowsSinceSave);
            await learnFrom(batch, from, to, seq);
            from = to;
            await save();
          }
          if (from < batch.rows) {
            await learnFrom(batch, from, batch.rows, seq);
            rowsSinceSave += batch.rows - from;
          }
          // Rows of an unfilled mini-batch get their predictions now, not when it fills.
          const done = pass!.predictNow();
          if (done) await done;
        }
        seq += batch.rows;
        // Every row of the batch is settled by now (predicted, or skipped).
        batchOf.clear();
        passSeq = [];
        await sink?.flush();
        // The detector's changes in this batch, as train reports them (rows: this run's).
        if (evaluation) yield* driftEvents(evaluation, 1, firstIndex, config.onDrift);
        const now = performance.now();
        if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          yield { event: 'progress', epoch: 1, rows: seq, bytes: stream.bytesRead, total_bytes: source.totalBytes ?? null, elapsed_ms: now - started };
          await yieldToEventLoop();
        }
      }
    } catch (error) {
      // A bad row (--on-error fail), unreadable input or a failed save: the predictions already
      // made are written first; then, after a bad row, what --learn learned from the rows before it
      // is checkpointed, and the error is reported.
      if (error instanceof DataError) {
        if (scoring) await scoring.flush();
        else {
          const done = pass!.predictNow();
          if (done) await done;
        }
        await sink?.flush();
      }
      await checkpointThenFail(error, pass && options.save ? save : undefined);
    }
    if (!checked && !interrupted) aligner.check(source.name, stream.columns, schema, modelName, command === 'evaluate' ? 'required' : 'optional');
    if (pass && options.save && (rowsSinceSave > 0 || checkpoints === 0)) await save();
    const elapsed = performance.now() - started;
    const counts = pass ? pass.counts : scoring!.counts;
    const rows = counts.rows + unlabeled.rows;
    const skipped = counts.skipped + unlabeled.skipped;
    const byReason = { ...counts.skippedByReason };
    for (const [k, n] of Object.entries(unlabeled.skippedByReason)) byReason[k] = (byReason[k] ?? 0) + n;
    const metrics: MetricFields | Record<string, never> = evaluator ? metricFields(evaluator.result()) : {};
    const summary: PredictSummaryEvent = {
      event: command === 'evaluate' ? 'evaluate' : 'summary',
      command,
      input: source.name,
      model: modelName,
      rows,
      predicted: rows - skipped,
      skipped,
      skipped_by_reason: byReason,
      skipped_examples: [...counts.skippedExamples, ...unlabeled.skippedExamples].slice(0, SKIPPED_EXAMPLES),
      ...(learn ? { unlabeled: unlabeled.rows, trained: counts.trained } : {}),
      ...(evaluator ? { evaluated: counts.evaluated, ...metrics } : {}),
      // evaluate: the metric catalogue and the baselines' accuracies (docs/metrics.md).
      ...(command === 'evaluate' ? Object.fromEntries(Object.entries(evaluator!.metrics()).filter(([k]) => !(k in metrics))) : {}),
      ...(command === 'evaluate' ? { unknown_labels: scoring!.unknownLabels } : {}),
      ...(learn ? cumulativeFields(addCounts(baseCounts, counts), headline(cumulative!)) : {}),
      classes: [...featurizer.classes],
      ...(learn ? { checkpoint: options.save && checkpoints > 0 ? options.save.target.dir : null, checkpoints } : {}),
      rows_per_sec: elapsed > 0 ? Math.round((rows * 1000) / elapsed) : 0,
      elapsed_ms: Math.round(elapsed * 10) / 10,
      interrupted,
    };
    // --learn: finish the stream in memory (the checkpoint was taken before), as train does.
    if (pass) await pass.finish();
    if (evaluation) {
      // Rows that finish() scored (delayed labels) may fire the detector too: every drift has its event, and the count says as many.
      yield* driftEvents(evaluation, 1, firstIndex, config.onDrift);
      if (evaluation.detector) summary.drifts = evaluation.drifts - driftsBefore;
    }
    yield summary;
  } finally {
    model?.learner.dispose();
    if (interrupted) void source.close().catch(() => {});
    else await source.close();
  }
}
