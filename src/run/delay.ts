/**
 * Delayed labels (`--delay N`, verification latency): each row is predicted when it arrives, and
 * scored and learned only when N more rows have arrived, as a label that comes later would be. The
 * rows waiting for their label are held here, a ring of N encoded rows with their predictions:
 * memory is bounded by the delay, and nothing is allocated per row. With a time-based delay
 * (`--delay-column`, `--delay-seconds`) the ring holds each row's time too, and grows (doubling) up
 * to a cap (`--delay-max-rows`) as more rows fall within the delay. For a sampler that keeps rows
 * (shuffle, window, replay) each row's numeric features in their own units are held too, as the
 * pass's block holds them (see Sampler.keepsRows).
 */

import { UsageError } from '../errors.js';
import type { Schema } from '../features/schema.js';
import type { RecordBatch, RowIssue } from '../io/types.js';
import type { RunConfig } from './config.js';

/** The rows of a delay line as plain data (checkpoints), oldest first. */
export interface DelayedState {
  rows: number;
  dim: number;
  outputs: number;
  /** rows * dim numbers, row-major. */
  x: number[];
  /** rows * outputs numbers: the predictions made when each row arrived. */
  p: number[];
  y: number[];
  /** Each row's index in the stream. */
  index: number[];
  /** For a sampler that keeps rows: rows * numeric numbers, each row's numeric features in their own units. */
  raw?: number[];
  /** A time-based delay: each row's time (seconds), and the time of the last row read. */
  time?: number[];
  now?: number;
}

export class DelayLine {
  private x: Float64Array;
  private p: Float64Array;
  private y: Float64Array;
  private index: Float64Array;
  /** capacity * numeric: the numeric features in their own units (none when numeric is 0). */
  private raw: Float64Array;
  /** A time-based delay: each row's time in seconds (empty otherwise). */
  private time: Float64Array;
  /** The target and index of the row shift() returned last (one object, reused). */
  private readonly last = { y: 0, index: 0 };
  /** Slot of the oldest row, and rows held. */
  private head = 0;
  count = 0;

  constructor(
    private _capacity: number,
    private dim: number,
    private outputs: number,
    /** Numeric features kept in their own units per row (0: none kept). */
    private readonly numeric = 0,
    /** Rows carry their time (a time-based delay). */
    private readonly timed = false,
  ) {
    this.x = new Float64Array(_capacity * dim);
    this.raw = new Float64Array(_capacity * numeric);
    this.p = new Float64Array(_capacity * outputs);
    this.y = new Float64Array(_capacity);
    this.index = new Float64Array(_capacity);
    this.time = new Float64Array(timed ? _capacity : 0);
  }

  get capacity(): number {
    return this._capacity;
  }

  /** The time of the oldest row (a time-based delay, with a row held). */
  get oldestTime(): number {
    return this.time[this.head]!;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Adds a row (its first `dim` features, its `outputs` predictions at p[at], and with `numeric`
   * its numeric features in their own units, the first of `raw`) as the newest.
   */
  push(row: Float64Array, p: Float64Array, at: number, y: number, index: number, raw?: Float64Array, time = 0): void {
    const slot = (this.head + this.count) % this._capacity;
    if (this.timed) this.time[slot] = time;
    const { dim, outputs, numeric } = this;
    for (let j = 0; j < dim; j++) this.x[slot * dim + j] = row[j]!;
    for (let j = 0; j < numeric; j++) this.raw[slot * numeric + j] = raw![j]!;
    for (let k = 0; k < outputs; k++) this.p[slot * outputs + k] = p[at + k]!;
    this.y[slot] = y;
    this.index[slot] = index;
    this.count++;
  }

  /**
   * Removes the oldest row, copying its features into `x` and its predictions into `p` (with
   * `numeric`, also the row to keep into `kept`: its features with the numeric ones in their own
   * units); returns its target and stream index.
   */
  shift(x: Float64Array, p: Float64Array, kept?: Float64Array): { y: number; index: number } {
    const slot = this.head;
    const { dim, outputs, numeric } = this;
    for (let j = 0; j < dim; j++) x[j] = this.x[slot * dim + j]!;
    if (numeric > 0) {
      for (let j = 0; j < dim; j++) kept![j] = x[j]!;
      for (let j = 0; j < numeric; j++) kept![j] = this.raw[slot * numeric + j]!;
    }
    for (let k = 0; k < outputs; k++) p[k] = this.p[slot * outputs + k]!;
    this.head = (this.head + 1) % this._capacity;
    this.count--;
    this.last.y = this.y[slot]!;
    this.last.index = this.index[slot]!;
    return this.last;
  }

  /**
   * New feature slots or classes: the rows held are laid out at the new width, the new slots zero
   * (a class unknown when a row was predicted had probability 0 then).
   */
  widen(dim: number, outputs: number): void {
    if (dim !== this.dim || outputs !== this.outputs) this.relay(this._capacity, dim, outputs);
  }

  /** A time-based delay: room for `rows` rows, the capacity doubling as often as it takes. */
  ensure(rows: number): void {
    let capacity = this._capacity;
    while (capacity < rows) capacity *= 2;
    if (capacity !== this._capacity) this.relay(capacity, this.dim, this.outputs);
  }

  /** Lays the rows held out anew, oldest first from slot 0, at this capacity and width. */
  private relay(capacity: number, dim: number, outputs: number): void {
    const { numeric } = this;
    const x = new Float64Array(capacity * dim);
    const p = new Float64Array(capacity * outputs);
    const raw = new Float64Array(capacity * numeric);
    const y = new Float64Array(capacity);
    const index = new Float64Array(capacity);
    const time = new Float64Array(this.timed ? capacity : 0);
    for (let r = 0; r < this.count; r++) {
      const slot = (this.head + r) % this._capacity;
      x.set(this.x.subarray(slot * this.dim, (slot + 1) * this.dim), r * dim);
      p.set(this.p.subarray(slot * this.outputs, (slot + 1) * this.outputs), r * outputs);
      raw.set(this.raw.subarray(slot * numeric, (slot + 1) * numeric), r * numeric);
      y[r] = this.y[slot]!;
      index[r] = this.index[slot]!;
      if (this.timed) time[r] = this.time[slot]!;
    }
    this.x = x;
    this.p = p;
    this.raw = raw;
    this.y = y;
    this.index = index;
    this.time = time;
    this.dim = dim;
    this.outputs = outputs;
    this.head = 0;
    this._capacity = capacity;
  }

  save(): DelayedState {
    const { numeric } = this;
    const s: DelayedState = { rows: this.count, dim: this.dim, outputs: this.outputs, x: [], p: [], y: [], index: [], ...(numeric > 0 ? { raw: [] } : {}), ...(this.timed ? { time: [] } : {}) };
    for (let r = 0; r < this.count; r++) {
      const slot = (this.head + r) % this._capacity;
      if (this.timed) s.time!.push(this.time[slot]!);
      for (let j = 0; j < this.dim; j++) s.x.push(this.x[slot * this.dim + j]!);
      for (let j = 0; j < numeric; j++) s.raw!.push(this.raw[slot * numeric + j]!);
      for (let k = 0; k < this.outputs; k++) s.p.push(this.p[slot * this.outputs + k]!);
      s.y.push(this.y[slot]!);
      s.index.push(this.index[slot]!);
    }
    return s;
  }

  /** Puts saved rows back (into an empty line at least as wide, keeping raw features if they were kept). */
  restore(s: DelayedState): void {
    const { numeric } = this;
    if (this.timed) this.ensure(s.rows);
    if (this.count > 0 || s.rows > this._capacity || s.dim > this.dim || s.outputs > this.outputs) {
      throw new Error(`the delayed rows (${s.rows} of width ${s.dim}, ${s.outputs} outputs) do not fit a delay of ${this._capacity}`);
    }
    if ((s.time !== undefined) !== this.timed || (s.time !== undefined && s.time.length !== s.rows)) {
      throw new Error(`the delayed rows ${s.time === undefined ? 'lack' : 'hold'} times, which a ${this.timed ? 'time-based' : 'row-count'} delay ${this.timed ? 'needs' : 'does not have'}`);
    }
    if ((s.raw !== undefined) !== numeric > 0 || (s.raw !== undefined && s.raw.length !== s.rows * numeric)) {
      throw new Error(`the delayed rows ${s.raw === undefined ? 'lack' : 'hold'} numeric features in their own units, which the sampler ${numeric > 0 ? 'keeps' : 'does not keep'}`);
    }
    const x = new Float64Array(this.dim);
    const p = new Float64Array(this.outputs);
    const raw = new Float64Array(numeric);
    for (let r = 0; r < s.rows; r++) {
      x.fill(0);
      p.fill(0);
      for (let j = 0; j < s.dim; j++) x[j] = s.x[r * s.dim + j]!;
      for (let k = 0; k < s.outputs; k++) p[k] = s.p[r * s.outputs + k]!;
      for (let j = 0; j < numeric; j++) raw[j] = s.raw![r * numeric + j]!;
      this.push(x, p, 0, s.y[r]!, s.index[r]!, raw, s.time?.[r]);
    }
  }
}

/** `2024-03-19`, `2024-03-19T17:00:07`, `2024-03-19 17:00:07.25Z`, `...+02:00`: a date-time without a zone is UTC. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A cell's time in seconds: a number (seconds, e.g. since 1970), or an ISO-8601 date or date-time; NaN otherwise. */
export function secondsOf(text: string): number {
  const t = text.trim();
  const m = ISO_8601.exec(t);
  if (m === null) {
    const n = t === '' ? NaN : Number(t);
    return Number.isFinite(n) ? n : NaN;
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = m;
  if (+month! < 1 || +month! > 12 || +day! < 1 || +day! > 31 || +hour > 23 || +minute > 59 || +second > 60) return NaN;
  let ms = Date.UTC(+year!, +month! - 1, +day!, +hour, +minute, +second) + (fraction === '' ? 0 : Number(fraction) * 1000);
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    ms -= (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms / 1000;
}

/**
 * A time-based delay (`--delay-column COL --delay-seconds S`): a row's label arrives once a row
 * whose time is at least its own plus S has arrived. The clock reads the time of each row of a
 * batch before the batch is encoded, so that a row with no time, or one earlier than the row before
 * it, is refused before anything is learned from it.
 */
export class DelayClock {
  /** The time of each row of the batch read last, by its place in it. */
  times = new Float64Array(0);
  /** The stream index of that batch's first row. */
  first = 0;
  /** The time of the last row read (-Infinity before the first), and its text: times must not go back. */
  now = -Infinity;
  private nowText = '';

  constructor(
    /** The column's index in the rows, and its name. */
    readonly column: number,
    readonly name: string,
    readonly seconds: number,
    /** --delay-max-rows: more rows than this waiting for their label fail the run. */
    readonly cap: number,
  ) {}

  /** A resumed run: the time of the last row read before its checkpoint. */
  restart(now: number): void {
    this.now = now;
    this.nowText = String(now);
  }

  /** The time of the row with this stream index (of the batch read last). */
  timeOf(index: number): number {
    return this.times[index - this.first]!;
  }

  /**
   * Reads the times of the batch's rows (the first has stream index `first`). Returns the batch, or a
   * copy whose issues name the rows without a time (which --on-error skip skips) and the first row
   * whose time goes back (which fails the run whatever --on-error says).
   */
  read(batch: RecordBatch, first: number): RecordBatch {
    if (this.times.length < batch.rows) this.times = new Float64Array(Math.max(batch.rows, 2 * this.times.length));
    this.first = first;
    const { column, name } = this;
    let issues: (RowIssue | null)[] | null = null;
    for (let r = 0; r < batch.rows; r++) {
      if (batch.issues?.[r]) continue;
      const at = r * batch.width + column;
      const text = column < batch.width ? batch.text[at] : '';
      const shown = text === null ? String(batch.values[at]) : (text ?? '');
      const t = text === null ? batch.values[at]! : secondsOf(shown);
      let issue: RowIssue | null = null;
      if (Number.isNaN(t)) {
        issue = { reason: 'bad-time', field: name, message: `expected a time for --delay-seconds (a number of seconds, or an ISO-8601 date-time like 2024-03-19T17:00:07Z), found ${JSON.stringify(shown)}` };
      } else if (t < this.now) {
        issue = { reason: 'time-order', field: name, message: `time ${shown} is earlier than the row before's (${this.nowText}): --delay-seconds needs the rows in time order`, fatal: true };
      }
      if (issue !== null) {
        issues ??= batch.issues?.slice(0, batch.rows) ?? new Array<RowIssue | null>(batch.rows).fill(null);
        issues[r] = issue;
        if (issue.fatal === true) break;
        continue;
      }
      this.times[r] = t;
      this.now = t;
      this.nowText = shown;
    }
    return issues === null ? batch : { ...batch, issues };
  }
}

/** A new clock for an epoch of a run with a time-based delay (none without one). */
export function delayClock(timeDelay: RunConfig['timeDelay'], schema: Schema): DelayClock | undefined {
  if (timeDelay === undefined) return undefined;
  const { column, seconds, maxRows } = timeDelay;
  const at = schema.columns.findIndex((c) => c.name === column);
  if (at < 0) throw new UsageError(`--delay-column ${column}: the input has no such column (it has ${schema.columns.map((c) => c.name).join(', ')})`);
  if (at === schema.target) throw new UsageError(`--delay-column ${column} is the target: the times must be a column of their own`);
  return new DelayClock(at, column, seconds, maxRows);
}
