/** One validated run configuration: what the flags say, printable and storable in a checkpoint. */
import type { Format } from '../io/types.js';
import type { LearnerOptions, Task } from '../learners/types.js';
import type { SamplerOptions } from '../samplers/types.js';
import type { DetectorName } from '../eval/drift/index.js';
import type { EvaluationSettings } from '../eval/stream.js';

/** A learner's name in the registry (learners/registry.ts). */
export type ModelName = string;
export type OnError = 'fail' | 'skip';

export interface InputConfig {
  input: string;
  format?: Format;
  header: boolean;
  columns?: string[];
  delimiter: string;
  /** --decimal ,: numbers are written with a decimal comma ("1,5"); absent: a decimal point. */
  decimal?: ',';
  /** --delimiter was given: no sniffing (absent: a first line that does not split on ',' is sniffed). */
  delimiterExplicit?: boolean;
  /** Parse in a worker thread: true always, false never, undefined when it pays (io/threaded.ts). */
  parseThread?: boolean;
  /** --max-record-bytes, when given (the default is the reader's, DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

export interface SchemaConfig {
  target?: string;
  task?: Task;
  features?: string[];
  ignore?: string[];
  inferRows: number;
  hashBits?: number;
}

export interface ModelConfig {
  model: ModelName;
  /** The learner's own options (its registry entry's params), defaults included; absent when it has none. */
  params?: Record<string, number | boolean | string>;
  optimizer: LearnerOptions['optimizer'];
  /** Undefined: the learner's default for the task, optimizer and batch size (learners/index.ts). */
  lr?: number;
  l2: number;
  batchSize: number;
  hidden: number[];
  activation: LearnerOptions['activation'];
  backend?: LearnerOptions['backend'];
}

/** One of several learners run side by side (--model a,b): its name in every output, and its model flags. */
export interface ContenderConfig extends ModelConfig {
  name: string;
}

export interface SamplerConfig {
  sampler: SamplerOptions['kind'];
  sampleRate: number;
  bufferSize: number;
  replayRatio: number;
  classWeights?: Record<string, number>;
}

export interface RunConfig extends InputConfig, SchemaConfig, ModelConfig, SamplerConfig {
  /**
   * Several learners side by side in one pass (--model a,b): each with its own sampler and
   * evaluation. Absent for one learner, whose flags are the ModelConfig fields (as are the first's here).
   */
  contenders?: ContenderConfig[];
  epochs: number;
  /** Fraction of rows held out of training and evaluated at the end of each epoch; 0 for none. */
  holdout: number;
  seed: number;
  onError: OnError;
  /** Rows in the rolling-metrics window (--window, default 1000; 0 for none). */
  window?: number;
  /** Fading factor for the rolling metrics instead of the window (--fading). */
  fading?: number;
  /** The drift detector watching the errors (--drift). */
  drift?: DetectorName;
  /** Rows between a row's prediction and its label: it is scored and learned that much later (--delay). */
  delay?: number;
  /** What a detected drift does (--on-drift): `reset` replaces the learner by a fresh one (run/reset.ts). */
  onDrift?: 'reset';
  /**
   * A time-based delay instead of --delay (--delay-column, --delay-seconds): a row's label arrives
   * once a row whose time is at least its own plus `seconds` has arrived; at most `maxRows` rows
   * wait (--delay-max-rows).
   */
  timeDelay?: { column: string; seconds: number; maxRows: number };
}

/** The evaluation part of a configuration (checkpoints before 0.2 have none of it: the defaults). */
export function evaluationSettings(config: RunConfig): EvaluationSettings {
  return {
    window: config.window ?? 1000,
    ...(config.fading === undefined ? {} : { fading: config.fading }),
    ...(config.drift === undefined ? {} : { drift: config.drift }),
  };
}
