/**
 * What evaluation keeps across the whole stream, beyond one epoch's counts: the baselines' state
 * (the class counts behind the majority class, the last label), the rolling window or fading
 * counts, and the drift detector. It continues across epochs and is saved in checkpoints, so a
 * resumed run continues it exactly.
 */
import { UsageError } from '../errors.js';
import type { Task } from '../learners/types.js';
import type { MetricValues } from './catalogue.js';
import { createDetector, restoreDetector, type DetectorName, type DetectorState, type DriftDetector } from './drift/index.js';
import { createRolling, restoreRolling, type Rolling, type RollingState } from './rolling.js';
import { MAJORITY_RIGHT, NO_CHANGE_RIGHT } from './tally.js';

export interface EvaluationSettings {
  /** Rows in the rolling window (--window); ignored when `fading` is set. */
  window: number;
  /** Fading factor (--fading) instead of a window. */
  fading?: number;
  drift?: DetectorName;
}

/** A change a detector reported, at the row with this stream index. */
export interface DriftRecord {
  index: number;
  detector: DetectorName;
  /** The error level (0/1 error rate, or mean absolute error) before and after the change. */
  before: number;
  after: number;
}

export interface StreamEvaluationState {
  classCounts: number[];
  majority: number;
  last: number;
  rolling: RollingState | null;
  detector: DetectorState | null;
  drifts: number;
}

export class StreamEvaluation {
  /** The stream index of the row being scored; the pass sets it before Evaluator.add(). */
  index = 0;
  readonly rolling: Rolling | null;
  readonly detector: DriftDetector | null;
  /** Changes detected and not yet reported (the run drains them after each batch). */
  readonly pending: DriftRecord[] = [];
  /** Changes detected over the stream (checkpoints before this run included). */
  drifts = 0;
  /** Told of each change as it is detected, after the row's scoring (--on-drift). */
  onDrift: (() => void) | undefined;
  private classCounts = new Float64Array(0);
  private majority = -1;
  private last = -1;

  constructor(
    readonly task: Task,
    readonly settings: EvaluationSettings,
    saved?: StreamEvaluationState,
  ) {
    const kind = settings.fading !== undefined ? 'fading' : 'window';
    const param = settings.fading ?? settings.window;
    const rolling = saved?.rolling;
    this.rolling = rolling && rolling.kind === kind && rolling.param === param ? restoreRolling(task, rolling) : param > 0 ? createRolling(task, kind, param) : null;
    if (settings.drift === 'ddm' && task === 'regression') throw new UsageError('--drift ddm watches 0/1 errors (classification); for regression use adwin or ph');
    const detector = saved?.detector;
    this.detector = settings.drift === undefined ? null : detector && detector.name === settings.drift ? restoreDetector(detector) : createDetector(settings.drift);
    if (saved) {
      this.classCounts = Float64Array.from(saved.classCounts);
      this.majority = saved.majority;
      this.last = saved.last;
      this.drifts = saved.drifts;
    }
  }

  /**
   * The baselines' predictions of a row with true class y, made before they see it: the majority
   * class so far (ties: the class that reached the count first), and the previous row's class.
   * Returns their flags (tally.ts) and updates them.
   */
  baselines(y: number): number {
    let flags = 0;
    if (y >= 0 && y === this.majority) flags |= MAJORITY_RIGHT;
    if (y >= 0 && y === this.last) flags |= NO_CHANGE_RIGHT;
    this.last = y;
    if (y >= 0) {
      if (y >= this.classCounts.length) {
        const grown = new Float64Array(y + 1);
        grown.set(this.classCounts);
        this.classCounts = grown;
      }
      const c = ++this.classCounts[y]!;
      if (this.majority < 0 || c > this.classCounts[this.majority]!) this.majority = y;
    }
    return flags;
  }

  /**
   * A classified row (true class y, the predicted class, its log loss and p(class 1)): its baselines'
   * flags (see baselines()), after which the window and the detector take it in.
   */
  scoreClass(y: number, predicted: number, loss: number, score: number): number {
    const flags = this.baselines(y);
    const rolling = this.rolling;
    if (rolling !== null) rolling.addClass(y, predicted, flags, loss, score);
    if (this.detector !== null && this.detector.update(predicted === y ? 0 : 1)) this.detected();
    return flags;
  }

  /** A regression row: its target and error. */
  scoreValue(y: number, err: number): void {
    const rolling = this.rolling;
    if (rolling !== null) rolling.addValue(y, err);
    if (this.detector !== null && this.detector.update(Math.abs(err))) this.detected();
  }

  private detected(): void {
    const d = this.detector!;
    this.drifts++;
    this.pending.push({ index: this.index, detector: d.name, before: d.before, after: d.after });
    this.onDrift?.();
  }

  /** The rolling catalogue (`rolling_` fields), empty without a window. */
  metrics(out: MetricValues = {}): MetricValues {
    this.rolling?.metrics(out);
    return out;
  }

  state(): StreamEvaluationState {
    return {
      classCounts: Array.from(this.classCounts),
      majority: this.majority,
      last: this.last,
      rolling: this.rolling?.state() ?? null,
      detector: this.detector?.state() ?? null,
      drifts: this.drifts,
    };
  }
}
