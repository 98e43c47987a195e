/**
 * DDM, the Drift Detection Method (Gama, Medas, Castillo and Rodrigues, "Learning with Drift
 * Detection", SBIA 2004), on a stream of 0/1 errors. With p the error rate so far and
 * s = sqrt(p (1 - p) / n), it remembers the point where p + s was lowest (p_min, s_min) and signals
 * a warning when p + s > p_min + 2 s_min, a drift when p + s > p_min + 3 s_min, after which it starts
 * afresh. Defaults are MOA's and River's: 30 rows before any test, levels 2 and 3.
 */
export interface DdmOptions {
  warmUp?: number;
  warningLevel?: number;
  driftLevel?: number;
}

export interface DdmState {
  warmUp: number;
  warningLevel: number;
  driftLevel: number;
  n: number;
  p: number;
  pMin: number;
  sMin: number;
  warning: boolean;
  detections: number;
}

export class Ddm {
  readonly warmUp: number;
  readonly warningLevel: number;
  readonly driftLevel: number;
  private n = 0;
  private p = 0;
  private pMin = Infinity;
  private sMin = Infinity;
  private warn = false;
  private changes = 0;
  /** The error rates at the last drift: p_min (before) and p (after). */
  before = NaN;
  after = NaN;

  constructor(options: DdmOptions = {}) {
    this.warmUp = options.warmUp ?? 30;
    this.warningLevel = options.warningLevel ?? 2;
    this.driftLevel = options.driftLevel ?? 3;
  }

  /** Rows seen since the last drift (or the start). */
  get width(): number {
    return this.n;
  }

  /** The error rate since the last drift. */
  get estimation(): number {
    return this.p;
  }

  /** In the warning zone (p + s > p_min + 2 s_min). */
  get warning(): boolean {
    return this.warn;
  }

  get detections(): number {
    return this.changes;
  }

  /** Adds one error (0 or 1); true on a drift. */
  update(error: number): boolean {
    this.n++;
    this.p += (error - this.p) / this.n;
    if (this.n < this.warmUp) return false;
    const s = Math.sqrt((this.p * (1 - this.p)) / this.n);
    if (this.p + s <= this.pMin + this.sMin) {
      this.pMin = this.p;
      this.sMin = s;
    }
    if (this.p + s > this.pMin + this.driftLevel * this.sMin) {
      this.before = this.pMin;
      this.after = this.p;
      this.changes++;
      this.n = 0;
      this.p = 0;
      this.pMin = this.sMin = Infinity;
      this.warn = false;
      return true;
    }
    this.warn = this.p + s > this.pMin + this.warningLevel * this.sMin;
    return false;
  }

  state(): DdmState {
    const inf = (v: number): number => (Number.isFinite(v) ? v : -1);
    return { warmUp: this.warmUp, warningLevel: this.warningLevel, driftLevel: this.driftLevel, n: this.n, p: this.p, pMin: inf(this.pMin), sMin: inf(this.sMin), warning: this.warn, detections: this.changes };
  }

  static restore(s: DdmState): Ddm {
    const d = new Ddm(s);
    d.n = s.n;
    d.p = s.p;
    // JSON has no Infinity: -1 stands for "no minimum yet".
    d.pMin = s.pMin < 0 ? Infinity : s.pMin;
    d.sMin = s.sMin < 0 ? Infinity : s.sMin;
    d.warn = s.warning;
    d.changes = s.detections;
    return d;
  }
}
