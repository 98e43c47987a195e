/**
 * What a run tells the world. The loop yields these; reporters (terminal table, progress bars, JSON
 * lines) consume them. Field names are the JSON contract documented in the README: add, never rename.
 */
import type { ColumnKind, ColumnRole } from '../features/schema.js';
import type { PoolWeight, RowLayout, Task } from '../learners/types.js';

export interface SchemaSummary {
  columns: { name: string; type: ColumnKind; role: ColumnRole; note?: string }[];
  target: string;
  task: Task;
  classes: string[];
  rows_inspected: number;
  /** Notes about the input as a whole (e.g. a header of numbers), when there are any. */
  notes?: string[];
}

export interface StartEvent {
  event: 'start';
  input: string;
  format: string;
  schema: SchemaSummary;
  features: number;
  /** The row layout the learner reads (learners/types.ts), and its width: what it is given per row. */
  learner_input: RowLayout;
  learner_features: number;
  learner: string;
  backend: string;
  sampler: string;
  seed: number;
  epochs: number;
  holdout: number;
  /** The checkpoint a resumed run started from (the directory read), or null. */
  resumed_from: string | null;
  /** Rows read by the runs before that checkpoint (0 for a new model). */
  resumed_rows: number;
  /** Where this run writes checkpoints (--save), or null. */
  checkpoint: string | null;
  /** The rolling metrics' window (--window; null with --fading or --window 0), fading factor (--fading) and drift detector (--drift), or null. */
  window?: number | null;
  fading?: number | null;
  drift?: string | null;
  /** --on-drift (`reset`), or null. */
  on_drift?: 'reset' | null;
  /** Several learners side by side: each one's name, description, backend and sampler (the fields above are the first's). */
  models?: { model: string; learner: string; backend: string; sampler: string; learner_input: RowLayout; learner_features: number }[];
}

export interface ProgressEvent {
  event: 'progress';
  epoch: number;
  rows: number;
  bytes: number;
  total_bytes: number | null;
  elapsed_ms: number;
  /** Epochs of the run (the bar shows `epoch k/N`). */
  epochs?: number;
  /** The live rolling metric the bar shows. */
  rolling_accuracy?: number | null;
  rolling_rmse?: number | null;
}

/**
 * The metric catalogue (docs/metrics.md): classification balanced_accuracy, f1_macro, kappa,
 * kappa_m, kappa_t, mcc, majority_accuracy, no_change_accuracy; regression r2, mape; and every
 * metric again as `rolling_<name>` over the last --window rows (rolling_auc for binary tasks), and
 * in the summary as `cumulative_<name>`.
 */
export type CatalogueFields = Record<string, unknown>;

/** A point of the learning curve: every --report-every rows of an epoch. */
export interface ReportEvent extends CatalogueFields, PerLearnerFields {
  event: 'report';
  epoch: number;
  /** Records read in this epoch so far. */
  rows: number;
  /** Records of the stream read so far, the rows before a resumed checkpoint included. */
  stream_rows: number;
  /** Rows learned and scored in this epoch so far. */
  trained: number;
  evaluated: number;
  elapsed_ms: number;
  rows_per_sec: number;
}

/** A change of the error level found by the --drift detector. */
export interface DriftEvent extends PerLearnerFields {
  event: 'drift';
  epoch: number;
  /** The row at which it was detected: its number in this epoch, and in the stream. */
  rows: number;
  stream_rows: number;
  detector: string;
  /** The detector's estimate of the model's accuracy (mae for regression) before and after the change. */
  before: Record<string, number | null>;
  after: Record<string, number | null>;
  /** --on-drift: what was done (`reset`: the learner was replaced by a fresh one once this row was learned). */
  action?: 'reset';
}

/** Metrics of one epoch, or of the whole run in the summary. */
export interface MetricFields {
  loss: number | null;
  accuracy?: number | null;
  mae?: number | null;
  rmse?: number | null;
  val_loss?: number | null;
  val_accuracy?: number | null;
  val_mae?: number | null;
  val_rmse?: number | null;
}

export interface SkippedRow {
  line: number;
  reason: string;
  message: string;
}

export interface EpochEvent extends MetricFields, CatalogueFields, PerLearnerFields {
  event: 'epoch';
  epoch: number;
  /** Records read in this epoch, good or bad. */
  rows: number;
  /** Rows the learner trained on, replayed ones included. */
  trained: number;
  /** Rows predicted and scored by the prequential metrics. */
  evaluated: number;
  held_out: number;
  skipped: number;
  buffer_fill?: number;
  buffer_capacity?: number;
  rows_per_sec: number;
  elapsed_ms: number;
}

export interface SummaryEvent extends MetricFields, CatalogueFields, PerLearnerFields {
  event: 'summary';
  epochs: number;
  rows: number;
  trained: number;
  evaluated: number;
  held_out: number;
  skipped: number;
  skipped_by_reason: Record<string, number>;
  /** The first few skipped rows, for people. */
  skipped_examples: SkippedRow[];
  missing_imputed: number;
  classes: string[];
  features: number;
  /** Totals over this run and every run before its checkpoint (`--resume`): rows read, trained on, scored. */
  cumulative_rows: number;
  cumulative_trained: number;
  cumulative_evaluated: number;
  /** Prequential metrics over every row scored, by this run and the runs before its checkpoint. */
  cumulative_loss: number | null;
  cumulative_accuracy?: number | null;
  cumulative_mae?: number | null;
  cumulative_rmse?: number | null;
  /** The checkpoint directory written (--save), or null; and how many times it was written. */
  checkpoint: string | null;
  checkpoints: number;
  rows_per_sec: number;
  elapsed_ms: number;
  interrupted: boolean;
  /** --model auto: each member of its pool, its weight in the next prediction, and the rows it led the mix. */
  pool?: PoolWeight[];
  /** Regression: up to 500 [prediction, truth] pairs, a uniform seeded sample of the rows this run scored. */
  predictions_sample?: [number, number][];
  /** The process's peak resident set size since it started (every learner, the runtime, buffers); varies from run to run. */
  peak_rss_bytes?: number;
}

/** Something the user should know while the run goes on; told once per kind. */
export interface WarningEvent extends PerLearnerFields {
  event: 'warning';
  /**
   * 'diverging': a prediction is not a number, or lies far outside the range of the targets (regression).
   * 'buffer-delay': the shuffle buffer is a large part of the input, so many rows were scored before
   * anything was learned (told at the end of the first epoch).
   */
  kind: 'diverging' | 'buffer-delay';
  epoch: number;
  /** Records read in this epoch when it was noticed. */
  rows: number;
  message: string;
}

/**
 * Several learners side by side (--model a,b): each of their report, drift, warning, epoch and summary
 * events names its learner, and carries the time spent in that learner (its predict, learn and scoring).
 */
export interface PerLearnerFields {
  /** The learner's name: `name=`, or its --model text as given. Absent in a run of one learner. */
  model?: string;
  /** Time in this learner's predict and learn, and the rows per second that makes (several learners only). */
  learner_ms?: number;
  learner_rows_per_sec?: number;
  /**
   * Report, epoch and summary events: the bytes the learner's model holds now (Learner.memoryBytes,
   * deterministic), and the largest of them at this run's reports, epoch ends and summary so far.
   */
  model_bytes?: number;
  peak_model_bytes?: number;
}

/** The end of a run of several learners: them ranked, best first. */
export interface ComparisonEvent {
  event: 'comparison';
  /** The ranking metric over the whole run: accuracy (highest first) or rmse (lowest first). */
  metric: 'accuracy' | 'rmse';
  models: ({ rank: number; model: string; loss: number | null; rows: number; learner_ms: number; learner_rows_per_sec: number; peak_model_bytes: number } & Record<string, number | string | null>)[];
}

export type RunEvent = StartEvent | ProgressEvent | ReportEvent | DriftEvent | EpochEvent | SummaryEvent | WarningEvent | ComparisonEvent;
