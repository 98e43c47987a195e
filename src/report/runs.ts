/**
 * The runs in a stream of JSON events (`train --json`, one or several files, several learners in
 * one file through the `model` field): for each learner its settings, its learning curves (from
 * `report` events, or from `epoch` events when the run has none), its drifts, epoch boundaries and
 * summary. Curves are downsampled as they arrive, so a 10M-row run costs the same memory as a short one.
 */
import { Downsampler } from './downsample.js';

export type Event = Record<string, unknown>;

/** Fields of report, epoch and summary events that are bookkeeping, not metrics. */
const NOT_METRICS = new Set([
  'event', 'model', 'epoch', 'epochs', 'rows', 'stream_rows', 'elapsed_ms', 'rows_per_sec', 'trained', 'evaluated', 'held_out', 'skipped', 'buffer_fill', 'buffer_capacity',
  'features', 'missing_imputed', 'cumulative_rows', 'cumulative_trained', 'cumulative_evaluated', 'checkpoints', 'bytes', 'total_bytes', 'window', 'resumed_rows',
  'learner_ms', 'learner_rows_per_sec', 'model_bytes', 'peak_model_bytes', 'peak_rss_bytes',
]);

export interface Drift {
  x: number;
  detector: string;
}

export interface Run {
  /** The learner's name as shown: the `model` field, else the start event's learner. */
  name: string;
  /** Where its events came from (a path, or stdin). */
  source: string;
  /** The run's start event (settings), when seen. */
  start: Event | undefined;
  summary: Event | undefined;
  /** Rows read before each epoch boundary after the first (x of "epoch k" markers). */
  epochStarts: { x: number; epoch: number }[];
  drifts: Drift[];
  /** Metric name -> curve over rows, from report events. */
  curves: Map<string, Downsampler>;
  /** Metric name -> one point per epoch, from epoch events (the chart when there are no report events). */
  epochCurves: Map<string, Downsampler>;
  /** Rows read before the current epoch (x offset), and the rows of the current epoch so far. */
  offset: number;
  lastEpochRows: number;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class RunCollector {
  private readonly runs = new Map<string, Run>();
  /** Per source: how many `start` events without a model it has had (a new run each). */
  private readonly runIndex = new Map<string, number>();
  /** Settings shared by the learners of one multi-learner run (a start event without `model`). */
  private readonly sharedStart = new Map<string, Event>();

  constructor(private readonly buckets = 1000) {}

  add(event: Event, source: string): void {
    const kind = event.event;
    const model = typeof event.model === 'string' ? event.model : undefined;
    if (kind === 'start' && model === undefined) {
      // A new run: its learners (one, or several with a model field) take these settings.
      this.runIndex.set(source, (this.runIndex.get(source) ?? 0) + 1);
      this.sharedStart.set(`${source}#${this.runIndex.get(source)}`, event);
      return;
    }
    if (kind !== 'start' && kind !== 'epoch' && kind !== 'report' && kind !== 'drift' && kind !== 'summary') return;
    const runKey = `${source}#${this.runIndex.get(source) ?? 0}`;
    const run = this.run(`${runKey}/${model ?? ''}`, source, model, this.sharedStart.get(runKey));
    if (kind === 'start') run.start = { ...(run.start ?? {}), ...event };
    else if (kind === 'report') this.report(run, event);
    else if (kind === 'epoch') this.epoch(run, event);
    else if (kind === 'drift') run.drifts.push({ x: run.offset + (isNumber(event.rows) ? event.rows : run.lastEpochRows), detector: String(event.detector ?? 'drift') });
    else run.summary = event;
  }

  /** The runs, named uniquely, in the order they first appeared. */
  result(): Run[] {
    const runs = [...this.runs.values()];
    const seen = new Map<string, number>();
    for (const run of runs) seen.set(run.name, (seen.get(run.name) ?? 0) + 1);
    const again = new Map<string, number>();
    for (const run of runs) {
      if (seen.get(run.name)! === 1) continue;
      const k = (again.get(run.name) ?? 0) + 1;
      again.set(run.name, k);
      run.name = `${run.name} #${k}`;
    }
    return runs;
  }

  private run(key: string, source: string, model: string | undefined, shared: Event | undefined): Run {
    let run = this.runs.get(key);
    if (run === undefined) {
      const offset = shared !== undefined && isNumber(shared.resumed_rows) ? shared.resumed_rows : 0;
      run = { name: model ?? '', source, start: shared, summary: undefined, epochStarts: [], drifts: [], curves: new Map(), epochCurves: new Map(), offset, lastEpochRows: 0 };
      this.runs.set(key, run);
    }
    if (run.name === '') run.name = model ?? (typeof run.start?.learner === 'string' ? run.start.learner : source);
    return run;
  }

  private report(run: Run, e: Event): void {
    if (!isNumber(e.rows)) return;
    run.lastEpochRows = e.rows;
    const x = run.offset + e.rows;
    for (const [name, value] of Object.entries(e)) if (isNumber(value) && !NOT_METRICS.has(name)) curve(run.curves, name, this.buckets).add(x, value);
  }

  private epoch(run: Run, e: Event): void {
    const rows = isNumber(e.rows) ? e.rows : run.lastEpochRows;
    const x = run.offset + rows;
    for (const [name, value] of Object.entries(e)) if (isNumber(value) && !NOT_METRICS.has(name)) curve(run.epochCurves, name, this.buckets).add(x, value);
    run.offset = x;
    run.lastEpochRows = 0;
    const epochs = isNumber(run.start?.epochs) ? run.start.epochs : Infinity;
    if (isNumber(e.epoch) && e.epoch < epochs) run.epochStarts.push({ x, epoch: e.epoch + 1 });
  }
}

function curve(curves: Map<string, Downsampler>, name: string, buckets: number): Downsampler {
  let d = curves.get(name);
  if (d === undefined) curves.set(name, (d = new Downsampler(buckets)));
  return d;
}

/** A run's curves: from report events, or per epoch when it had none. */
export function curvesOf(run: Run): Map<string, Downsampler> {
  return run.curves.size > 0 ? run.curves : run.epochCurves;
}
