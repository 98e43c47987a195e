/**
 * Regression targets on their own scale make gradient steps too large or too small for any one
 * default learning rate. This wrapper lets any learner work on the standardized target (running mean
 * and sd of the targets learned so far, like River's TargetStandardScaler) and answers in the
 * original units.
 */
import { arrayBytes, NUMBER_BYTES } from './memory.js';
import type { Learner, LearnerState } from './types.js';

export interface ScaledTargetState extends LearnerState {
  kind: 'scaled-target';
  count: number;
  mean: number;
  m2: number;
  inner: LearnerState;
}

export class ScaledTarget implements Learner {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private scaled = new Float64Array(1);

  constructor(private readonly inner: Learner) {
    const fused = inner.predictAndLearn;
    if (fused) {
      this.predictAndLearn = (x, y, rows, out) => {
        // The prediction is made in the units before this batch updates the statistics.
        const mean = this.mean;
        const sd = this.sd();
        const done = fused.call(inner, x, this.scale(y, rows), rows, out);
        const unscale = (): void => {
          for (let r = 0; r < rows; r++) out[r] = mean + sd * out[r]!;
        };
        if (done) return done.then(unscale);
        unscale();
        return undefined;
      };
    }
  }

  get description(): string {
    return this.inner.description;
  }
  get batchSize(): number {
    return this.inner.batchSize;
  }
  get dim(): number {
    return this.inner.dim;
  }
  get outputs(): number {
    return this.inner.outputs;
  }
  get backend(): string | undefined {
    return this.inner.backend;
  }

  private sd(): number {
    return this.count >= 2 ? Math.sqrt(this.m2 / (this.count - 1)) || 1 : 1;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void | Promise<void> {
    const done = this.inner.predict(x, rows, out);
    if (done) return done.then(() => this.unscale(out, rows));
    this.unscale(out, rows);
  }

  private unscale(out: Float64Array, rows: number): void {
    const sd = this.sd();
    for (let r = 0; r < rows; r++) out[r] = this.mean + sd * out[r]!;
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void | Promise<void> {
    return this.inner.learn(x, this.scale(y, rows), rows);
  }

  /** Present when the inner learner has it (see Learner.predictAndLearn). */
  readonly predictAndLearn?: (x: Float64Array, y: Float64Array, rows: number, out: Float64Array) => void | Promise<void>;

  /** The targets in standard units; the statistics take the rows in after, as the feature scaler does. */
  private scale(y: Float64Array, rows: number): Float64Array {
    if (this.scaled.length < rows) this.scaled = new Float64Array(rows);
    const sd = this.sd();
    for (let r = 0; r < rows; r++) this.scaled[r] = (y[r]! - this.mean) / sd;
    for (let r = 0; r < rows; r++) {
      const v = y[r]!;
      this.count++;
      const delta = v - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (v - this.mean);
    }
    return this.scaled;
  }

  grow(dim: number, classes: number): void | Promise<void> {
    return this.inner.grow(dim, classes);
  }

  async state(): Promise<ScaledTargetState> {
    return { kind: 'scaled-target', count: this.count, mean: this.mean, m2: this.m2, inner: await this.inner.state() };
  }

  static restore(state: ScaledTargetState, inner: Learner): ScaledTarget {
    const learner = new ScaledTarget(inner);
    learner.count = state.count;
    learner.mean = state.mean;
    learner.m2 = state.m2;
    return learner;
  }

  /** The inner learner's, and the target's running statistics. */
  memoryBytes(): number {
    return this.inner.memoryBytes() + 3 * NUMBER_BYTES + arrayBytes(this.scaled);
  }

  dispose(): void {
    this.inner.dispose();
  }
}
