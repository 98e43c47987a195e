/**
 * The Page-Hinkley test (Page, "Continuous Inspection Schemes", Biometrika 1954) for an increase of
 * the mean of a stream (of errors): with x̄ the running mean, m_T = a m_(T-1) + (x_T - x̄_T - delta)
 * and M_T = min m_t, it signals a change when m_T - M_T > lambda, then starts afresh. Defaults are
 * River's and MOA's: delta 0.005, lambda (threshold) 50, forgetting factor a = 1 - 1e-4, 30 rows
 * before any test.
 */
export interface PageHinkleyOptions {
  delta?: number;
  threshold?: number;
  alpha?: number;
  warmUp?: number;
}

export interface PageHinkleyState {
  delta: number;
  threshold: number;
  alpha: number;
  warmUp: number;
  n: number;
  mean: number;
  sum: number;
  min: number;
  /** Rows and their sum since the minimum of m_t: the mean after the change. */
  sinceMin: number;
  sumSinceMin: number;
  detections: number;
}

export class PageHinkley {
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly warmUp: number;
  private n = 0;
  private mean = 0;
  private sum = 0;
  private min = 0;
  private sinceMin = 0;
  private sumSinceMin = 0;
  private changes = 0;
  /** At the last change: the running mean (before) and the mean since the minimum of m_t (after). */
  before = NaN;
  after = NaN;

  constructor(options: PageHinkleyOptions = {}) {
    this.delta = options.delta ?? 0.005;
    this.threshold = options.threshold ?? 50;
    this.alpha = options.alpha ?? 1 - 1e-4;
    this.warmUp = options.warmUp ?? 30;
  }

  get width(): number {
    return this.n;
  }

  get estimation(): number {
    return this.mean;
  }

  get detections(): number {
    return this.changes;
  }

  update(x: number): boolean {
    this.n++;
    this.mean += (x - this.mean) / this.n;
    this.sum = this.alpha * this.sum + (x - this.mean - this.delta);
    this.sinceMin++;
    this.sumSinceMin += x;
    if (this.sum <= this.min) {
      this.min = this.sum;
      this.sinceMin = 0;
      this.sumSinceMin = 0;
    }
    if (this.n < this.warmUp || this.sum - this.min <= this.threshold) return false;
    this.after = this.sinceMin > 0 ? this.sumSinceMin / this.sinceMin : x;
    const n0 = this.n - this.sinceMin;
    this.before = n0 > 0 ? (this.mean * this.n - this.sumSinceMin) / n0 : this.mean;
    this.changes++;
    this.n = 0;
    this.mean = this.sum = this.min = this.sinceMin = this.sumSinceMin = 0;
    return true;
  }

  state(): PageHinkleyState {
    return {
      delta: this.delta,
      threshold: this.threshold,
      alpha: this.alpha,
      warmUp: this.warmUp,
      n: this.n,
      mean: this.mean,
      sum: this.sum,
      min: this.min,
      sinceMin: this.sinceMin,
      sumSinceMin: this.sumSinceMin,
      detections: this.changes,
    };
  }

  static restore(s: PageHinkleyState): PageHinkley {
    const d = new PageHinkley(s);
    d.n = s.n;
    d.mean = s.mean;
    d.sum = s.sum;
    d.min = s.min;
    d.sinceMin = s.sinceMin;
    d.sumSinceMin = s.sumSinceMin;
    d.changes = s.detections;
    return d;
  }
}
