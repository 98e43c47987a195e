/**
 * JSON Lines records: one object per line. A fast path scans the bytes of simple lines (keys and
 * strings without escapes, numbers, true/false/null) without JSON.parse; every other line goes through
 * JSON.parse. A nested object or array is a cell too, whose text is the value's JSON (as
 * JSON.stringify writes it): the fast path checks it and skips over it in the bytes, and parses just
 * that value only when its column's text is wanted (see readTextOf), so an ignored nested column costs
 * no JSON.parse. Both give identical rows: JSON numbers read as Number() reads them (which is what
 * JSON.parse does), and new keys are registered in the order Object.keys() would list them (integer
 * keys first, ascending, then the others as they come), since that is all JSON.parse lets one see.
 */
import { isUtf8 } from 'node:buffer';
import { batchCapacity } from './batch.js';
import { oneLine } from './bytes.js';
import { numberEnd, readNumber } from './number.js';
import { DEFAULT_MAX_RECORD_BYTES, tooLongIssue, type RecordBatch, type RowIssue } from './types.js';

const NL = 10;

export interface JsonlOptions {
  name: string;
  /** Tests: send every line through JSON.parse. */
  forceParse?: boolean;
  /** A live input: hand out the records of each chunk as it arrives instead of waiting for a full batch. */
  live?: boolean;
  /** PassOptions.literalsOf. */
  literalsOf?: readonly string[];
  /** OpenSourceOptions.stop: once it fired, the end of the input cuts a line short, which is dropped. */
  stop?: AbortSignal;
  /** OpenSourceOptions.maxRecordBytes (default DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

/** Rows the first batch after a new key starts with; it doubles up to the full batch size. */
const FIRST_ROWS = 1;

/** A batch whose width grows when new keys appear: cells default to absent (NaN, ''). */
class GrowingBatcher {
  width = 0;
  /** Rows the current arrays hold; grows by doubling up to maxRows. */
  capacity = 0;
  /** Rows per batch at this width. */
  maxRows = 0;
  rows = 0;
  values = new Float64Array(0);
  text: (string | null)[] = [];
  line = new Float64Array(0);
  issues: (RowIssue | null)[] | null = null;
  /** RecordBatch.literal, when the batches carry one. */
  literal: (string | null)[] | null = null;
  readonly ready: RecordBatch[] = [];

  constructor(
    width: number,
    private readonly literals: boolean,
  ) {
    this.alloc(width);
  }

  private alloc(width: number, rows = batchCapacity(width)): void {
    this.width = width;
    this.maxRows = batchCapacity(width);
    this.capacity = Math.min(rows, this.maxRows);
    this.values = new Float64Array(this.capacity * width).fill(NaN);
    this.text = new Array<string | null>(this.capacity * width).fill('');
    this.line = new Float64Array(this.capacity);
    if (this.literals) this.literal = new Array<string | null>(this.capacity * width).fill(null);
    this.issues = null;
    this.rows = 0;
  }

  /**
   * Makes room for `width` columns. The rows so far go out as a batch of the old width (a batch's
   * width is the columns known when it was made), and the next batch starts small: with a new key
   * on every line, each line then costs its width, not a whole batch allocated and copied.
   */
  widen(width: number): void {
    if (width <= this.width) return;
    this.flush();
    this.alloc(width, FIRST_ROWS);
  }

  /** Doubles the rows the arrays hold, keeping the rows so far. */
  private grow(): void {
    const capacity = Math.min(this.maxRows, this.capacity * 2);
    const n = this.rows * this.width;
    const values = new Float64Array(capacity * this.width).fill(NaN);
    values.set(this.values.subarray(0, n));
    const text = new Array<string | null>(capacity * this.width).fill('');
    for (let i = 0; i < n; i++) text[i] = this.text[i]!;
    const line = new Float64Array(capacity);
    line.set(this.line.subarray(0, this.rows));
    if (this.literal !== null) {
      const literal = new Array<string | null>(capacity * this.width).fill(null);
      for (let i = 0; i < n; i++) literal[i] = this.literal[i]!;
      this.literal = literal;
    }
    if (this.issues !== null) {
      const issues = new Array<RowIssue | null>(capacity).fill(null);
      for (let r = 0; r < this.rows; r++) issues[r] = this.issues[r]!;
      this.issues = issues;
    }
    this.values = values;
    this.text = text;
    this.line = line;
    this.capacity = capacity;
  }

  /** Starts a row; its cells are absent until set. Returns the row's first cell index. */
  startRow(line: number): number {
    if (this.rows === this.capacity) {
      if (this.capacity < this.maxRows) {
        this.grow();
      } else {
        this.flush();
        this.alloc(this.width);
      }
    }
    this.line[this.rows] = line;
    return this.rows++ * this.width;
  }

  setIssue(issue: RowIssue): void {
    if (this.issues === null) this.issues = new Array<RowIssue | null>(this.capacity).fill(null);
    this.issues[this.rows - 1] = issue;
  }

  /** Hands out the rows so far now and starts a fresh batch (a live input). */
  cut(): void {
    if (this.rows === 0) return;
    this.flush();
    this.alloc(this.width);
  }

  flush(): void {
    const rows = this.rows;
    if (rows === 0) return;
    const full = rows === this.capacity;
    const n = rows * this.width;
    if (!full) {
      this.text.length = n;
      if (this.issues !== null) this.issues.length = rows;
    }
    const batch: RecordBatch = {
      rows,
      width: this.width,
      values: full ? this.values : this.values.slice(0, n),
      text: this.text,
      line: full ? this.line : this.line.slice(0, rows),
      issues: this.issues,
    };
    if (this.literal !== null) {
      if (!full) this.literal.length = n;
      batch.literal = this.literal;
    }
    this.ready.push(batch);
    this.rows = 0;
    this.issues = null;
  }
}

/** Whether a key is an array index, which Object.keys() lists first. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Checks JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function isJsonNumber(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  if (buf[i] === 45) i++;
  if (i >= end) return false;
  let c = buf[i]!;
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while (i < end && (c = buf[i]!) >= 48 && c <= 57) i++;
  } else return false;
  if (i < end && buf[i] === 46) {
    i++;
    const d = i;
    while (i < end && (c = buf[i]!) >= 48 && c <= 57) i++;
    if (i === d) return false;
  }
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    if (i < end && (buf[i] === 43 || buf[i] === 45)) i++;
    const d = i;
    while (i < end && (c = buf[i]!) >= 48 && c <= 57) i++;
    if (i === d) return false;
  }
  return i === end;
}

/** Nesting deeper than this goes to JSON.parse (which has its own limit) rather than the scanner. */
const MAX_SCAN_DEPTH = 64;

/** Past a JSON string starting at buf[i] ('"'), or -1 when it is not one. */
function skipString(buf: Buffer, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = buf[i]!;
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = buf[i + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          const h = buf[i + k] ?? 0;
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) return -1;
        }
        i += 6;
        continue;
      }
      if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

function skipSpace(buf: Buffer, i: number, end: number): number {
  while (i < end && isJsonSpace(buf[i]!)) i++;
  return i;
}

/**
 * Past the JSON value starting at buf[i] (not a space), or -1 when it is not valid JSON (or nests
 * deeper than MAX_SCAN_DEPTH): exactly the values JSON.parse accepts, checked in the bytes.
 */
function skipValue(buf: Buffer, i: number, end: number, depth: number): number {
  if (i >= end) return -1;
  const c = buf[i]!;
  if (c === 0x22) return skipString(buf, i, end);
  if (c === 0x7b || c === 0x5b) {
    if (depth >= MAX_SCAN_DEPTH) return -1;
    const object = c === 0x7b;
    const close = object ? 0x7d : 0x5d;
    i = skipSpace(buf, i + 1, end);
    if (buf[i] === close) return i + 1;
    for (;;) {
      if (object) {
        if (buf[i] !== 0x22) return -1;
        i = skipString(buf, i, end);
        if (i < 0) return -1;
        i = skipSpace(buf, i, end);
        if (buf[i] !== 0x3a) return -1;
        i = skipSpace(buf, i + 1, end);
      }
      i = skipValue(buf, i, end, depth + 1);
      if (i < 0) return -1;
      i = skipSpace(buf, i, end);
      if (i >= end) return -1;
      const d = buf[i]!;
      if (d === close) return i + 1;
      if (d !== 0x2c) return -1;
      i = skipSpace(buf, i + 1, end);
    }
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    let j = i + 1;
    let d = 0;
    while (j < end && (((d = buf[j]!) >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d)) j++;
    return isJsonNumber(buf, i, j) ? j : -1;
  }
  if (c === 0x74) return i + 4 <= end && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65 ? i + 4 : -1;
  if (c === 0x66) {
    return i + 5 <= end && buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65 ? i + 5 : -1;
  }
  if (c === 0x6e) return i + 4 <= end && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c ? i + 4 : -1;
  return -1;
}

function sameBytes(buf: Buffer, start: number, end: number, key: Buffer): boolean {
  const n = end - start;
  if (key.length !== n) return false;
  for (let k = 0; k < n; k++) if (buf[start + k] !== key[k]) return false;
  return true;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

/**
 * The text of a number JSON.parse read, found again in the line: for one it read as ±Infinity (it
 * overflows a double), what the scanner keeps too, and for a number wanted as written. Falls back to
 * String(v) when the key is written with other escapes.
 */
function numberLiteral(line: string, key: string, v: number): string {
  const quoted = JSON.stringify(key);
  for (let at = line.indexOf(quoted); at !== -1; at = line.indexOf(quoted, at + 1)) {
    const m = /^\s*:\s*(-?[0-9][0-9.eE+-]*)/.exec(line.slice(at + quoted.length, at + quoted.length + 400));
    if (m !== null && Number(m[1]) === v) return m[1]!;
  }
  return String(v);
}

/** addColumn's answer for a key that is not made a column. */
const LEFT_OUT = -0x40000000;

export class JsonlReader {
  /** Keys in order of first appearance; grows during the pass. */
  readonly columns: string[] = [];
  /** Rows taken by each path, for tests and curiosity. */
  readonly paths = { fast: 0, parse: 0 };
  private readonly index = new Map<string, number>();
  private readonly b: GrowingBatcher;
  private line = 1;
  /** The lines being read are known to be UTF-8; when false, each is checked. */
  private utf8 = true;

  // Scratch for the fast path: the cells of the line being read.
  private n = 0;
  private cellCol: number[] = [];
  private cellValue: number[] = [];
  private cellText: (string | null)[] = [];
  /** With literalsOf: each number cell's text as written. */
  private cellLiteral: string[] = [];
  /** Keys met in this line that are not columns yet. */
  private fresh: string[] = [];
  /** Per key position: the key's bytes last time and its column, to skip decoding known keys. */
  private cacheKey: (Buffer | undefined)[] = [];
  private cacheCol: number[] = [];
  /** Each column's key as UTF-8 bytes, to find a known key without decoding it. */
  private readonly keyBytes: Buffer[] = [];
  /** RecordStream.readTextOf: the wanted names, and per column whether its text is wanted (null: all). */
  private wanted: Set<string> | null = null;
  private textWanted: Uint8Array | null = null;
  /** PassOptions.literalsOf: the names, and per column whether its numbers are wanted as written. */
  private readonly literalNames: Set<string> | null;
  private literalAt = new Uint8Array(16);

  private readonly maxRecordBytes: number;

  constructor(private readonly opts: JsonlOptions) {
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.literalNames = opts.literalsOf !== undefined && opts.literalsOf.length > 0 ? new Set(opts.literalsOf) : null;
    this.b = new GrowingBatcher(0, this.literalNames !== null);
  }

  async *batches(input: AsyncIterable<Buffer>): AsyncGenerator<RecordBatch> {
    const b = this.b;
    const max = this.maxRecordBytes;
    let pend: Buffer[] = [];
    let pendLen = 0;
    /** Past a line longer than max: its bytes are dropped up to its line break. */
    let skipping = false;
    for await (const chunk of input) {
      let nl = chunk.indexOf(NL);
      if (nl === -1) {
        if (skipping) continue;
        pend.push(chunk);
        pendLen += chunk.length;
        if (pendLen > max) {
          // Memory stays bounded whatever the input; the run hears of the line at once.
          this.tooLong(this.line++, max);
          b.cut();
          yield* b.ready.splice(0, b.ready.length);
          pend = [];
          pendLen = 0;
          skipping = true;
        }
        continue;
      }
      if (skipping) {
        skipping = false;
      } else if (pendLen > 0) {
        const head = pendLen + nl > max ? undefined : Buffer.concat([...pend, chunk.subarray(0, nl)]);
        if (head === undefined) this.tooLong(this.line++, max);
        else {
          this.utf8 = isUtf8(head);
          this.readLine(head, 0, head.length);
        }
      } else {
        this.utf8 = isUtf8(chunk.subarray(0, nl));
        this.readLine(chunk, 0, nl);
      }
      this.utf8 = isUtf8(chunk.subarray(nl + 1, chunk.lastIndexOf(NL)));
      let s = nl + 1;
      while ((nl = chunk.indexOf(NL, s)) !== -1) {
        this.readLine(chunk, s, nl);
        s = nl + 1;
        // Batches cut mid-chunk (a new key, a full batch) go out at once: the consumer may stop
        // after the rows it infers the schema from, or name the columns it reads (readTextOf)
        // before the rest of a megabyte chunk has widened every batch.
        if (b.ready.length > 0) yield* b.ready.splice(0, b.ready.length);
      }
      pend = s < chunk.length ? [chunk.subarray(s)] : [];
      pendLen = chunk.length - s;
      if (this.opts.live === true) b.cut();
      if (b.ready.length > 0) yield* b.ready.splice(0, b.ready.length);
    }
    if (pendLen > 0 && this.opts.stop?.aborted !== true) {
      const last = pend.length === 1 ? pend[0]! : Buffer.concat(pend);
      this.utf8 = isUtf8(last);
      this.readLine(last, 0, last.length);
    }
    b.flush();
    if (b.ready.length > 0) yield* b.ready.splice(0, b.ready.length);
  }

  /** A line longer than --max-record-bytes: a row with that issue. */
  private tooLong(line: number, max: number): void {
    this.b.startRow(line);
    this.b.setIssue(tooLongIssue(max, 'line'));
    this.paths.parse++;
  }

  private readLine(buf: Buffer, start: number, end: number): void {
    const line = this.line++;
    let i = start;
    while (i < end && isJsonSpace(buf[i]!)) i++;
    if (i === end) return;
    if (end - start > this.maxRecordBytes) {
      this.tooLong(line, this.maxRecordBytes);
      return;
    }
    if (!this.utf8 && !isUtf8(buf.subarray(start, end))) {
      this.b.startRow(line);
      this.b.setIssue({ reason: 'invalid-utf8', message: 'expected UTF-8 text, found bytes that are not UTF-8' });
      this.paths.parse++;
      return;
    }
    if (this.opts.forceParse !== true && buf[i] === 0x7b && this.scanFast(buf, i, end)) {
      this.commitFast(line);
      this.paths.fast++;
    } else {
      this.readParsed(buf.toString('utf8', start, end), line);
      this.paths.parse++;
    }
  }

  /** Reads a simple flat object into the scratch cells; false when the line needs JSON.parse. */
  private scanFast(buf: Buffer, start: number, end: number): boolean {
    const cellCol = this.cellCol;
    const cellValue = this.cellValue;
    const cellText = this.cellText;
    const cacheKey = this.cacheKey;
    const cacheCol = this.cacheCol;
    this.fresh.length = 0;
    let n = 0;
    let i = start + 1; // past '{'
    let c = 0;
    while (i < end && isJsonSpace((c = buf[i]!))) i++;
    if (i < end && c === 0x7d) {
      i++;
    } else {
      for (;;) {
        // "key"
        if (i >= end || buf[i] !== 0x22) return false;
        const ks = ++i;
        while (i < end && (c = buf[i]!) !== 0x22) {
          if (c === 0x5c || c < 0x20) return false;
          i++;
        }
        if (i >= end) return false;
        const ke = i++;
        let col: number;
        const cached = cacheKey[n];
        if (cached !== undefined && sameBytes(buf, ks, ke, cached)) {
          col = cacheCol[n]!;
        } else if ((col = this.findKey(buf, ks, ke)) >= 0) {
          // A known key at another position than last time (keys in varying order): no string made.
          cacheKey[n] = this.keyBytes[col];
          cacheCol[n] = col;
        } else {
          const key = buf.toString('utf8', ks, ke);
          const known = this.index.get(key);
          if (known !== undefined) {
            col = known;
            cacheKey[n] = Buffer.from(buf.subarray(ks, ke));
            cacheCol[n] = known;
          } else {
            let f = this.fresh.indexOf(key);
            if (f === -1) f = this.fresh.push(key) - 1;
            col = -1 - f;
          }
        }
        // :
        while (i < end && isJsonSpace((c = buf[i]!))) i++;
        if (i >= end || c !== 0x3a) return false;
        i++;
        while (i < end && isJsonSpace((c = buf[i]!))) i++;
        if (i >= end) return false;
        // value
        if (c === 0x22) {
          const vs = ++i;
          while (i < end && (c = buf[i]!) !== 0x22) {
            if (c === 0x5c || c < 0x20) return false;
            i++;
          }
          if (i >= end) return false;
          cellValue[n] = NaN;
          cellText[n] = !this.wantsText(col) ? null : vs === i ? '' : buf.toString('utf8', vs, i);
          i++;
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          // Read as a plain number, which finds its end; JSON's grammar is the stricter one.
          const vs = i;
          const v = readNumber(buf, vs, end);
          i = numberEnd();
          if (v !== v || !isJsonNumber(buf, vs, i)) return false;
          if (v - v === 0) {
            cellValue[n] = v;
            cellText[n] = null;
            if (this.literalNames !== null) this.cellLiteral[n] = buf.toString('latin1', vs, i);
          } else {
            // Overflows a double (1e400): kept as its text, for the featurizer to report.
            cellValue[n] = NaN;
            cellText[n] = buf.toString('latin1', vs, i);
          }
        } else if (c === 0x74) {
          if (i + 4 > end || buf[i + 1] !== 0x72 || buf[i + 2] !== 0x75 || buf[i + 3] !== 0x65) return false;
          cellValue[n] = NaN;
          cellText[n] = 'true';
          i += 4;
        } else if (c === 0x66) {
          if (i + 5 > end || buf[i + 1] !== 0x61 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x73 || buf[i + 4] !== 0x65) {
            return false;
          }
          cellValue[n] = NaN;
          cellText[n] = 'false';
          i += 5;
        } else if (c === 0x6e) {
          if (i + 4 > end || buf[i + 1] !== 0x75 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x6c) return false;
          cellValue[n] = NaN;
          cellText[n] = '';
          i += 4;
        } else if (c === 0x7b || c === 0x5b) {
          // A nested object or array: checked and skipped in the bytes; its JSON text only when wanted.
          const vs = i;
          i = skipValue(buf, vs, end, 0);
          if (i < 0) return false;
          cellValue[n] = NaN;
          cellText[n] = !this.wantsText(col) ? null : JSON.stringify(JSON.parse(buf.toString('utf8', vs, i)));
        } else {
          return false; // not JSON
        }
        cellCol[n] = col;
        n++;
        // , or }
        while (i < end && isJsonSpace((c = buf[i]!))) i++;
        if (i >= end) return false;
        i++;
        if (c === 0x2c) {
          while (i < end && isJsonSpace((c = buf[i]!))) i++;
          continue;
        }
        if (c === 0x7d) break;
        return false;
      }
    }
    while (i < end && isJsonSpace(buf[i]!)) i++;
    if (i !== end) return false;
    this.n = n;
    return true;
  }

  private commitFast(line: number): void {
    const fresh = this.fresh;
    let freshCols: number[] | undefined;
    if (fresh.length > 0) {
      // Register in Object.keys() order: array indices ascending, then the rest as they came.
      const order = fresh.map((_, k) => k);
      if (fresh.some(isArrayIndex)) {
        const idx = order.filter((k) => isArrayIndex(fresh[k]!)).sort((p, q) => Number(fresh[p]) - Number(fresh[q]));
        const rest = order.filter((k) => !isArrayIndex(fresh[k]!));
        order.splice(0, order.length, ...idx, ...rest);
      }
      freshCols = new Array<number>(fresh.length);
      for (const k of order) freshCols[k] = this.addColumn(fresh[k]!);
      this.b.widen(this.columns.length);
    }
    const b = this.b;
    const base = b.startRow(line);
    const values = b.values;
    const text = b.text;
    const cellCol = this.cellCol;
    const cellValue = this.cellValue;
    const cellText = this.cellText;
    const literal = b.literal;
    for (let k = 0; k < this.n; k++) {
      let col = cellCol[k]!;
      if (col < 0) {
        col = freshCols![-1 - col]!;
        if (col === LEFT_OUT) continue;
      }
      const v = cellValue[k]!;
      values[base + col] = v;
      text[base + col] = cellText[k]!;
      // Only a number has a value (NaN otherwise).
      if (literal !== null && v === v && this.literalAt[col] === 1) literal[base + col] = this.cellLiteral[k]!;
    }
  }

  /** The column whose key is the bytes buf[start, end), or -1. */
  private findKey(buf: Buffer, start: number, end: number): number {
    const keyBytes = this.keyBytes;
    const len = end - start;
    for (let col = 0; col < keyBytes.length; col++) {
      const k = keyBytes[col]!;
      if (k.length === len && sameBytes(buf, start, end, k)) return col;
    }
    return -1;
  }

  /**
   * Whether the text of a cell of column `col` is wanted (scanFast's numbering: a key of this line
   * that is not a column yet is -1 - its index in `fresh`, and is wanted by its name).
   */
  private wantsText(col: number): boolean {
    const tw = this.textWanted;
    if (tw === null) return true;
    return col >= 0 ? tw[col] === 1 : this.wanted!.has(this.fresh[-1 - col]!);
  }

  /** See RecordStream.readTextOf. */
  readTextOf(columns: readonly string[]): void {
    this.wanted = new Set(columns);
    this.textWanted = new Uint8Array(Math.max(16, this.columns.length * 2));
    this.columns.forEach((c, k) => (this.textWanted![k] = this.wanted!.has(c) ? 1 : 0));
  }

  /**
   * Makes `key` the next column, or LEFT_OUT when the consumer named the columns it reads
   * (readTextOf) and this key, first met after that, is not one of them: a new key on every line
   * would otherwise widen every batch, for nothing, and hold memory growing with the square of the
   * lines. Left-out keys are not remembered either (that too would grow with the input).
   */
  private addColumn(key: string): number {
    const col = this.columns.length;
    if (this.wanted !== null) {
      if (!this.wanted.has(key)) return LEFT_OUT;
      if (col >= this.textWanted!.length) {
        const grown = new Uint8Array(col * 2);
        grown.set(this.textWanted!);
        this.textWanted = grown;
      }
      this.textWanted![col] = this.wanted.has(key) ? 1 : 0;
    }
    if (this.literalNames !== null) {
      if (col >= this.literalAt.length) {
        const grown = new Uint8Array(col * 2);
        grown.set(this.literalAt);
        this.literalAt = grown;
      }
      this.literalAt[col] = this.literalNames.has(key) ? 1 : 0;
    }
    this.keyBytes.push(Buffer.from(key, 'utf8'));
    this.columns.push(key);
    this.index.set(key, col);
    return col;
  }

  private readParsed(str: string, line: number): void {
    const b = this.b;
    let obj: unknown;
    try {
      obj = JSON.parse(str);
    } catch (err) {
      b.startRow(line);
      b.setIssue({
        reason: 'invalid-json',
        message: `expected a JSON object, found invalid JSON (${oneLine(err instanceof Error ? err.message : String(err), 120)})`,
      });
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      b.startRow(line);
      b.setIssue({ reason: 'not-an-object', message: `expected a JSON object, found ${kindOf(obj)}` });
      return;
    }
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record);
    const width = this.columns.length;
    for (const key of keys) if (!this.index.has(key)) this.addColumn(key);
    if (this.columns.length > width) b.widen(this.columns.length);
    const base = b.startRow(line);
    let tooDeep: string | undefined;
    for (const key of keys) {
      const v = record[key];
      const at = this.index.get(key);
      if (at === undefined) continue; // left out (addColumn)
      const cell = base + at;
      if (typeof v === 'number') {
        if (v - v === 0) {
          b.values[cell] = v;
          b.text[cell] = null;
          if (b.literal !== null && this.literalAt[this.index.get(key)!] === 1) b.literal[cell] = numberLiteral(str, key, v);
        } else {
          b.text[cell] = numberLiteral(str, key, v);
        }
      } else if (typeof v === 'string') {
        b.text[cell] = v;
      } else if (typeof v === 'boolean') {
        b.text[cell] = v ? 'true' : 'false';
      } else if (v !== null) {
        // A nested object or array: its JSON text, as the fast path gives it.
        const tw = this.textWanted;
        const col = this.index.get(key)!;
        b.values[cell] = NaN;
        if (tw !== null && tw[col] !== 1) {
          b.text[cell] = null;
        } else {
          try {
            b.text[cell] = JSON.stringify(v);
          } catch {
            // Nested past what JSON.stringify's recursion can take.
            b.text[cell] = '';
            tooDeep ??= key;
          }
        }
      }
    }
    if (tooDeep !== undefined) {
      b.setIssue({ reason: 'nested-value', field: tooDeep, message: 'expected a JSON value nested at most a few thousand levels deep, found deeper nesting' });
    }
  }
}
