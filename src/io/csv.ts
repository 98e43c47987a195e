/**
 * CSV records from decoded bytes. Each chunk goes down the fast path (csv-fast.ts) when neither it
 * nor the unfinished record carried over from the previous chunk holds a quote character, and down
 * the general path (csv-general.ts) otherwise; both give identical rows for the same bytes.
 */
import { isUtf8 } from 'node:buffer';
import { DataError, UsageError } from '../errors.js';
import { FixedBatcher } from './batch.js';
import { quoteText } from './bytes.js';
import { parseFastBlock } from './csv-fast.js';
import {
  countNewlines,
  emitIssue,
  Framer,
  isBlankRecord,
  looseFields,
  parseGeneralBlock,
  parseOneRecord,
} from './csv-general.js';
import { DEFAULT_MAX_RECORD_BYTES, formatBytes, tooLongIssue, type RecordBatch } from './types.js';

export interface CsvOptions {
  /** The source's name, for messages. */
  name: string;
  header: boolean;
  columns?: readonly string[];
  delimiter: string;
  /** Tests: take the general path for every chunk. */
  forceGeneral?: boolean;
  /** A live input: hand out the records of each chunk as it arrives instead of waiting for a full batch. */
  live?: boolean;
  /** PassOptions.literalsOf. */
  literalsOf?: readonly string[];
  /** OpenSourceOptions.stop: once it fired, the end of the input cuts a record short, which is dropped. */
  stop?: AbortSignal;
  /** OpenSourceOptions.maxRecordBytes (default DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

const QUOTE = 34;
const NL = 10;

export function delimiterByte(delimiter: string): number {
  const bytes = Buffer.from(delimiter, 'utf8');
  if (bytes.length !== 1 || bytes[0] === QUOTE || bytes[0] === NL || bytes[0] === 13) {
    throw new UsageError(
      `invalid delimiter ${JSON.stringify(delimiter)}: expected one ASCII character other than a quote or a line break`,
    );
  }
  return bytes[0]!;
}

/** Reads one pass of CSV. `columns` is complete once the first batch is yielded (or the pass ends). */
export class CsvReader {
  columns: readonly string[] = [];
  /** Columns whose header name was empty and got a generated one (see unnamedColumns). */
  unnamed: readonly number[] = [];
  /** Rows taken by each path, for tests and curiosity. */
  readonly paths = { fast: 0, general: 0 };
  private readonly dl: number;
  private batcher: FixedBatcher | undefined;
  private wanted: readonly string[] | undefined;

  constructor(private readonly opts: CsvOptions) {
    this.dl = delimiterByte(opts.delimiter);
    if (opts.columns !== undefined && opts.columns.length > 0) this.columns = [...opts.columns];
  }

  /** See RecordStream.readTextOf. */
  readTextOf(columns: readonly string[]): void {
    this.wanted = columns;
    if (this.batcher !== undefined) this.batcher.textWanted = wantedMask(this.columns, columns);
  }

  async *batches(input: AsyncIterable<Buffer>): AsyncGenerator<RecordBatch> {
    const it = input[Symbol.asyncIterator]();
    try {
      const records = await this.start(it);
      if (records !== undefined) yield* records.batches(it);
    } finally {
      await it.return?.();
    }
  }

  /**
   * Reads the first record (the header, or the row that tells how many columns there are) and sets
   * up the columns; returns the parser of the records after it, or undefined when there are none.
   */
  private async start(it: AsyncIterator<Buffer>): Promise<RecordParser | undefined> {
    const dl = this.dl;
    const framer = new Framer(dl);
    let acc: Buffer[] = [];
    let accLen = 0;
    let line = 1;
    let first: { start: number; stop: number; buf: Buffer } | undefined;
    while (first === undefined) {
      const r = await it.next();
      if (r.done) {
        const buf = Buffer.concat(acc);
        if (buf.length > 0 && !isBlankRecord(buf, 0, buf.length) && this.opts.stop?.aborted !== true) first = { start: 0, stop: buf.length, buf };
        break;
      }
      const chunk = r.value;
      const ends: number[] = [];
      framer.scan(chunk, ends);
      if (ends.length === 0) {
        acc.push(chunk);
        accLen += chunk.length;
        const max = this.opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
        if (accLen > max) {
          const what = this.opts.header ? 'the header' : 'the first record';
          throw new DataError({ source: this.opts.name, line }, `${tooLongIssue(max, 'record').message.replace('a record', what)}`, 'record-too-long');
        }
        continue;
      }
      const buf = accLen === 0 ? chunk : Buffer.concat([...acc, chunk]);
      let a = 0;
      for (const e of ends) {
        const stop = accLen + e + 1;
        if (isBlankRecord(buf, a, stop)) {
          line++;
          a = stop;
          continue;
        }
        first = { start: a, stop, buf };
        break;
      }
      if (first === undefined) {
        acc = a < buf.length ? [buf.subarray(a)] : [];
        accLen = buf.length - a;
      }
    }
    this.setUpColumns(first, framer.open, line);
    if (first === undefined) return undefined;
    let remainder: Buffer;
    if (this.opts.header) {
      line += countNewlines(first.buf, first.start, first.stop);
      if (first.buf[first.stop - 1] !== NL) line++;
      remainder = first.buf.subarray(first.stop);
    } else {
      remainder = first.buf.subarray(first.start);
    }
    const parser = new RecordParser(this.opts, this.columns, this.paths, framer, dl, line, remainder);
    this.batcher = parser.batcher;
    if (this.wanted !== undefined) parser.batcher.textWanted = wantedMask(this.columns, this.wanted);
    if (this.opts.literalsOf !== undefined) parser.batcher.keepLiterals(wantedMask(this.columns, this.opts.literalsOf));
    return parser;
  }

  /** Fixes the column names from the first record (or its absence). */
  private setUpColumns(
    first: { start: number; stop: number; buf: Buffer } | undefined,
    openQuote: boolean,
    line: number,
  ): void {
    const { name, header, delimiter } = this.opts;
    const given = this.opts.columns !== undefined && this.opts.columns.length > 0 ? this.opts.columns : undefined;
    if (given !== undefined) checkNames(given, name, undefined, '--columns');
    if (first === undefined) {
      this.columns = given !== undefined ? [...given] : [];
      return;
    }
    const record = first.buf.subarray(first.start, first.stop);
    checkText(record, name, line, header ? 'the header' : 'the first record');
    if (first.stop === first.buf.length && openQuote) {
      throw new DataError(
        { source: name, line },
        `expected a closing quote in ${header ? 'the header' : 'the first record'}, found the end of the input`,
        'unterminated-quote',
      );
    }
    const parsed = parseOneRecord(record, delimiter, null);
    const width = 'fields' in parsed ? parsed.fields.length : countFieldsLoosely(record, this.dl);
    if (given !== undefined && given.length !== width) {
      throw new UsageError(
        `--columns names ${given.length} column${given.length === 1 ? '' : 's'}, but ${header ? 'the header' : 'the first record'} of ${name} has ${width} fields`,
      );
    }
    let names: string[];
    if (header) {
      if ('issue' in parsed) throw new DataError({ source: name, line }, `bad header: ${parsed.issue.message}`, parsed.issue.reason);
      names = given !== undefined ? [...given] : parsed.fields;
    } else if (given !== undefined) {
      names = [...given];
    } else {
      names = Array.from({ length: width }, (_, i) => `c${i + 1}`);
    }
    if (header && given === undefined) {
      // A line break inside a quoted name is valid (RFC 4180), as in data cells; a bare \r is not.
      if (hasLoneCarriageReturn(record, this.dl)) {
        throw new DataError(
          { source: name, line },
          `expected lines ending in \\n or \\r\\n, found \\r alone in the header (old Mac line endings? convert with tr '\\r' '\\n')`,
          'bad-header',
        );
      }
      const named = nameUnnamed(names);
      names = named.names;
      this.unnamed = named.unnamed;
      checkNames(names, name, line);
    }
    this.columns = names;
  }
}

/**
 * The records after the first one, chunk by chunk: the per-chunk work is a plain method, and the
 * loop that awaits chunks a small generator of its own. V8 compiles a hot loop with its whole
 * function, and compiling the one large generator this was (header handling and all) took blocks
 * of close to 600 kB on the reader thread, which raised glibc's mmap threshold and with it the
 * memory each thread's malloc arena keeps (see feed() in run/train.ts). The parts compile with
 * blocks under 270 kB.
 */
class RecordParser {
  /** Where the records go, as batches. */
  readonly batcher: FixedBatcher;
  private readonly forceGeneral: boolean;
  private readonly live: boolean;
  private pend: Buffer[] = [];
  private pendLen = 0;
  private pendQuote = false;
  private readonly maxRecordBytes: number;
  /** Past a record longer than maxRecordBytes: its bytes are dropped up to its line break. */
  private skipping = false;

  constructor(
    private readonly opts: CsvOptions,
    private readonly columns: readonly string[],
    private readonly paths: { fast: number; general: number },
    private readonly framer: Framer,
    private readonly dl: number,
    /** The physical line number of the next byte. */
    private line: number,
    /** The bytes read after the first record, parsed before the next chunk. */
    private remainder: Buffer | undefined,
  ) {
    this.batcher = new FixedBatcher(columns.length, columns);
    this.forceGeneral = opts.forceGeneral === true;
    this.live = opts.live === true;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.batcher.maxRecordBytes = this.maxRecordBytes;
    framer.resetPlain(Buffer.alloc(0));
  }

  /**
   * The record being read is longer than maxRecordBytes: it becomes a row with that issue, handed
   * out at once (the run fails or skips it now, not a batch later), and what is left of it is
   * dropped up to its line break. Memory stays bounded whatever the input.
   */
  private tooLong(): void {
    const b = this.batcher;
    emitIssue(b, tooLongIssue(this.maxRecordBytes, 'record'), this.line);
    b.flush();
    for (const part of this.pend) this.line += countNewlines(part, 0, part.length);
    this.pend = [];
    this.pendLen = 0;
    this.pendQuote = false;
    this.skipping = true;
  }

  async *batches(it: AsyncIterator<Buffer>): AsyncGenerator<RecordBatch> {
    const b = this.batcher;
    const remainder = this.remainder;
    this.remainder = undefined;
    if (remainder !== undefined && remainder.length > 0) {
      this.chunk(remainder);
      if (b.ready.length > 0) yield* b.take();
    }
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      this.chunk(r.value);
      if (b.ready.length > 0) yield* b.take();
    }
    this.end();
    if (b.ready.length > 0) yield* b.take();
  }

  /** Parses the records a chunk completes; an unfinished one waits for the next chunk. */
  private chunk(chunk: Buffer): void {
    const { batcher: b, dl, paths } = this;
    if (this.skipping) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) return;
      this.skipping = false;
      this.line++;
      this.framer.resetPlain(Buffer.alloc(0));
      chunk = chunk.subarray(nl + 1);
    }
    const before = b.rows + b.ready.length * b.capacity;
    let fast = false;
    if (!this.forceGeneral && !this.pendQuote && chunk.indexOf(QUOTE) === -1) {
      fast = true;
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.pend.push(chunk);
        this.pendLen += chunk.length;
        this.framer.resetPlain(chunk);
        if (this.pendLen > this.maxRecordBytes) this.tooLong();
        return;
      }
      let line = this.line;
      if (this.pendLen > 0) {
        const head = Buffer.concat([...this.pend, chunk.subarray(0, nl + 1)]);
        line = parseFastBlock(b, head, 0, head.length, dl, line, isUtf8(head));
      } else {
        line = parseFastBlock(b, chunk, 0, nl + 1, dl, line, isUtf8(chunk.subarray(0, nl + 1)));
      }
      const last = chunk.lastIndexOf(NL);
      if (last > nl) line = parseFastBlock(b, chunk, nl + 1, last + 1, dl, line, isUtf8(chunk.subarray(nl + 1, last + 1)));
      this.line = line;
      const tail = chunk.subarray(last + 1);
      this.pend = tail.length > 0 ? [tail] : [];
      this.pendLen = tail.length;
      this.framer.resetPlain(tail);
    } else {
      const ends: number[] = [];
      const quoted: boolean[] | null = this.forceGeneral ? null : [];
      this.framer.scan(chunk, ends, quoted ?? undefined);
      if (ends.length === 0) {
        this.pend.push(chunk);
        this.pendLen += chunk.length;
        this.pendQuote = true;
        if (this.pendLen > this.maxRecordBytes) {
          if (this.framer.open) {
            throw new DataError(
              { source: this.opts.name, line: this.line },
              `expected a closing quote, found none in the next ${formatBytes(this.maxRecordBytes)} (a missing closing quote? --max-record-bytes)`,
              'unterminated-quote',
            );
          }
          this.tooLong();
        }
        return;
      }
      const pendLen = this.pendLen;
      const lastEnd = ends[ends.length - 1]! + 1;
      const buf = pendLen > 0 ? Buffer.concat([...this.pend, chunk.subarray(0, lastEnd)]) : chunk.subarray(0, lastEnd);
      const blockEnds = ends.map((e) => pendLen + e + 1);
      const utf8 = isUtf8(buf);
      this.line = parseGeneralBlock(b, buf, { ends: blockEnds, quoted, dl, delimiter: this.opts.delimiter, columns: this.columns, paths, utf8 }, this.line);
      const tail = chunk.subarray(lastEnd);
      this.pend = tail.length > 0 ? [tail] : [];
      this.pendLen = tail.length;
      this.pendQuote = tail.indexOf(QUOTE) !== -1;
    }
    if (fast) paths.fast += b.rows + b.ready.length * b.capacity - before;
    if (this.live) b.flush();
  }

  /** The end of the input: the last line, without a '\n', and the last batch. */
  private end(): void {
    const { batcher: b, dl, paths, pend } = this;
    const line = this.line;
    if (this.pendLen > 0 && this.opts.stop?.aborted !== true) {
      const buf = pend.length === 1 ? pend[0]! : Buffer.concat(pend);
      const before = b.rows + b.ready.length * b.capacity;
      if (this.framer.open) {
        const field = this.columns[looseFields(buf, dl).open];
        emitIssue(
          b,
          {
            reason: 'unterminated-quote',
            ...(field === undefined ? {} : { field }),
            message: 'expected a closing quote, found the end of the input',
          },
          line,
        );
        paths.general += 1;
      } else if (this.pendQuote || this.forceGeneral) {
        const utf8 = isUtf8(buf);
        parseGeneralBlock(b, buf, { ends: [buf.length], quoted: null, dl, delimiter: this.opts.delimiter, columns: this.columns, paths, utf8 }, line);
      } else {
        parseFastBlock(b, buf, 0, buf.length, dl, line, isUtf8(buf));
        paths.fast += b.rows + b.ready.length * b.capacity - before;
      }
    }
    b.flush(false);
  }
}

/** 1 for each of `columns` that is among `wanted`. */
export function wantedMask(columns: readonly string[], wanted: readonly string[]): Uint8Array {
  const set = new Set(wanted);
  return Uint8Array.from(columns, (c) => (set.has(c) ? 1 : 0));
}

/** The first record must be text: UTF-8 without NUL bytes. Anything else is taken for a binary file. */
function checkText(record: Buffer, source: string, line: number, what: string): void {
  const nul = record.indexOf(0);
  if (nul !== -1 || !isUtf8(record)) {
    throw new DataError(
      { source, line },
      `expected ${what} as UTF-8 text, found ${nul !== -1 ? 'a NUL byte' : 'bytes that are not UTF-8'} (a binary file, or compressed other than by gzip?)`,
      'binary',
    );
  }
}

/** A field count for a first record csv-parse rejects: delimiters outside quotes, plus one. */
function countFieldsLoosely(record: Buffer, dl: number): number {
  let n = 1;
  let inQuote = false;
  for (const c of record) {
    if (c === QUOTE) inQuote = !inQuote;
    else if (c === dl && !inQuote) n++;
  }
  return n;
}

/** Whether the record holds a \r that is neither inside quotes nor the start of its line's \r\n. */
function hasLoneCarriageReturn(record: Buffer, dl: number): boolean {
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < record.length; i++) {
    const b = record[i]!;
    if (quoted) {
      if (b === QUOTE) {
        if (record[i + 1] === QUOTE) i++;
        else quoted = false;
      }
    } else if (b === QUOTE && fieldStart) {
      quoted = true;
    } else if (b === 13 && i + 1 < record.length && record[i + 1] !== NL) {
      return true;
    }
    fieldStart = !quoted && b === dl;
  }
  return false;
}

/**
 * Header names that are empty (pandas' `to_csv()` writes its row index under an empty name, R's
 * `write.csv` under `""`) get a generated one: `c<N>` for column N (1-based, the names `--no-header`
 * gives), with `_` added until it clashes with no other name. A header of nothing but delimiters is
 * left as it is (checkNames rejects it). Returns the names and the generated ones' indices.
 */
export function nameUnnamed(names: readonly string[]): { names: string[]; unnamed: number[] } {
  const out = [...names];
  const unnamed: number[] = [];
  if (names.length > 1 && names.every((n) => n === '')) return { names: out, unnamed };
  const taken = new Set(names.filter((n) => n !== ''));
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== '') continue;
    let n = `c${i + 1}`;
    while (taken.has(n)) n += '_';
    taken.add(n);
    out[i] = n;
    unnamed.push(i);
  }
  return { names: out, unnamed };
}

/** Column names must be non-empty and distinct. `flag`: the names came from that option (a usage error). */
export function checkNames(names: readonly string[], source: string, line: number | undefined, flag?: string): void {
  const fail = (detail: string): never => {
    if (flag !== undefined) throw new UsageError(`${flag}: ${detail}`);
    throw new DataError({ source, line }, detail, 'bad-header');
  };
  if (names.length > 1 && names.every((n) => n === '')) fail(`expected column names, found only ${names.length - 1} delimiters`);
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n === '') fail(`expected a name for column ${i + 1}, found an empty field`);
    const prev = seen.get(n);
    if (prev !== undefined) fail(`expected distinct column names, found ${quoteText(n)} twice (columns ${prev + 1} and ${i + 1})${flag === undefined ? '; rename them with --columns' : ''}`);
    seen.set(n, i);
  }
}
