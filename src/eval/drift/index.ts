/**
 * The drift detectors behind `--drift`, each watching the stream of the model's errors (0/1 for
 * classification, the absolute error for regression) and saying when its level changed, with its
 * estimates of the level before and after the change.
 */
import { Adwin, type AdwinState } from './adwin.js';
import { Ddm, type DdmState } from './ddm.js';
import { PageHinkley, type PageHinkleyState } from './page-hinkley.js';

export const DETECTORS = ['adwin', 'ddm', 'ph'] as const;
export type DetectorName = (typeof DETECTORS)[number];

export interface DriftDetector {
  readonly name: DetectorName;
  /** Adds one error; true when a change is detected. */
  update(error: number): boolean;
  /** The error level before and after the last change detected. */
  readonly before: number;
  readonly after: number;
  readonly detections: number;
  state(): DetectorState;
}

export type DetectorState = { name: 'adwin'; adwin: AdwinState } | { name: 'ddm'; ddm: DdmState } | { name: 'ph'; ph: PageHinkleyState };

/** ADWIN's change estimates: the mean of the part of the window it dropped, and of what is left. */
class AdwinDetector implements DriftDetector {
  readonly name = 'adwin';
  before = NaN;
  after = NaN;

  constructor(private readonly adwin: Adwin) {}

  get detections(): number {
    return this.adwin.detections;
  }

  update(error: number): boolean {
    const width = this.adwin.width + 1;
    const total = this.adwin.total + error;
    if (!this.adwin.update(error)) return false;
    this.before = (total - this.adwin.total) / (width - this.adwin.width);
    this.after = this.adwin.estimation;
    return true;
  }

  state(): DetectorState {
    return { name: 'adwin', adwin: this.adwin.state() };
  }
}

class Wrapped implements DriftDetector {
  constructor(
    readonly name: 'ddm' | 'ph',
    private readonly d: Ddm | PageHinkley,
  ) {}

  get before(): number {
    return this.d.before;
  }

  get after(): number {
    return this.d.after;
  }

  get detections(): number {
    return this.d.detections;
  }

  update(error: number): boolean {
    return this.d.update(error);
  }

  state(): DetectorState {
    return this.name === 'ddm' ? { name: 'ddm', ddm: (this.d as Ddm).state() } : { name: 'ph', ph: (this.d as PageHinkley).state() };
  }
}

export function createDetector(name: DetectorName): DriftDetector {
  if (name === 'adwin') return new AdwinDetector(new Adwin());
  return new Wrapped(name, name === 'ddm' ? new Ddm() : new PageHinkley());
}

export function restoreDetector(s: DetectorState): DriftDetector {
  if (s.name === 'adwin') return new AdwinDetector(Adwin.restore(s.adwin));
  return s.name === 'ddm' ? new Wrapped('ddm', Ddm.restore(s.ddm)) : new Wrapped('ph', PageHinkley.restore(s.ph));
}
