/**
 * The training run as a generator of events, like River's progressive_val_score: it computes and
 * yields; reporters print. Epoch 1 starts by inferring the schema from the first rows, which are
 * then trained on like any other, or, when resuming, by restoring the model from a checkpoint.
 */
import { DataError, UsageError } from '../errors.js';
import { perClass, confusionRows } from '../eval/catalogue.js';
import { Evaluator, headline, type Metrics } from '../eval/metrics.js';
import { PREDICTION_SAMPLE_SIZE, PredictionSample } from '../eval/sample.js';
import type { StreamEvaluation } from '../eval/stream.js';
import { Tally, type TallyState } from '../eval/tally.js';
import { Featurizer } from '../features/featurizer.js';
import { inferSchema, type ColumnOrigins, type Schema } from '../features/schema.js';
import { openInputSource } from '../io/threaded.js';
import type { RecordBatch, RecordStream, Source } from '../io/types.js';
import { createLearner } from '../learners/index.js';
import { findLearner, inputOf, type LearnerEntry } from '../learners/registry.js';
import type { Learner, RowLayout } from '../learners/types.js';
import { createSampler } from '../samplers/index.js';
import type { Sampler } from '../samplers/types.js';
import type { CountsState } from '../persist/state.js';
import type { LoadedCheckpoint } from '../persist/store.js';
import { restoreFeaturizer, restoreModel } from '../persist/restore.js';
import { Random } from '../util/random.js';
import { nextUntilStopped, sliceBatch, yieldToEventLoop } from './abort.js';
import { ColumnAligner } from './align.js';
import { addCounts, carryInto, checkpointThenFail, cumulativeFields, NO_COUNTS, saveLearners, saveSnapshot, streamEvaluationFor, tallyFrom, type SaveOptions, type SnapshotParts } from './checkpoint.js';
import type { InputConfig, ModelConfig, RunConfig } from './config.js';
import { divergenceMessage } from './divergence.js';
import type { ComparisonEvent, DriftEvent, EpochEvent, MetricFields, ProgressEvent, ReportEvent, RunEvent, SchemaSummary, SummaryEvent, WarningEvent } from './events.js';
import { HoldoutPass, RowCounts, SharedPass, TrainingPass, type PassSettings } from './loop.js';
import { delayClock } from './delay.js';
import { learnerShape, renewal } from './reset.js';
import { settleYoungGeneration } from './young-generation.js';
import { formatCount } from '../report/style.js';

/** Progress events are yielded at most this often. */
export const PROGRESS_INTERVAL_MS = 100;

export interface TrainOptions {
  /**
   * Aborting stops the run after the current batch (at once when waiting for input); the checkpoint
   * is written when saving, and the summary is marked interrupted.
   */
  signal?: AbortSignal;
  /** Where '-' reads from (tests pass a stream). */
  stdin?: NodeJS.ReadableStream;
  /** Continue from this checkpoint (its model, counters and stream position) instead of starting afresh. */
  resume?: LoadedCheckpoint;
  /**
   * Several learners side by side resumed (train --resume DIR of a `--model a,b --save DIR`): each
   * contender's checkpoint, in the order of config.contenders; `resume` is the first.
   */
  resumeContenders?: LoadedCheckpoint[];
  /** Write checkpoints: every `every` rows, and at the end (also when interrupted). */
  save?: SaveOptions;
  /** Recorded in checkpoints, e.g. 'inc-learn 0.1.0'. */
  writtenBy?: string;
  /** A `report` event every this many rows of each epoch (0 or undefined: none). */
  reportEvery?: number;
}

/** Everything a run learns: what a checkpoint stores and a resumed run starts from. */
export interface Model {
  schema: Schema;
  featurizer: Featurizer;
  learner: Learner;
  backend: string;
  sampler: Sampler;
}

export interface OpenInputOptions {
  stdin?: NodeJS.ReadableStream | undefined;
  /** A stream read once, whose rows are wanted as they arrive (predict; see OpenSourceOptions). */
  live?: boolean;
  /** Read once: no later pass replays the input, so a stream is not spooled. */
  once?: boolean;
  /** The run's signal: reading stops when it fires (OpenSourceOptions.stop). */
  stop?: AbortSignal | undefined;
}

export function openInput(config: InputConfig, options: OpenInputOptions = {}): Promise<Source> {
  const { stdin, live, once, stop } = options;
  return openInputSource(config.parseThread, {
    path: config.input,
    header: config.header,
    delimiter: config.delimiter,
    delimiterExplicit: config.delimiterExplicit === true,
    ...(config.decimal === undefined ? {} : { decimal: config.decimal }),
    ...(config.format === undefined ? {} : { format: config.format }),
    ...(config.columns === undefined ? {} : { columns: config.columns }),
    ...(config.maxRecordBytes === undefined ? {} : { maxRecordBytes: config.maxRecordBytes }),
    ...(stdin === undefined ? {} : { stdin }),
    ...(live === true ? { live } : {}),
    ...(once === true ? { once } : {}),
    ...(stop === undefined ? {} : { stop }),
  });
}

/**
 * Reads the first rows of a pass for schema inference; they are kept to be processed next. When the
 * signal fires, the input stops and the rows read so far are the prefix (`aborted`; `done` too
 * unless a read was abandoned); an input without a single row is a DataError, unless stopped.
 */
export async function readPrefix(
  iterator: AsyncIterator<RecordBatch>,
  rows: number,
  source: string,
  signal?: AbortSignal,
): Promise<{ prefix: RecordBatch[]; done: boolean; aborted: boolean }> {
  const prefix: RecordBatch[] = [];
  for (let seen = 0; seen < rows; ) {
    const next = await nextUntilStopped(iterator, signal);
    if (next === 'abandoned') return { prefix, done: false, aborted: true };
    if (next.done) {
      const aborted = signal?.aborted === true;
      if (!aborted && prefix.every((b) => b.rows === 0)) throw new DataError({ source }, 'no data rows: the input is empty or has only a header');
      return { prefix, done: true, aborted };
    }
    prefix.push(next.value);
    seen += next.value.rows;
  }
  return { prefix, done: false, aborted: signal?.aborted === true };
}

/**
 * inferSchema, except that when every inspected row was bad (JSON lines whose only line is not
 * JSON, or too long), leaving it nothing to go on, the first of them is what is reported with
 * --on-error fail: the run would have stopped there anyway.
 */
function inferOrReport(source: string, columns: readonly string[], prefix: readonly RecordBatch[], config: RunConfig, origins: ColumnOrigins): Schema {
  try {
    return inferSchema(source, columns, prefix, config, origins);
  } catch (error) {
    const allBad = prefix.every((b) => b.issues !== null && b.issues.every((issue) => issue !== null));
    if (!(error instanceof DataError) || config.onError !== 'fail' || !allBad) throw error;
    for (const batch of prefix) {
      const r = batch.issues?.findIndex((issue) => issue !== null) ?? -1;
      if (r < 0) continue;
      const issue = batch.issues![r]!;
      throw new DataError({ source, line: batch.line[r]!, ...(issue.field === undefined ? {} : { field: issue.field }) }, issue.message, issue.reason);
    }
    throw error;
  }
}

export function summarizeSchema(schema: Schema): SchemaSummary {
  return {
    columns: schema.columns.map((c) => ({ name: c.name, type: c.kind, role: c.role, ...(c.note === undefined ? {} : { note: c.note }) })),
    target: schema.columns[schema.target]!.name,
    task: schema.task,
    classes: schema.classes,
    rows_inspected: schema.rowsInspected,
    ...(schema.notes === undefined ? {} : { notes: schema.notes }),
  };
}

/** What the reader knows about the columns beyond their names, for inferSchema. */
export function columnOrigins(config: InputConfig, source: Source, stream: RecordStream): ColumnOrigins {
  const csv = source.format === 'csv';
  return {
    unnamed: stream.unnamed ?? [],
    jsonl: !csv,
    header: csv && config.header && config.columns === undefined,
    ...(source.sniffedDelimiter === undefined ? {} : { delimiter: source.sniffedDelimiter }),
    decimalComma: config.decimal === ',',
  };
}

export async function buildModel(config: RunConfig, schema: Schema, random: Random): Promise<Model> {
  const featurizer = buildFeaturizer(config, schema, [config]);
  return { schema, featurizer, ...(await buildLearner(config, schema, featurizer, random)) };
}

/** The featurizer for these learners: every row layout one of them reads. */
function buildFeaturizer(config: RunConfig, schema: Schema, models: readonly ModelConfig[]): Featurizer {
  const layouts = layoutsOf(config, schema, models);
  return new Featurizer(schema, { layouts, ...(config.hashBits === undefined ? {} : { hashBits: config.hashBits }), decimalComma: config.decimal === ',' });
}

function layoutsOf(config: RunConfig, schema: Schema, models: readonly ModelConfig[]): RowLayout[] {
  return [...new Set(models.map((m) => inputOf(learnerFor(m, schema), config.hashBits)))];
}

/** The registry's entry for the learner, which must do the schema's task. */
function learnerFor(config: ModelConfig, schema: Schema): LearnerEntry {
  const entry = findLearner(config.model);
  if (!entry.tasks.includes(schema.task)) {
    const target = schema.columns[schema.target]!;
    const why = schema.task === 'regression' ? `the target "${target.name}" is numeric with many values (regression)` : `the target "${target.name}" holds class labels`;
    throw new UsageError(`--model ${entry.name} does ${entry.tasks.join(' and ')} only, and ${why}${schema.task === 'classification' ? '' : '; --task classification if its values are labels'}`);
  }
  return entry;
}

/** A learner and its sampler, on the run's featurizer. */
async function buildLearner(config: RunConfig, schema: Schema, featurizer: Featurizer, random: Random): Promise<Pick<Model, 'learner' | 'backend' | 'sampler'>> {
  const entry = learnerFor(config, schema);
  const layout = inputOf(entry, config.hashBits);
  const { learner, backend } = await createLearner(config, learnerShape(featurizer, layout), random.nextUint32());
  const sampler = createSampler(
    {
      kind: config.sampler,
      sampleRate: config.sampleRate,
      bufferSize: config.bufferSize,
      replayRatio: config.replayRatio,
      task: schema.task,
      ...(config.classWeights === undefined ? {} : { classWeights: new Map(Object.entries(config.classWeights)) }),
      className: (index) => featurizer.classes[index] ?? String(index),
      // Kept rows of the dense and sparse layouts (numeric features first) are standardized when replayed; raw ones are kept as they are.
      ...(layout !== 'raw' ? { scaler: featurizer } : {}),
    },
    random.fork(),
  );
  return { learner, backend, sampler };
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function metricFields(m: Metrics): MetricFields {
  return 'accuracy' in m ? { loss: finite(m.loss), accuracy: finite(m.accuracy) } : { loss: finite(m.loss), mae: finite(m.mae), rmse: finite(m.rmse) };
}

function validationFields(m: Metrics): MetricFields {
  const { loss, ...rest } = metricFields(m);
  return Object.fromEntries([['val_loss', loss], ...Object.entries(rest).map(([k, v]) => [`val_${k}`, v])]) as Partial<MetricFields> as MetricFields;
}

/** One learner of a run with what is its own: sampler, evaluation and counts. Several side by side are contenders. */
interface Lane {
  /** Its name in every event of a run of several (undefined for a run of one, whose events have no `model` field). */
  name: string | undefined;
  /** The run's configuration with this learner's flags, and its random generator: what its checkpoint holds. */
  config: RunConfig;
  random: Random;
  learner: Learner;
  backend: string;
  sampler: Sampler;
  /** Baselines, rolling window and drift detector: across epochs, and continued from a checkpoint. */
  evaluation: StreamEvaluation;
  /** The checkpoint it continues from, its counts and the drifts detected before it. */
  from: LoadedCheckpoint | undefined;
  base: CountsState;
  driftsBefore: number;
  /** Every row scored so far, checkpoints before this run included, row by row (exact across a resume). */
  cumulative: Tally | undefined;
  /** Without checkpoints, the epochs' sums are added at the end instead (no cost per row). */
  merged: TallyState;
  total: RowCounts;
  lastEpoch: EpochEvent | undefined;
  /** The last epoch's counts, for the summary's per-class metrics and confusion matrix. */
  lastTally: Tally | undefined;
  /** The diverging learner has been warned about (once per run). */
  warnedDiverging: boolean;
  /** Time spent in this learner over the run (several learners: its own predict, learn and scoring). */
  busyMs: number;
  /** The largest memoryBytes() of its learner at a report, an epoch's end or the summary. */
  peakModelBytes: number;
  /** Regression: a sample of the (prediction, truth) pairs it scored in this run, for the report's plot. */
  sample: PredictionSample | undefined;
  pass?: TrainingPass;
  evaluator?: Evaluator;
}

/** The `model` field of a lane's events, first after `event` (none in a run of one learner). */
function named<E extends { event: string }>(lane: Lane, event: E): E {
  if (lane.name === undefined) return event;
  const { event: kind, ...rest } = event;
  return { event: kind, model: lane.name, ...rest } as unknown as E;
}

export async function* train(config: RunConfig, options: TrainOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  // A later epoch or the holdout's evaluation reads the input again: only then is a stream spooled.
  if (config.contenders && options.resume && options.resumeContenders?.length !== config.contenders.length) {
    throw new UsageError('--resume takes one learner; several side by side (--model a,b) start afresh (each learner saved by --save can be resumed alone, from its subdirectory)');
  }
  const once = config.epochs === 1 && config.holdout === 0;
  const source = await openInput(config, { stdin: options.stdin, once, stop: options.signal });
  const runStarted = performance.now();
  const { resume, save, signal } = options;
  const random = resume ? Random.fromState(resume.state.random) : new Random(config.seed);
  const firstIndex = resume?.state.streamRows ?? 0;
  const settings: PassSettings = { source: source.name, onError: config.onError, holdout: config.holdout, seed: config.seed, firstIndex, delay: config.delay ?? 0 };
  const baseCounts = resume?.state.counts ?? NO_COUNTS;
  /** Each contender's checkpoint when several are resumed (else the run's, for its one learner). */
  const resumeOf = (i: number): LoadedCheckpoint | undefined => options.resumeContenders?.[i] ?? resume;
  let model: (Model & { random: Random }) | undefined;
  let lanes: Lane[] = [];
  let aligner: ColumnAligner | undefined;
  let interrupted = false;
  let checkpoints = 0;
  /** Rows read since the last checkpoint (or the start). */
  const sinceSave = { rows: 0 };
  /** While rows are being read and learned: the checkpoint to write if the input turns out bad. */
  let saveBeforeFailing: (() => Promise<void>) | undefined;
  const every = save?.every ?? 0;
  const lane = (name: string | undefined, own: Pick<Lane, 'config' | 'random'>, parts: Pick<Model, 'learner' | 'backend' | 'sampler'>, task: Schema['task'], from = resume): Lane => ({
    name,
    ...own,
    ...parts,
    from,
    base: from?.state.counts ?? NO_COUNTS,
    driftsBefore: from?.state.evaluation?.drifts ?? 0,
    cumulative: save || from ? tallyFrom(task, from?.state.evaluator) : undefined,
    merged: from?.state.evaluator ?? { rows: 0, lossSum: 0, correct: 0, absSum: 0 },
    evaluation: streamEvaluationFor(task, config, from?.state.evaluation),
    total: new RowCounts(),
    lastEpoch: undefined,
    lastTally: undefined,
    warnedDiverging: false,
    busyMs: 0,
    peakModelBytes: 0,
    sample: task === 'regression' ? new PredictionSample(PREDICTION_SAMPLE_SIZE, config.seed) : undefined,
  });
  try {
    for (let epoch = 1; epoch <= config.epochs && !interrupted; epoch++) {
      // A signal after the end of the last epoch's input: no further epoch (an empty one) starts.
      if (model && signal?.aborted === true) {
        interrupted = true;
        break;
      }
      const stream = source.open();
      const iterator = stream[Symbol.asyncIterator]();
      let pending: RecordBatch[] = [];
      let exhausted = false;
      if (!model) {
        const read = await readPrefix(iterator, config.inferRows, source.name, signal);
        if (read.aborted && read.prefix.every((b) => b.rows === 0)) {
          interrupted = true;
          break;
        }
        const prefix = read.prefix;
        exhausted = read.done;
        if (resume) {
          const schema = resume.state.schema;
          aligner = new ColumnAligner(schema);
          aligner.check(source.name, stream.columns, schema, resume.name, 'required');
          model = await restoreModel(resume, config);
        } else {
          const schema = inferOrReport(source.name, stream.columns, prefix, config, columnOrigins(config, source, stream));
          model = { ...(await buildModel(config, schema, random)), random };
        }
        const task = model.schema.task;
        lanes = [lane(undefined, { config, random }, model, task)];
        if (config.contenders) {
          // Each contender as its run alone would build it: the same seed, its own sampler.
          // Resumed: the statistics of the checkpoints (each holds the same featurizer), for every layout read.
          const featurizer = resume
            ? await restoreFeaturizer(resume, config, layoutsOf(config, model.schema, config.contenders))
            : buildFeaturizer(config, model.schema, config.contenders);
          model.learner.dispose();
          lanes = [];
          for (const [i, { name, ...flags }] of config.contenders.entries()) {
            // Its checkpoint is that of its run alone: a configuration of one learner.
            // Not the first learner's learning rate (the run's config holds the first's flags).
            const { contenders: _all, lr: _first, ...run } = config;
            const alone: RunConfig = { ...run, ...flags };
            const from = resumeOf(i);
            if (from) {
              const restored = await restoreModel(from, alone, featurizer);
              lanes.push(lane(name, { config: alone, random: restored.random }, restored, task, from));
            } else {
              const own = { config: alone, random: new Random(config.seed) };
              lanes.push(lane(name, own, await buildLearner(alone, model.schema, featurizer, own.random), task));
            }
          }
          model = { ...model, featurizer, ...lanes[0]! };
        }
        // Start-up is over (modules loaded, the model built): see young-generation.ts.
        settleYoungGeneration();
        pending = prefix;
        const evaluation = lanes[0]!.evaluation;
        yield {
          event: 'start',
          input: source.name,
          format: source.format,
          schema: summarizeSchema(model.schema),
          features: model.featurizer.dim,
          ...reads(model.learner, model.featurizer),
          learner: model.learner.description,
          backend: model.backend,
          sampler: model.sampler.description,
          seed: config.seed,
          epochs: config.epochs,
          holdout: config.holdout,
          resumed_from: resume ? (resume.recovered ? resume.path : resume.name) : null,
          resumed_rows: baseCounts.rows,
          checkpoint: save ? save.target.dir : null,
          window: evaluation.settings.fading === undefined && evaluation.settings.window > 0 ? evaluation.settings.window : null,
          fading: evaluation.settings.fading ?? null,
          drift: evaluation.settings.drift ?? null,
          on_drift: config.onDrift ?? null,
          ...(config.contenders ? { models: lanes.map((l) => ({ model: l.name!, learner: l.learner.description, backend: l.backend, sampler: l.sampler.description, ...reads(l.learner, model!.featurizer) })) } : {}),
        };
      }
      const { featurizer } = model;
      // Only the features' and the target's text is read from here on (an id or a timestamp is not).
      // (A time-based delay's column is read too.)
      stream.readTextOf?.([...model.schema.columns.filter((c) => c.role !== 'ignored').map((c) => c.name), ...(config.timeDelay ? [config.timeDelay.column] : [])]);
      // Each epoch's times start afresh (a resumed run's first epoch continues its checkpoint's).
      const clock = delayClock(config.timeDelay, model.schema);
      const epochSettings = clock ? { ...settings, clock } : settings;
      for (const l of lanes) {
        l.evaluator = new Evaluator(model.schema.task, l.evaluation, l.cumulative ?? null, l.sample ?? null);
        l.pass = new TrainingPass(featurizer, l.learner, l.sampler, l.evaluator, epochSettings, config.onDrift === 'reset' ? renewal(l.config, featurizer, l.random, l) : undefined);
      }
      const pass = lanes[0]!.pass!;
      const shared = lanes.length > 1 ? new SharedPass(featurizer, lanes.map((l) => l.pass!), epochSettings) : undefined;
      if (epoch === 1) for (const l of lanes) if (l.from) carryInto(l.pass!, l.from);
      for (const l of lanes) l.sampler.startEpoch(epoch);
      const epochStarted = performance.now();
      const evaluation = lanes[0]!.evaluation;
      const progress = (): ProgressEvent => ({
        event: 'progress',
        epoch,
        rows: pass.counts.rows,
        bytes: stream.bytesRead,
        total_bytes: source.totalBytes ?? null,
        elapsed_ms: performance.now() - epochStarted,
        epochs: config.epochs,
        ...(evaluation.rolling ? { [model!.schema.task === 'classification' ? 'rolling_accuracy' : 'rolling_rmse']: finite(evaluation.rolling.headline()) } : {}),
      });
      /** Time in each learner this epoch: the whole epoch for a run of one. */
      const busy = (i: number, elapsed: number): number => (shared ? shared.busyMs[i]! : elapsed);
      const report = (l: Lane, i: number): ReportEvent => {
        const elapsed = performance.now() - epochStarted;
        const counts = l.pass!.counts;
        return named(l, {
          event: 'report' as const,
          epoch,
          rows: counts.rows,
          stream_rows: firstIndex + counts.rows,
          trained: counts.trained,
          evaluated: counts.evaluated,
          elapsed_ms: round(elapsed),
          rows_per_sec: rate(counts.rows, elapsed),
          ...(shared ? learnerTime(counts.rows, busy(i, elapsed)) : {}),
          ...memoryFields(l),
          ...l.evaluator!.metrics(),
        });
      };
      const parts = (l: Lane): SnapshotParts => ({
        config: l.config,
        model: { schema: model!.schema, featurizer, learner: l.learner, backend: l.backend, sampler: l.sampler },
        random: l.random,
        cumulative: l.cumulative!,
        evaluation: l.evaluation,
        counts: addCounts(l.base, l.total, l.pass!.counts),
        streamRows: firstIndex + l.pass!.counts.rows,
        epoch,
        pass: l.pass!,
      });
      const checkpoint = async (): Promise<void> => {
        const writtenBy = options.writtenBy ?? 'inc-learn';
        if (shared) await saveLearners(save!, lanes.map(parts), writtenBy);
        else await saveSnapshot(save!, parts(lanes[0]!), writtenBy);
        checkpoints++;
        sinceSave.rows = 0;
      };
      if (save) saveBeforeFailing = checkpoint;
      const epochFeed: EpochFeed = {
        iterator,
        stream,
        pass: shared ?? pass,
        pending,
        exhausted,
        aligner,
        signal,
        every,
        sinceSave,
        checkpoint,
        lastProgress: epochStarted,
        reportEvery: options.reportEvery ?? 0,
        sinceReport: 0,
        reportDue: false,
        drifts: lanes.map((l) => l.evaluation.pending),
        current: undefined,
        from: 0,
      };
      const divergence = function* (): Generator<WarningEvent> {
        for (const l of lanes) {
          const found = l.pass!.divergence;
          if (found === undefined || l.warnedDiverging) continue;
          l.warnedDiverging = true;
          const message = divergenceMessage(model!.schema.task, found.prediction, model!.featurizer.targetRange, l.learner.description);
          yield named(l, { event: 'warning' as const, kind: 'diverging', epoch, rows: found.rows, message });
        }
      };
      const drifts = function* (): Generator<DriftEvent> {
        for (const l of lanes) for (const d of driftEvents(l.evaluation, epoch, firstIndex, config.onDrift)) yield named(l, d);
      };
      let stop: Awaited<ReturnType<typeof feed>>;
      for (;;) {
        stop = await feed(epochFeed);
        yield* divergence();
        if (stop === 'progress') {
          settleYoungGeneration();
          yield progress();
          await yieldToEventLoop();
          continue;
        }
        if (stop === 'report') {
          for (let i = 0; i < lanes.length; i++) yield report(lanes[i]!, i);
          continue;
        }
        if (stop === 'drift') {
          yield* drifts();
          continue;
        }
        if (stop === 'aborted' || signal?.aborted === true) interrupted = true;
        break;
      }
      if (stop === 'aborted') {
        // The pending read (if any) was abandoned: closing the iterator would wait for it.
        void Promise.resolve(iterator.return?.()).catch(() => {});
      }
      saveBeforeFailing = undefined;
      // The checkpoint is taken before the end of input is acted on (the last partial mini-batch
      // learned, a shuffle buffer drained): a resumed run continues the stream where it stopped.
      if (save && (epoch === config.epochs || interrupted) && (sinceSave.rows > 0 || checkpoints === 0)) await checkpoint();
      await (shared ?? pass).finish();
      yield* drifts();
      yield* divergence();
      yield progress();
      const elapsed = performance.now() - epochStarted;
      for (let i = 0; i < lanes.length; i++) {
        const l = lanes[i]!;
        let validation: Metrics | undefined;
        if (config.holdout > 0 && !interrupted) validation = await evaluateHoldout(source, featurizer, l.learner, settings);
        const counts = l.pass!.counts;
        const evaluator = l.evaluator!;
        const spent = busy(i, elapsed);
        l.busyMs += spent;
        l.total.add(counts);
        if (!l.cumulative) l.merged = Tally.merge(model.schema.task, l.merged, evaluator.state());
        l.lastTally = evaluator.tally;
        const fill = l.sampler.fill?.();
        if (epoch === 1 && l.sampler.delays && fill && fill.capacity >= BUFFER_NOTE_FRACTION * counts.rows && counts.trained > 0) {
          yield named(l, { event: 'warning' as const, kind: 'buffer-delay', epoch, rows: counts.rows, message: bufferDelayMessage(fill.capacity, counts.rows) });
        }
        l.lastEpoch = named(l, {
          event: 'epoch' as const,
          epoch,
          rows: counts.rows,
          trained: counts.trained,
          evaluated: counts.evaluated,
          held_out: counts.heldOut,
          skipped: counts.skipped,
          ...metricFields(evaluator.result()),
          ...(validation ? validationFields(validation) : {}),
          ...(fill ? { buffer_fill: fill.rows, buffer_capacity: fill.capacity } : {}),
          rows_per_sec: rate(counts.rows, elapsed),
          elapsed_ms: round(elapsed),
          ...(shared ? learnerTime(counts.rows, spent) : {}),
          ...memoryFields(l),
          ...evaluator.metrics(),
        });
        yield l.lastEpoch;
      }
    }
    if (!model) return;
    const elapsed = performance.now() - runStarted;
    const summaries: SummaryEvent[] = [];
    for (const l of lanes) {
      const { total, lastEpoch, lastTally } = l;
      const totalTally = l.cumulative ?? tallyFrom(model.schema.task, l.merged);
      const summary: SummaryEvent = named(l, {
        event: 'summary' as const,
        epochs: lastEpoch?.epoch ?? 0,
        rows: total.rows,
        trained: total.trained,
        evaluated: total.evaluated,
        held_out: total.heldOut,
        skipped: total.skipped,
        skipped_by_reason: total.skippedByReason,
        skipped_examples: total.skippedExamples,
        missing_imputed: model.featurizer.missingImputed,
        classes: [...model.featurizer.classes],
        features: model.featurizer.dim,
        ...lastMetrics(lastEpoch),
        ...cumulativeFields(addCounts(l.base, total), headline(totalTally)),
        checkpoint: save && checkpoints > 0 ? save.target.dir : null,
        checkpoints,
        rows_per_sec: rate(total.rows, elapsed),
        elapsed_ms: round(elapsed),
        interrupted,
        ...(config.contenders ? learnerTime(total.rows, l.busyMs) : {}),
        ...memoryFields(l),
        peak_rss_bytes: peakRss(),
        ...catalogueOf(lastEpoch),
        ...totalTally.metrics('cumulative_'),
        ...(lastTally && model.schema.task === 'classification'
          ? { per_class: perClass(lastTally, model.featurizer.classes), confusion_matrix: confusionRows(lastTally, model.featurizer.classes.length) }
          : {}),
        ...(l.evaluation.detector ? { drifts: l.evaluation.drifts - l.driftsBefore } : {}),
        ...(l.sample ? { predictions_sample: l.sample.pairs() } : {}),
        ...(l.learner.pool ? { pool: l.learner.pool() } : {}),
      });
      summaries.push(summary);
      yield summary;
    }
    if (config.contenders) yield comparison(model.schema.task, summaries);
  } catch (error) {
    // A bad row (--on-error fail) or unreadable input mid-stream: what was learned from the rows
    // before it is still checkpointed, then the error is reported.
    await checkpointThenFail(error, saveBeforeFailing);
  } finally {
    for (const l of lanes) l.learner.dispose();
    if (lanes.length === 0) model?.learner.dispose();
    if (interrupted) void source.close().catch(() => {});
    else await source.close();
  }
}

/** The row layout a learner reads and its width, as the start event gives them. */
function reads(learner: Learner, featurizer: Featurizer): { learner_input: RowLayout; learner_features: number } {
  const layout = learner.input ?? 'dense';
  return { learner_input: layout, learner_features: featurizer.widthOf(layout) };
}

/** What the lane's learner holds now (its model's bytes, a figure of its own, deterministic) and the largest of these figures so far. */
function memoryFields(l: Lane): { model_bytes: number; peak_model_bytes: number } {
  const bytes = l.learner.memoryBytes();
  if (bytes > l.peakModelBytes) l.peakModelBytes = bytes;
  return { model_bytes: bytes, peak_model_bytes: l.peakModelBytes };
}

/** The process's peak resident set since it started, in bytes (getrusage's ru_maxrss): every learner, the runtime, the buffers. */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** A contender's own time (its predict and learn) and the rows per second that makes. */
function learnerTime(rows: number, ms: number): { learner_ms: number; learner_rows_per_sec: number } {
  return { learner_ms: round(ms), learner_rows_per_sec: rate(rows, ms) };
}

/**
 * The end of a run of several learners: them ranked by the headline metric of the whole run
 * (accuracy, highest first; rmse for regression, lowest first), ties in the order given.
 */
function comparison(task: Schema['task'], summaries: readonly SummaryEvent[]): ComparisonEvent {
  const metric = task === 'classification' ? 'accuracy' : 'rmse';
  const value = (s: SummaryEvent): number | null => (task === 'classification' ? (s.cumulative_accuracy ?? null) : (s.cumulative_rmse ?? null));
  const score = (s: SummaryEvent): number => value(s) ?? (task === 'classification' ? -Infinity : Infinity);
  const ranked = [...summaries].sort((a, b) => (task === 'classification' ? score(b) - score(a) : score(a) - score(b)));
  return {
    event: 'comparison',
    metric,
    models: ranked.map((s, i) => ({
      rank: i + 1,
      model: s.model!,
      [metric]: value(s),
      loss: s.cumulative_loss,
      rows: s.rows,
      learner_ms: s.learner_ms ?? 0,
      learner_rows_per_sec: s.learner_rows_per_sec ?? 0,
      peak_model_bytes: s.peak_model_bytes ?? 0,
    })),
  };
}

/** The changes the detector found since the last call, as events. */
export function* driftEvents(evaluation: StreamEvaluation, epoch: number, firstIndex: number, onDrift: RunConfig['onDrift']): Generator<DriftEvent> {
  const classification = evaluation.task === 'classification';
  const level = (error: number): Record<string, number | null> => (classification ? { accuracy: finite(1 - error) } : { mae: finite(error) });
  for (const d of evaluation.pending.splice(0)) {
    yield { event: 'drift', epoch, rows: d.index - firstIndex + 1, stream_rows: d.index + 1, detector: d.detector, before: level(d.before), after: level(d.after), ...(onDrift ? { action: onDrift } : {}) };
  }
}

/** Fields of an epoch event after `elapsed_ms` that are measured over the epoch, not metrics: the summary has its own. */
const MEASURED = new Set(['learner_ms', 'learner_rows_per_sec', 'model_bytes', 'peak_model_bytes']);

/** The catalogue fields of an epoch event (everything after its fixed and measured fields), for the summary. */
function catalogueOf(epoch: EpochEvent | undefined): Record<string, unknown> {
  if (!epoch) return {};
  const from = Object.keys(epoch).indexOf('elapsed_ms') + 1;
  return Object.fromEntries(Object.entries(epoch).slice(from).filter(([k]) => !MEASURED.has(k)));
}

/** The shuffle buffer is worth a note when it holds at least this fraction of the epoch's rows. */
const BUFFER_NOTE_FRACTION = 0.1;

function bufferDelayMessage(capacity: number, rows: number): string {
  const held = Math.min(capacity, rows);
  return (
    `the shuffle buffer holds ${formatCount(capacity)} rows, ${Math.round((100 * capacity) / rows)}% of the ${formatCount(rows)} rows read: ` +
    `a row is learned only when it leaves the buffer, so the first ${formatCount(held)} were predicted before anything was learned and weigh on this epoch's metrics ` +
    `(a smaller --buffer-size, or the metrics of a second epoch, show what the model learned)`
  );
}

/** One epoch's batches, as feed() reads them. */
interface EpochFeed {
  readonly iterator: AsyncIterator<RecordBatch>;
  readonly stream: RecordStream;
  readonly pass: Pick<TrainingPass, 'consume'>;
  /** Batches already read (the schema's prefix), taken before the iterator. */
  readonly pending: RecordBatch[];
  /** The prefix was the whole input: the iterator has nothing more. */
  readonly exhausted: boolean;
  readonly aligner: ColumnAligner | undefined;
  readonly signal: AbortSignal | undefined;
  /** --checkpoint-every (0: none). */
  readonly every: number;
  readonly sinceSave: { rows: number };
  readonly checkpoint: () => Promise<void>;
  lastProgress: number;
  /** --report-every (0: none), and rows read since the last report. */
  readonly reportEvery: number;
  sinceReport: number;
  reportDue: boolean;
  /** Changes detected and not yet yielded, by learner. */
  readonly drifts: readonly (readonly unknown[])[];
  /** The batch being consumed, and how far. */
  current: RecordBatch | undefined;
  from: number;
}

/**
 * The per-batch loop of an epoch: reads and learns batches until the input ends, the run is
 * stopped, or a progress event is due (the caller yields it and calls again). It is kept out of
 * train(), which then runs once per event. V8 optimizes a function once its loop is hot, on a
 * background thread; for the whole train() generator that happened a second or two into a stream
 * and took blocks of up to 830 kB. glibc's malloc raises its mmap threshold to the largest block
 * freed, and each thread's arena then keeps up to twice that much freed memory, so a long stream
 * peaked a few MB above a short one. This loop alone compiles with blocks of about 300 kB.
 */
async function feed(f: EpochFeed): Promise<'end' | 'aborted' | 'progress' | 'report' | 'drift'> {
  const { iterator, stream, pass, pending, aligner, signal, every, sinceSave, reportEvery } = f;
  for (;;) {
    // Changes found before a report point are yielded before its report.
    if (detected(f.drifts)) return 'drift';
    if (f.reportDue) {
      f.reportDue = false;
      return 'report';
    }
    if (f.current === undefined) {
      let batch: RecordBatch;
      if (pending.length > 0) batch = pending.shift()!;
      else if (f.exhausted) return 'end';
      else {
        const next = await nextUntilStopped(iterator, signal);
        if (next === 'abandoned') return 'aborted';
        if (next.done) return 'end';
        batch = next.value;
      }
      f.current = aligner ? aligner.align(batch, stream.columns) : batch;
      f.from = 0;
    }
    const batch = f.current;
    // With --checkpoint-every and --report-every, the batch is cut where a checkpoint or a report
    // falls, so that they land on exact row counts whatever the reader's batch sizes.
    while (f.from < batch.rows) {
      const step = Math.min(every > 0 ? every - sinceSave.rows : Infinity, reportEvery > 0 ? reportEvery - f.sinceReport : Infinity);
      const from = f.from;
      const to = Math.min(batch.rows, from + step);
      await pass.consume(from === 0 && to === batch.rows ? batch : sliceBatch(batch, from, to));
      f.from = to;
      sinceSave.rows += to - from;
      f.sinceReport += to - from;
      if (every > 0 && sinceSave.rows === every) await f.checkpoint();
      if (reportEvery > 0 && f.sinceReport === reportEvery) {
        f.sinceReport = 0;
        f.reportDue = true;
      }
      if (detected(f.drifts) || f.reportDue) break;
    }
    if (f.from < batch.rows) continue;
    f.current = undefined;
    stream.release(batch);
    const now = performance.now();
    if (now - f.lastProgress >= PROGRESS_INTERVAL_MS) {
      f.lastProgress = now;
      return 'progress';
    }
  }
}

function detected(drifts: readonly (readonly unknown[])[]): boolean {
  for (const d of drifts) if (d.length > 0) return true;
  return false;
}

async function evaluateHoldout(source: Source, featurizer: Featurizer, learner: Learner, settings: PassSettings): Promise<Metrics> {
  const evaluator = new Evaluator(featurizer.schema.task);
  const pass = new HoldoutPass(featurizer, learner, evaluator, settings);
  const stream = source.open();
  for await (const batch of stream) {
    await pass.consume(batch);
    stream.release(batch);
  }
  await pass.flush();
  return evaluator.result();
}

const METRIC_KEYS = ['loss', 'accuracy', 'mae', 'rmse', 'val_loss', 'val_accuracy', 'val_mae', 'val_rmse'] as const;

/** The summary repeats the last epoch's metrics: the model as it ended. */
function lastMetrics(epoch: EpochEvent | undefined): MetricFields {
  const fields: MetricFields = { loss: null };
  if (!epoch) return fields;
  for (const key of METRIC_KEYS) if (epoch[key] !== undefined) fields[key] = epoch[key];
  return fields;
}

function rate(rows: number, ms: number): number {
  return ms > 0 ? Math.round((rows * 1000) / ms) : 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
