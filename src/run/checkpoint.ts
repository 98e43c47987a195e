/**
 * What a run puts in a checkpoint and takes back from one: the model, the rows a pass still holds,
 * the cumulative prequential sums and counts, and where in the stream it stopped. A checkpoint is a
 * snapshot in the middle of a stream: a run that resumes from it continues exactly as one run over
 * both inputs would have (see README, "Checkpoints").
 */
import { DataError, UsageError } from '../errors.js';
import type { Metrics } from '../eval/metrics.js';
import { StreamEvaluation, type StreamEvaluationState } from '../eval/stream.js';
import { Tally } from '../eval/tally.js';
import type { Task } from '../learners/types.js';
import type { CheckpointState, CountsState, EvaluatorState } from '../persist/state.js';
import { SaveError, type LoadedCheckpoint } from '../persist/store.js';
import { CheckpointTarget } from '../persist/target.js';
import { LearnersTarget } from '../persist/learners.js';
import type { Random } from '../util/random.js';
import { evaluationSettings, type RunConfig } from './config.js';
import type { SummaryEvent } from './events.js';
import type { RowCounts, TrainingPass } from './loop.js';
import type { Model } from './train.js';

export interface SaveOptions {
  /** The checkpoint directory, claimed (checked and locked) before the run started; several learners side by side: theirs. */
  target: CheckpointTarget | LearnersTarget;
  /** Also write one every this many rows read (0 or undefined: only at the end). */
  every?: number;
}

/** The running total of every row scored, continued from a checkpoint's. */
export function tallyFrom(task: Task, state: EvaluatorState | undefined): Tally {
  const t = new Tally(task, true);
  if (state) t.restore(state);
  return t;
}

/** The stream's evaluation state for a run, continued from a checkpoint's when it has one. */
export function streamEvaluationFor(task: Task, config: RunConfig, state: StreamEvaluationState | undefined): StreamEvaluation {
  return new StreamEvaluation(task, evaluationSettings(config), state);
}

export const NO_COUNTS: CountsState = { rows: 0, trained: 0, evaluated: 0, held_out: 0, skipped: 0, unlabeled: 0 };

export function addCounts(base: CountsState, ...more: (RowCounts | undefined)[]): CountsState {
  const out = { ...base };
  for (const c of more) {
    if (!c) continue;
    out.rows += c.rows;
    out.trained += c.trained;
    out.evaluated += c.evaluated;
    out.held_out += c.heldOut;
    out.skipped += c.skipped;
  }
  return out;
}

/** Summary fields for totals over this run and the runs before its checkpoint. */
export type CumulativeFields = Pick<
  SummaryEvent,
  'cumulative_rows' | 'cumulative_trained' | 'cumulative_evaluated' | 'cumulative_loss' | 'cumulative_accuracy' | 'cumulative_mae' | 'cumulative_rmse'
>;

export function cumulativeFields(counts: CountsState, metrics: Metrics): CumulativeFields {
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    cumulative_rows: counts.rows,
    cumulative_trained: counts.trained,
    cumulative_evaluated: metrics.rows,
    cumulative_loss: finite(metrics.loss),
    ...('accuracy' in metrics ? { cumulative_accuracy: finite(metrics.accuracy) } : { cumulative_mae: finite(metrics.mae), cumulative_rmse: finite(metrics.rmse) }),
  };
}

export interface SnapshotParts {
  config: RunConfig;
  model: Model;
  random: Random;
  cumulative: Tally;
  evaluation: StreamEvaluation;
  counts: CountsState;
  streamRows: number;
  epoch: number;
  pass: TrainingPass;
}

export async function snapshot(p: SnapshotParts): Promise<CheckpointState> {
  return {
    config: p.config,
    schema: p.model.schema,
    featurizer: p.model.featurizer.state(),
    learner: await p.model.learner.state(),
    backend: p.model.backend,
    sampler: p.model.sampler.state(),
    random: p.random.state(),
    evaluator: p.cumulative.state(),
    evaluation: p.evaluation.state(),
    counts: p.counts,
    streamRows: p.streamRows,
    epoch: p.epoch,
    carried: p.pass.carried(),
  };
}

export async function saveSnapshot(save: SaveOptions, parts: SnapshotParts, writtenBy: string): Promise<void> {
  if (!(save.target instanceof CheckpointTarget)) throw new Error('saveSnapshot(): the target is a checkpoint of several learners');
  await save.target.save(await snapshot(parts), writtenBy);
}

/**
 * A bad row or unreadable input stops the run: what was learned from the rows before it is
 * checkpointed (`checkpoint`), then `error` is thrown, saying so when that save failed too. A failed
 * save is thrown as it is, once: it is not tried again.
 */
export async function checkpointThenFail(error: unknown, checkpoint: (() => Promise<void>) | undefined): Promise<never> {
  if (error instanceof DataError && !(error instanceof SaveError) && checkpoint) {
    try {
      await checkpoint();
    } catch (saveError) {
      const why = saveError instanceof Error ? saveError.message : String(saveError);
      throw new DataError(error.location, `${error.detail} (and the checkpoint of the rows before it failed: ${why})`, error.reason);
    }
  }
  throw error;
}

/**
 * Several learners side by side: each one's checkpoint in a subdirectory of the directory, as its
 * run alone would have saved it, then the list of them (persist/learners.ts).
 */
export async function saveLearners(save: SaveOptions, learners: readonly SnapshotParts[], writtenBy: string): Promise<void> {
  if (!(save.target instanceof LearnersTarget)) throw new Error('saveLearners(): the target is a checkpoint of one learner');
  const states: CheckpointState[] = [];
  for (const parts of learners) states.push(await snapshot(parts));
  await save.target.save(states, writtenBy);
}

/** Puts a checkpoint's unfinished rows into the first pass of the run that resumes from it. */
export function carryInto(pass: TrainingPass, checkpoint: LoadedCheckpoint): void {
  try {
    pass.carry(checkpoint.state.carried);
  } catch (err) {
    if (err instanceof DataError || err instanceof UsageError) throw err;
    throw new DataError({ source: checkpoint.name }, `corrupt checkpoint: carried: ${(err as Error).message}`, 'bad-checkpoint');
  }
}
