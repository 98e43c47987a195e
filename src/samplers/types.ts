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
  /** Called before each epoch (1-based). */
  startEpoch(epoch: number): void;
  /**
   * A new training row has arrived (x has `dim` features; y a class index or a value).
   * The sampler calls `train` zero or more times, with this row and/or rows it kept.
   */
  offer(x: Float64Array, dim: number, y: number, train: TrainSink): void;
  /** The epoch's input is exhausted: drain what must be drained (the shuffle buffer). */
  endEpoch(train: TrainSink): void;
  /** For buffered samplers: rows held now, and the capacity. */
  fill?(): { rows: number; capacity: number };
  /** Plain data for checkpoints. */
  state(): Record<string, unknown>;
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
}
