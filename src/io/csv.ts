/**
 * CSV records from decoded bytes. Each chunk goes down the fast path (csv-fast.ts) when neither it
 * nor the unfinished record carried over from the previous chunk holds a quote character, and down
 * the general path (csv-general.ts) otherwise; both give identical rows for the same bytes.
 */
import { DataError, UsageError } from '../errors.js';
import { FixedBatcher } from './batch.js';
import { parseFastBlock } from './csv-fast.js';
import { countNewlines, emitIssue, Framer, isBlankRecord, parseGeneralBlock, parseOneRecord } from './csv-general.js';
import type { RecordBatch } from './types.js';

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
}

/** A quoted field left open this long is taken for a missing closing quote. */
const MAX_OPEN_RECORD_BYTES = 256 * 1024 * 1024;

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
  /** Rows taken by each path, for tests and curiosity. */
  readonly paths = { fast: 0, general: 0 };
  private readonly dl: number;

  constructor(private readonly opts: CsvOptions) {
    this.dl = delimiterByte(opts.delimiter);
    if (opts.columns !== undefined && opts.columns.length > 0) this.columns = [...opts.columns];
  }

  async *batches(input: AsyncIterable<Buffer>): AsyncGenerator<RecordBatch> {
    const it = input[Symbol.asyncIterator]();
    try {
      yield* this.run(it);
    } finally {
      await it.return?.();
    }
  }

  private async *run(it: AsyncIterator<Buffer>): AsyncGenerator<RecordBatch> {
    const { name, delimiter } = this.opts;
    const dl = this.dl;
    const framer = new Framer(dl);

    // The first record: the header, or the row that tells how many columns there are.
    let acc: Buffer[] = [];
    let accLen = 0;
    let line = 1;
    let remainder: Buffer | undefined;
    let first: { start: number; stop: number; buf: Buffer } | undefined;
    while (first === undefined) {
      const r = await it.next();
      if (r.done) {
        const buf = Buffer.concat(acc);
        if (buf.length > 0 && !isBlankRecord(buf, 0, buf.length)) first = { start: 0, stop: buf.length, buf };
        break;
      }
      const chunk = r.value;
      const ends: number[] = [];
      framer.scan(chunk, ends);
      if (ends.length === 0) {
        acc.push(chunk);
        accLen += chunk.length;
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
    if (first === undefined) return;
    if (this.opts.header) {
      line += countNewlines(first.buf, first.start, first.stop);
      if (first.buf[first.stop - 1] !== NL) line++;
      remainder = first.buf.subarray(first.stop);
    } else {
      remainder = first.buf.subarray(first.start);
    }

    // The records.
    const b = new FixedBatcher(this.columns.length);
    const paths = this.paths;
    const forceGeneral = this.opts.forceGeneral === true;
    let pend: Buffer[] = [];
    let pendLen = 0;
    let pendQuote = false;
    framer.resetPlain(Buffer.alloc(0));
    for (;;) {
      let chunk: Buffer;
      if (remainder !== undefined) {
        chunk = remainder;
        remainder = undefined;
        if (chunk.length === 0) continue;
      } else {
        const r = await it.next();
        if (r.done) break;
        chunk = r.value;
      }
      const before = b.rows + b.ready.length * b.capacity;
      let fast = false;
      if (!forceGeneral && !pendQuote && chunk.indexOf(QUOTE) === -1) {
        fast = true;
        const nl = chunk.indexOf(NL);
        if (nl === -1) {
          pend.push(chunk);
          pendLen += chunk.length;
          framer.resetPlain(chunk);
          continue;
        }
        if (pendLen > 0) {
          const head = Buffer.concat([...pend, chunk.subarray(0, nl + 1)]);
          line = parseFastBlock(b, head, 0, head.length, dl, line);
        } else {
          line = parseFastBlock(b, chunk, 0, nl + 1, dl, line);
        }
        const last = chunk.lastIndexOf(NL);
        if (last > nl) line = parseFastBlock(b, chunk, nl + 1, last + 1, dl, line);
        const tail = chunk.subarray(last + 1);
        pend = tail.length > 0 ? [tail] : [];
        pendLen = tail.length;
        framer.resetPlain(tail);
      } else {
        const ends: number[] = [];
        const quoted: boolean[] | null = forceGeneral ? null : [];
        framer.scan(chunk, ends, quoted ?? undefined);
        if (ends.length === 0) {
          pend.push(chunk);
          pendLen += chunk.length;
          pendQuote = true;
          if (framer.open && pendLen > MAX_OPEN_RECORD_BYTES) {
            throw new DataError(
              { source: name, line },
              'a quoted field that starts in this record is still open 256 MiB later (a missing closing quote?)',
              'unterminated-quote',
            );
          }
          continue;
        }
        const lastEnd = ends[ends.length - 1]! + 1;
        const buf = pendLen > 0 ? Buffer.concat([...pend, chunk.subarray(0, lastEnd)]) : chunk.subarray(0, lastEnd);
        const blockEnds = ends.map((e) => pendLen + e + 1);
        line = parseGeneralBlock(b, buf, { ends: blockEnds, quoted, dl, delimiter, columns: this.columns, paths }, line);
        const tail = chunk.subarray(lastEnd);
        pend = tail.length > 0 ? [tail] : [];
        pendLen = tail.length;
        pendQuote = tail.indexOf(QUOTE) !== -1;
      }
      if (fast) paths.fast += b.rows + b.ready.length * b.capacity - before;
      if (this.opts.live === true) b.flush();
      if (b.ready.length > 0) yield* b.take();
    }
    // The last line, without a '\n'.
    if (pendLen > 0) {
      const buf = pend.length === 1 ? pend[0]! : Buffer.concat(pend);
      const before = b.rows + b.ready.length * b.capacity;
      if (framer.open) {
        emitIssue(
          b,
          { reason: 'unterminated-quote', message: `a quoted field in the record starting on line ${line} is never closed` },
          line,
        );
        paths.general += 1;
      } else if (pendQuote || forceGeneral) {
        parseGeneralBlock(b, buf, { ends: [buf.length], quoted: null, dl, delimiter, columns: this.columns, paths }, line);
      } else {
        parseFastBlock(b, buf, 0, buf.length, dl, line);
        paths.fast += b.rows + b.ready.length * b.capacity - before;
      }
    }
    b.flush(false);
    if (b.ready.length > 0) yield* b.take();
  }

  /** Fixes the column names from the first record (or its absence). */
  private setUpColumns(
    first: { start: number; stop: number; buf: Buffer } | undefined,
    openQuote: boolean,
    line: number,
  ): void {
    const { name, header, delimiter } = this.opts;
    const given = this.opts.columns !== undefined && this.opts.columns.length > 0 ? this.opts.columns : undefined;
    if (first === undefined) {
      this.columns = given !== undefined ? [...given] : [];
      return;
    }
    const record = first.buf.subarray(first.start, first.stop);
    if (first.stop === first.buf.length && openQuote) {
      throw new DataError(
        { source: name, line },
        'a quoted field in the first record is never closed',
        'unterminated-quote',
      );
    }
    let names: string[];
    if (header) {
      const parsed = parseOneRecord(record, delimiter, null);
      if ('issue' in parsed) throw new DataError({ source: name, line }, `bad header: ${parsed.issue.message}`, parsed.issue.reason);
      names = parsed.fields;
      if (given !== undefined) {
        if (given.length !== names.length) {
          throw new DataError(
            { source: name, line },
            `${given.length} column names given, but the header has ${names.length} fields`,
            'bad-header',
          );
        }
        names = [...given];
      }
    } else if (given !== undefined) {
      names = [...given];
    } else {
      const parsed = parseOneRecord(record, delimiter, null);
      const width = 'fields' in parsed ? parsed.fields.length : countFieldsLoosely(record, this.dl);
      names = Array.from({ length: width }, (_, i) => `c${i + 1}`);
    }
    checkNames(names, name, header && given === undefined ? line : undefined);
    this.columns = names;
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

/** Column names must be non-empty and distinct. */
export function checkNames(names: readonly string[], source: string, line: number | undefined): void {
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n === '') throw new DataError({ source, line }, `column ${i + 1} has an empty name`, 'bad-header');
    const prev = seen.get(n);
    if (prev !== undefined) {
      throw new DataError(
        { source, line },
        `duplicate column name "${n}" (columns ${prev + 1} and ${i + 1})`,
        'bad-header',
      );
    }
    seen.set(n, i);
  }
}
