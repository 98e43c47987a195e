/** One validated run configuration: what the flags say, printable and storable in a checkpoint. */
import type { Format } from '../io/types.js';
import type { LearnerOptions, Task } from '../learners/types.js';
import type { SamplerOptions } from '../samplers/types.js';

/** A learner's name in the registry (learners/registry.ts). */
export type ModelName = string;
export type OnError = 'fail' | 'skip';

export interface InputConfig {
  input: string;
  format?: Format;
  header: boolean;
  columns?: string[];
  delimiter: string;
  /** Parse in a worker thread: true always, false never, undefined when it pays (io/threaded.ts). */
  parseThread?: boolean;
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

export interface SamplerConfig {
  sampler: SamplerOptions['kind'];
  sampleRate: number;
  bufferSize: number;
  replayRatio: number;
  classWeights?: Record<string, number>;
}

export interface RunConfig extends InputConfig, SchemaConfig, ModelConfig, SamplerConfig {
  epochs: number;
  /** Fraction of rows held out of training and evaluated at the end of each epoch; 0 for none. */
  holdout: number;
  seed: number;
  onError: OnError;
}
