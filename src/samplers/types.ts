/**
 * The sampler stage decides what the learner trains on. It sits after evaluation: the evaluator has
 * already seen each arriving row, so a sampler changes training, never what is measured.
 */

/** Where a sampler sends the rows to train on. The row's x is only valid during the call: copy to keep. */
export type TrainSink = (x: Float64Array, y: number) => void;

export interface Sampler {
  /** Shown in the run header and the start event, e.g. 'replay(buffer=1000, ratio=1)'. */
  readonly description: string;
  /**
   * True when offer() always trains on exactly the offered row, at once, and keeps nothing ('all'):
   * the training pass may then skip offer() and learn each scored block as it is.
   */
  readonly passThrough?: boolean;
  /** True when rows are learned only as they leave a buffer (shuffle): the first rows are scored before anything is learned. */
  readonly delays?: boolean;
  /**
   * True when the sampler keeps rows to train on later (shuffle, window, replay): offer() is then
   * also given each row with its numeric features in their own units, which it keeps instead, and
   * the rows it emits from its buffer go through the RowScaler (SamplerOptions.scaler) first.
   */
  readonly keepsRows?: boolean;
  /** Called before each epoch (1-based). */
  startEpoch(epoch: number): void;
  /**
   * A new training row has arrived (x has `dim` features; y a class index or a value).
   * The sampler calls `train` zero or more times, with this row and/or rows it kept. `kept` is the
   * same row to keep, its numeric features in their own units (given to keepsRows samplers).
   */
  offer(x: Float64Array, dim: number, y: number, train: TrainSink, kept?: Float64Array): void;
  /** The epoch's input is exhausted: drain what must be drained (the shuffle buffer). */
  endEpoch(train: TrainSink): void;
  /** For buffered samplers: rows held now, and the capacity. */
  fill?(): { rows: number; capacity: number };
  /** Plain data for checkpoints. */
  state(): Record<string, unknown>;
}

/**
 * Standardizes kept rows as they are emitted, with the statistics of the moment. A row kept as it
 * was encoded would be replayed in the units of the statistics of its own time: the first rows of a
 * stream, standardized by a standard deviation of two or three values, can hold values of 20 or
 * more, and replaying them again and again made linear regression diverge.
 */
export interface RowScaler {
  /** The numeric features (the first slots) of a kept row into the current standard units. */
  standardize(x: Float64Array): void;
  /** The inverse, to read rows a checkpoint kept in standard units (saved before rows were kept raw). */
  unstandardize(x: Float64Array): void;
}

export interface SamplerOptions {
  kind: 'all' | 'bernoulli' | 'balanced' | 'shuffle' | 'window' | 'replay';
  sampleRate: number;
  bufferSize: number;
  replayRatio: number;
  /** Target class weights for 'balanced' by class index; undefined means uniform. */
  classWeights?: Map<string, number>;
  /** Class name of a class index, for classWeights; classes may be added mid-stream. */
  className?: (index: number) => string;
  task: 'classification' | 'regression';
  /** For the samplers that keep rows: how kept rows are put into the learner's units. */
  scaler?: RowScaler;
}
