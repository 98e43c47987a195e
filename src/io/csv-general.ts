/**
 * The general CSV path, for input with quotes. A small framer finds where records end (a '\n'
 * outside quotes) so that every record keeps its physical start line and one bad record cannot
 * derail the others; csv-parse then splits and unquotes the fields of a block of whole records, and
 * when it complains, each record of the block is parsed alone so the complaint lands on one row.
 */
import { createRequire } from 'node:module';
import type { Options as CsvParseOptions, parse as ParseCsv } from 'csv-parse/sync';
import type { FixedBatcher } from './batch.js';
import { oneLine, quoteText } from './bytes.js';
import { isUtf8 } from 'node:buffer';
import { notUtf8Issue, parseFastBlock } from './csv-fast.js';
import { parsePlainNumber, plainNumberValue } from './number.js';
import type { RowIssue } from './types.js';

const QUOTE = 34;
const NL = 10;
const CR = 13;


/** csv-parse loads on the first quoted block: plain numeric input never pays its start-up. */
let csvParse: typeof ParseCsv | undefined;
function parseCsv(input: Buffer, options: CsvParseOptions): unknown {
  csvParse ??= (createRequire(import.meta.url)('csv-parse/sync') as { parse: typeof ParseCsv }).parse;
  return csvParse(input, options);
}

/**
 * Tracks quoting across chunks, RFC 4180 style as csv-parse reads it: a quote opens a quoted field
 * only at the start of a field; inside, '""' is a quote and any other quote closes the field.
 * A quote elsewhere is a literal here (csv-parse reports it; the framer only needs boundaries).
 */
export class Framer {
  inQuote = false;
  /** Inside a quoted field, the last byte was a quote: the next byte decides (escape or close). */
  quotePending = false;
  fieldStart = true;
  /** The record being scanned holds a quote character somewhere. */
  recordQuoted = false;

  constructor(private readonly delimiter: number) {}

  /** True when the bytes scanned so far end inside a quoted field that is not closed. */
  get open(): boolean {
    return this.inQuote && !this.quotePending;
  }

  /**
   * Appends to `ends` the index of every '\n' in chunk that ends a record, and to `quoted` whether
   * that record holds a quote character (records without one can take the fast path).
   */
  scan(chunk: Buffer, ends: number[], quoted?: boolean[]): void {
    const dl = this.delimiter;
    let inQuote = this.inQuote;
    let quotePending = this.quotePending;
    let fieldStart = this.fieldStart;
    let recordQuoted = this.recordQuoted;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c === QUOTE) recordQuoted = true;
      if (quotePending) {
        quotePending = false;
        if (c === QUOTE) continue; // an escaped quote
        inQuote = false; // the quote closed the field; c is read as unquoted
        fieldStart = false;
      }
      if (inQuote) {
        if (c === QUOTE) quotePending = true;
        continue;
      }
      if (c === dl) {
        fieldStart = true;
      } else if (c === NL) {
        ends.push(i);
        quoted?.push(recordQuoted);
        recordQuoted = false;
        fieldStart = true;
      } else if (c === QUOTE && fieldStart) {
        inQuote = true;
        fieldStart = false;
      } else {
        fieldStart = false;
      }
    }
    this.inQuote = inQuote;
    this.quotePending = quotePending;
    this.fieldStart = fieldStart;
    this.recordQuoted = recordQuoted;
  }

  /** Resets to the state after `tail`, bytes that hold no quote and start a record. */
  resetPlain(tail: Buffer): void {
    this.inQuote = false;
    this.quotePending = false;
    this.recordQuoted = false;
    this.fieldStart = tail.length === 0 || tail[tail.length - 1] === this.delimiter;
  }
}

/** Whether buf[start, stop) is a blank line: nothing but an optional '\r' before its '\n'. */
export function isBlankRecord(buf: Buffer, start: number, stop: number): boolean {
  const len = stop - start;
  if (len === 0) return true;
  if (buf[stop - 1] !== NL) return false;
  return len === 1 || (len === 2 && buf[start] === CR);
}

export function countNewlines(buf: Buffer, start: number, stop: number): number {
  let n = 0;
  let i = buf.indexOf(NL, start);
  while (i !== -1 && i < stop) {
    n++;
    i = buf.indexOf(NL, i + 1);
  }
  return n;
}

function csvParseOptions(delimiter: string): Record<string, unknown> {
  return {
    delimiter,
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    relax_quotes: false,
    skip_empty_lines: true,
    bom: false,
    encoding: 'utf8',
  };
}

/** The fields of one record, or why it could not be read. */
export function parseOneRecord(
  buf: Buffer,
  delimiter: string,
  columns: readonly string[] | null,
): { fields: string[] } | { issue: RowIssue } {
  try {
    const records = parseCsv(buf, csvParseOptions(delimiter)) as string[][];
    if (records.length === 1) return { fields: records[0]! };
    return { issue: { reason: 'bad-csv', message: `record splits into ${records.length} records` } };
  } catch (err) {
    return { issue: csvIssue(err, buf, delimiter, columns) };
  }
}

function csvIssue(err: unknown, record: Buffer, delimiter: string, columns: readonly string[] | null): RowIssue {
  const e = err as { code?: string; column?: unknown; message?: string };
  const column = typeof e.column === 'number' ? e.column : -1;
  const field = column >= 0 && columns !== null ? columns[column] : undefined;
  const withField = (issue: RowIssue): RowIssue => (field === undefined ? issue : { ...issue, field });
  const found = (): string => quoteText(looseFields(record, delimiter.charCodeAt(0)).fields[column] ?? '');
  switch (e.code) {
    case 'INVALID_OPENING_QUOTE':
      return withField({ reason: 'stray-quote', message: `expected a field without quotes or quoted as a whole, found ${found()}` });
    case 'CSV_INVALID_CLOSING_QUOTE':
      return withField({ reason: 'stray-quote', message: `expected a delimiter after the closing quote, found ${found()}` });
    case 'CSV_QUOTE_NOT_CLOSED':
      return withField({ reason: 'unterminated-quote', message: 'expected a closing quote, found the end of the record' });
    default:
      return { reason: 'bad-csv', message: oneLine(e.message ?? String(err)) };
  }
}

/**
 * A record split loosely into raw fields, for messages only: a quote opens a quoted field at the
 * start of a field, as the framer reads it. `open` is the field whose quote is still open at the end
 * (a missing closing quote), or -1.
 */
export function looseFields(record: Buffer, dl: number): { fields: string[]; open: number } {
  let end = record.length;
  if (end > 0 && record[end - 1] === NL) end--;
  if (end > 0 && record[end - 1] === CR) end--;
  const fields: string[] = [];
  let start = 0;
  let inQuote = false;
  let fieldStart = true;
  let open = -1;
  for (let i = 0; i < end; i++) {
    const c = record[i]!;
    if (inQuote) {
      if (c === QUOTE) {
        if (record[i + 1] === QUOTE) i++;
        else inQuote = false;
      }
      continue;
    }
    if (c === dl) {
      fields.push(record.toString('utf8', start, i));
      start = i + 1;
      fieldStart = true;
      continue;
    }
    if (c === QUOTE && fieldStart) {
      inQuote = true;
      open = fields.length;
    }
    fieldStart = false;
  }
  fields.push(record.toString('utf8', start, end));
  return { fields, open: inQuote ? open : -1 };
}

/** Writes one record's fields as a row of the batch. */
export function emitFields(b: FixedBatcher, fields: readonly string[], line: number): void {
  const base = b.beginRow(line);
  const { values, text } = b;
  const m = Math.min(fields.length, b.width);
  for (let c = 0; c < m; c++) {
    const s = fields[c]!;
    const v = plainNumberValue(s);
    if (v - v === 0) {
      values[base + c] = v;
      if (b.literalWanted !== null && b.literalWanted[c] === 1) b.literal![base + c] = s;
    } else {
      values[base + c] = NaN;
      text[base + c] = s;
    }
  }
  b.endRow(fields.length);
}

/** Writes a row that could not be read: every cell absent, and the issue. */
export function emitIssue(b: FixedBatcher, issue: RowIssue, line: number): void {
  b.beginRow(line);
  b.fillAbsent(b.rows, 0);
  b.setIssue(b.rows, issue);
  b.endRow(b.width);
}

/** Rows made so far by a batcher whose ready batches have not been taken yet. */
function produced(b: FixedBatcher): number {
  return b.rows + b.ready.length * b.capacity;
}

export interface GeneralBlock {
  /** ends[k] is the index just past record k's '\n' (or the end of the input). */
  ends: readonly number[];
  /** quoted[k]: whether record k holds a quote; null sends every record through csv-parse. */
  quoted: readonly boolean[] | null;
  /** The delimiter, as a byte for the fast path and as a string for csv-parse. */
  dl: number;
  delimiter: string;
  columns: readonly string[];
  /** Rows made by each path, added to. */
  paths: { fast: number; general: number };
  /** False when the block holds bytes that are not UTF-8: each record is then checked. */
  utf8?: boolean;
}

/**
 * Parses buf[0, ends[last]): whole records. Runs of records without quotes take the fast path, the
 * others go through csv-parse. `line` is the physical line of buf[0]; returns the line after the block.
 */
export function parseGeneralBlock(b: FixedBatcher, buf: Buffer, block: GeneralBlock, line: number): number {
  const { ends, quoted, paths } = block;
  let a = 0;
  for (let k = 0; k < ends.length; ) {
    const plain = quoted !== null && !quoted[k];
    let j = k + 1;
    while (j < ends.length && (quoted !== null && !quoted[j]) === plain) j++;
    const stop = ends[j - 1]!;
    const before = produced(b);
    if (plain) {
      line = parseFastBlock(b, buf, a, stop, block.dl, line, block.utf8 !== false);
      paths.fast += produced(b) - before;
    } else {
      // quoted === null (tests: the general path everywhere) leaves every record to csv-parse.
      line = quoted === null ? parseQuotedRecords(b, buf, a, ends.slice(k, j), block, line) : parseQuotedRun(b, buf, a, ends.slice(k, j), block, line);
      paths.general += produced(b) - before;
    }
    a = stop;
    k = j;
  }
  return line;
}

/** Field bounds of the record being read by simpleQuotedFields: [start, end) pairs. */
let bounds = new Int32Array(64);

/**
 * Splits the record buf[start, stop) when its quoting is the simple kind that R's write.csv and
 * Python's csv.QUOTE_NONNUMERIC write: a field is either unquoted and free of quotes, or quoted as a
 * whole, with no quote or line break inside, its closing quote followed by the delimiter or the end
 * of the line. The record must end in '\n'. Returns the number of fields, their bounds (the text
 * inside the quotes) in `bounds`, or -1 for anything else, which csv-parse then reads: the fields
 * are then exactly the ones csv-parse gives.
 */
function simpleQuotedFields(buf: Buffer, start: number, stop: number, dl: number): number {
  if (stop - start < 1 || buf[stop - 1] !== NL) return -1;
  let end = stop - 1;
  if (end > start && buf[end - 1] === CR) end--;
  let n = 0;
  let i = start;
  for (;;) {
    if (2 * n + 2 > bounds.length) {
      const grown = new Int32Array(bounds.length * 2);
      grown.set(bounds);
      bounds = grown;
    }
    let fs: number;
    let fe: number;
    if (i < end && buf[i] === QUOTE) {
      fs = i + 1;
      let q = fs;
      while (q < stop) {
        const c = buf[q]!;
        if (c === QUOTE || c === NL) break;
        q++;
      }
      if (q >= end || buf[q] !== QUOTE) return -1;
      fe = q;
      i = q + 1;
      if (i < end && buf[i] !== dl) return -1; // '""' inside, or text after the closing quote
    } else {
      fs = i;
      while (i < end) {
        const c = buf[i]!;
        if (c === dl) break;
        if (c === QUOTE) return -1;
        i++;
      }
      fe = i;
    }
    bounds[2 * n] = fs;
    bounds[2 * n + 1] = fe;
    n++;
    if (i >= end) return n;
    i++; // past the delimiter
  }
}

/** Writes a record split by simpleQuotedFields, as emitFields would write csv-parse's fields. */
function emitSimpleFields(b: FixedBatcher, buf: Buffer, n: number, line: number): void {
  const base = b.beginRow(line);
  const { values, text } = b;
  const m = Math.min(n, b.width);
  for (let c = 0; c < m; c++) {
    const fs = bounds[2 * c]!;
    const fe = bounds[2 * c + 1]!;
    const v = parsePlainNumber(buf, fs, fe);
    if (v - v === 0) {
      values[base + c] = v;
      if (b.literalWanted !== null && b.literalWanted[c] === 1) b.literal![base + c] = buf.toString('utf8', fs, fe);
    } else {
      values[base + c] = NaN;
      text[base + c] = fs === fe ? '' : b.textOf(buf, fs, fe, c);
    }
  }
  b.endRow(n);
}

/**
 * Records that hold quotes: the simply quoted ones (simpleQuotedFields) are split here, the others
 * go to csv-parse in runs, in order.
 */
function parseQuotedRun(b: FixedBatcher, buf: Buffer, from: number, ends: readonly number[], block: GeneralBlock, line: number): number {
  if (block.utf8 === false) return parseQuotedRecords(b, buf, from, ends, block, line);
  let a = from;
  let hard = -1; // the first record of a run declined here, not yet parsed
  let hardFrom = 0;
  for (let k = 0; k < ends.length; k++) {
    const stop = ends[k]!;
    const n = simpleQuotedFields(buf, a, stop, block.dl);
    if (n < 0) {
      if (hard < 0) {
        hard = k;
        hardFrom = a;
      }
    } else {
      if (hard >= 0) {
        line = parseQuotedRecords(b, buf, hardFrom, ends.slice(hard, k), block, line);
        hard = -1;
      }
      emitSimpleFields(b, buf, n, line);
      line++;
    }
    a = stop;
  }
  if (hard >= 0) line = parseQuotedRecords(b, buf, hardFrom, ends.slice(hard), block, line);
  return line;
}

/** Parses the records buf[from, ends[last]) with csv-parse, pinning any complaint to its record. */
function parseQuotedRecords(
  b: FixedBatcher,
  buf: Buffer,
  from: number,
  ends: readonly number[],
  block: GeneralBlock,
  line: number,
): number {
  const { delimiter, columns } = block;
  const starts: number[] = [];
  const stops: number[] = [];
  const lines: number[] = [];
  let a = from;
  for (const stop of ends) {
    if (isBlankRecord(buf, a, stop)) {
      line++;
    } else {
      starts.push(a);
      stops.push(stop);
      lines.push(line);
      line += countNewlines(buf, a, stop);
      if (buf[stop - 1] !== NL) line++; // the last line of the input, without a '\n'
    }
    a = stop;
  }
  if (starts.length === 0) return line;
  if (block.utf8 === false) {
    // Some record here is not UTF-8: one by one, so that only those are marked.
    for (let k = 0; k < starts.length; k++) {
      const record = buf.subarray(starts[k], stops[k]);
      const one = isUtf8(record) ? parseOneRecord(record, delimiter, columns) : { issue: notUtf8Issue(record, block.dl, columns) };
      if ('fields' in one) emitFields(b, one.fields, lines[k]!);
      else emitIssue(b, one.issue, lines[k]!);
    }
    return line;
  }
  const options = csvParseOptions(delimiter);
  /** Parses records [from, to) in one go; false when csv-parse disagrees with the framer there. */
  const bulk = (from: number, to: number): boolean => {
    let records: string[][];
    try {
      records = parseCsv(buf.subarray(starts[from], stops[to - 1]), options) as string[][];
    } catch {
      return false;
    }
    if (records.length !== to - from) return false;
    for (let k = 0; k < records.length; k++) emitFields(b, records[k]!, lines[from + k]!);
    return true;
  };
  if (bulk(0, starts.length)) return line;
  // Something is off in this block: retry in groups, and record by record in the groups that fail.
  const GROUP = 64;
  for (let g = 0; g < starts.length; g += GROUP) {
    const end = Math.min(starts.length, g + GROUP);
    if (starts.length > GROUP && bulk(g, end)) continue;
    for (let k = g; k < end; k++) {
      const one = parseOneRecord(buf.subarray(starts[k], stops[k]), delimiter, columns);
      if ('fields' in one) emitFields(b, one.fields, lines[k]!);
      else emitIssue(b, one.issue, lines[k]!);
    }
  }
  return line;
}
