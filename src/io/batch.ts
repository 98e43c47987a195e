/**
 * Fills RecordBatches of a fixed width, row by row. The readers write cells straight into the
 * current batch's arrays; full batches wait in `ready` until the reader's generator yields them.
 */
import type { RecordBatch, RowIssue } from './types.js';

/** Rows per batch: a few thousand, fewer for wide inputs so that a batch stays around 256k cells (at least one row). */
export function batchCapacity(width: number): number {
  return Math.max(1, Math.min(4096, Math.floor(262144 / Math.max(1, width))));
}

function hasNoText(text: (string | null)[], n: number): boolean {
  for (let i = 0; i < n; i++) if (text[i] !== null) return false;
  return true;
}

const sharedNull = new Map<number, (string | null)[]>();

/** An all-null text array of length n, shared (a few sizes are kept: full batches and the odd last one). */
export function allNull(n: number): (string | null)[] {
  let text = sharedNull.get(n);
  if (text === undefined) {
    text = new Array<string | null>(n).fill(null);
    if (sharedNull.size < 8) sharedNull.set(n, text);
  }
  return text;
}

/**
 * Arrays of batches their consumer has released (RecordStream.release), by length, for the next
 * batches to reuse: a long stream then allocates no new batch memory, and its peak stays flat.
 */
const spare = new Map<number, Float64Array[]>();
const SPARE_SIZES = 8;
const SPARE_PER_SIZE = 16;

export function takeArray(length: number): Float64Array {
  return spare.get(length)?.pop() ?? new Float64Array(length);
}

/** Keeps arrays for reuse; views into a larger buffer are left alone. */
export function recycleArrays(arrays: readonly Float64Array[]): void {
  for (const a of arrays) {
    if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || a.length === 0) continue;
    let list = spare.get(a.length);
    if (list === undefined) {
      if (spare.size >= SPARE_SIZES) continue;
      spare.set(a.length, (list = []));
    }
    if (list.length < SPARE_PER_SIZE) list.push(a);
  }
}

/** Text arrays of batches that are gone (the reader thread, once a batch is sent), null again, by length. */
const spareText = new Map<number, (string | null)[][]>();

export function takeText(length: number): (string | null)[] {
  return spareText.get(length)?.pop() ?? new Array<string | null>(length).fill(null);
}

/**
 * Keeps a batch's text array for the next batches of its length: for a batch nobody holds any more
 * (the reader thread's once sent, or one its consumer released).
 */
export function recycleText(text: (string | null)[]): void {
  if (text.length === 0 || sharedNull.get(text.length) === text) return;
  let list = spareText.get(text.length);
  if (list === undefined) {
    if (spareText.size >= SPARE_SIZES) return;
    spareText.set(text.length, (list = []));
  }
  if (list.length >= 4) return;
  text.fill(null);
  list.push(text);
}

/** Recent distinct texts kept per column, and the longest text kept. */
const INTERN_WAYS = 4;
const INTERN_MAX_LENGTH = 24;

export function releaseBatch(batch: RecordBatch): void {
  recycleArrays([batch.values, batch.line]);
  recycleText(batch.text);
}

export class FixedBatcher {
  readonly capacity: number;
  rows = 0;
  values: Float64Array;
  text: (string | null)[];
  line: Float64Array;
  issues: (RowIssue | null)[] | null = null;
  /** Finished batches, in order, not yet handed out. */
  readonly ready: RecordBatch[] = [];

  /** @param names the column names, for messages about rows with too few fields. */
  constructor(
    readonly width: number,
    readonly names: readonly string[] = [],
  ) {
    this.capacity = batchCapacity(width);
    // Every cell and line of a row is written as the row is read, so reused arrays need no clearing.
    this.values = takeArray(this.capacity * width);
    this.text = new Array<string | null>(this.capacity * width).fill(null);
    this.line = takeArray(this.capacity);
    this.interned = new Array<string | undefined>(width * INTERN_WAYS).fill(undefined);
    this.internNext = new Int32Array(width);
    this.internScore = new Int32Array(width);
  }

  /** Per column, 1 when its text is wanted; null: every column's (RecordStream.readTextOf). */
  textWanted: Uint8Array | null = null;

  /** A record longer than this many bytes is marked 'record-too-long' (OpenSourceOptions.maxRecordBytes). */
  maxRecordBytes = Infinity;

  /** Per column, 1 when its numbers are wanted as written (PassOptions.literalsOf); null: none. */
  literalWanted: Uint8Array | null = null;
  /** With literalWanted: the current batch's RecordBatch.literal. */
  literal: (string | null)[] | null = null;

  /** From the next row on, the numbers of the columns marked in `mask` are kept as written too. */
  keepLiterals(mask: Uint8Array): void {
    if (!mask.includes(1)) return;
    this.literalWanted = mask;
    this.literal = new Array<string | null>(this.capacity * this.width).fill(null);
  }

  /** Per column, the last few distinct short ASCII texts read, so that a repeated one (a label) is one string. */
  private readonly interned: (string | undefined)[];
  private readonly internNext: Int32Array;
  /** Per column: cache hits minus misses, floored; a column of unique texts (ids) stops looking. */
  private readonly internScore: Int32Array;

  /**
   * The text of buf[start, end) for column col: the same string as last time when the bytes are the
   * same as a recent text of that column (ASCII only, where bytes and UTF-16 units correspond one
   * to one), else a new one.
   */
  textOf(buf: Buffer, start: number, end: number, col: number): string | null {
    if (this.textWanted !== null && this.textWanted[col] !== 1) return null;
    const len = end - start;
    if (len > INTERN_MAX_LENGTH || col >= this.width || this.internScore[col]! < -256) return buf.toString('utf8', start, end);
    const interned = this.interned;
    const k0 = col * INTERN_WAYS;
    for (let k = k0; k < k0 + INTERN_WAYS; k++) {
      const s = interned[k];
      if (s === undefined || s.length !== len) continue;
      let i = 0;
      while (i < len && s.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) {
        if (this.internScore[col]! < 1024) this.internScore[col]!++;
        return s;
      }
    }
    this.internScore[col]!--;
    const s = buf.toString('utf8', start, end);
    // As many UTF-16 units as bytes: ASCII (or replacement characters, which match no byte).
    if (s.length === len) interned[k0 + (this.internNext[col]!++ % INTERN_WAYS)] = s;
    return s;
  }

  /**
   * Starts the next row, read from `line` (a full batch is flushed first), and returns the index of
   * its first cell; endRow() finishes it.
   */
  beginRow(line: number): number {
    if (this.rows === this.capacity) this.flush();
    this.line[this.rows] = line;
    return this.rows * this.width;
  }

  /** Finishes the row beginRow() started, which had `fields` fields (ragged when not `width`). */
  endRow(fields: number): void {
    if (fields !== this.width) this.setRagged(this.rows, fields);
    this.rows++;
  }

  /** Marks a row (0-based within the batch) as malformed. */
  setIssue(row: number, issue: RowIssue): void {
    if (this.issues === null) this.issues = new Array<RowIssue | null>(this.capacity).fill(null);
    this.issues[row] = issue;
  }

  /** Marks a row that has `found` fields instead of `width`: the cells it lacks are absent. */
  setRagged(row: number, found: number): void {
    const issue: RowIssue = { reason: 'ragged-row', message: `expected ${this.width} fields, found ${found}` };
    if (found < this.width) {
      this.fillAbsent(row, found);
      // Name the first column without a value; a row with too many fields has no column to name.
      const name = this.names[found];
      if (name !== undefined) issue.field = name;
    }
    this.setIssue(row, issue);
  }

  /** Fills cells [from, width) of a row as absent: NaN and ''. */
  fillAbsent(row: number, from: number): void {
    const base = row * this.width;
    for (let c = from; c < this.width; c++) {
      this.values[base + c] = NaN;
      this.text[base + c] = '';
    }
  }

  /** Moves the current rows to `ready` and starts a fresh batch (allocated only when `more`). */
  flush(more = true): void {
    const rows = this.rows;
    if (rows === 0) return;
    const n = rows * this.width;
    const full = rows === this.capacity;
    // Numeric input has no text at all: hand out a shared all-null array and keep this one, rather
    // than allocate a large array per batch (nobody writes to a batch once it is handed out).
    const textless = hasNoText(this.text, n);
    const text = textless ? allNull(n) : this.text;
    if (!full && !textless) text.length = n;
    const issues = this.issues;
    if (issues !== null && !full) issues.length = rows;
    const batch: RecordBatch = {
      rows,
      width: this.width,
      values: full ? this.values : this.values.slice(0, n),
      text,
      line: full ? this.line : this.line.slice(0, rows),
      issues,
    };
    if (this.literal !== null) {
      if (!full) this.literal.length = n;
      batch.literal = this.literal;
      this.literal = more ? new Array<string | null>(this.capacity * this.width).fill(null) : null;
    }
    this.ready.push(batch);
    this.rows = 0;
    this.issues = null;
    if (more) {
      this.values = takeArray(this.capacity * this.width);
      if (!textless) this.text = takeText(this.capacity * this.width);
      this.line = takeArray(this.capacity);
    }
  }

  /** Hands out the finished batches. */
  take(): RecordBatch[] {
    return this.ready.splice(0, this.ready.length);
  }
}
