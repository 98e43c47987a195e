/**
 * What a run tells the world. The loop yields these; reporters (terminal table, progress bars, JSON
 * lines) consume them. Field names are the JSON contract documented in the README: add, never rename.
 */
import type { ColumnKind, ColumnRole } from '../features/schema.js';
import type { Task } from '../learners/types.js';

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
}

export interface ProgressEvent {
  event: 'progress';
  epoch: number;
  rows: number;
  bytes: number;
  total_bytes: number | null;
  elapsed_ms: number;
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

export interface EpochEvent extends MetricFields {
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

export interface SummaryEvent extends MetricFields {
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
}

/** Something the user should know while the run goes on; told once per kind. */
export interface WarningEvent {
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

export type RunEvent = StartEvent | ProgressEvent | EpochEvent | SummaryEvent | WarningEvent;
