/**
 * Regression targets on their own scale make gradient steps too large or too small for any one
 * default learning rate. This wrapper lets any learner work on the standardized target (running mean
 * and sd of the targets learned so far, like River's TargetStandardScaler) and answers in the
 * original units.
 */
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

  constructor(private readonly inner: Learner) {}

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
    if (this.scaled.length < rows) this.scaled = new Float64Array(rows);
    const sd = this.sd();
    for (let r = 0; r < rows; r++) this.scaled[r] = (y[r]! - this.mean) / sd;
    // The statistics take the rows in after they are scaled, as the feature scaler does.
    for (let r = 0; r < rows; r++) {
      const v = y[r]!;
      this.count++;
      const delta = v - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (v - this.mean);
    }
    return this.inner.learn(x, this.scaled, rows);
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

  dispose(): void {
    this.inner.dispose();
  }
}
