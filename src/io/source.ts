/**
 * openSource: a path or '-' becomes a Source that can be read once per epoch. Files are reopened for
 * every pass; stdin (and anything else that is not a regular file, such as a pipe) is spooled to a
 * temporary file during the first pass and replayed from it afterwards.
 */
import { closeSync, constants, openSync, promises as fsp, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, ReadStream } from 'node:tty';
import { extname } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import {
  decodeChunks,
  fileChunks,
  firstSignificantByte,
  streamChunks,
  stripBom,
  toDataError,
  type ByteCounter,
} from './bytes.js';
import { releaseBatch } from './batch.js';
import { CsvReader, delimiterByte } from './csv.js';
import { sniffDelimiter } from './delimiter.js';
import { JsonlReader } from './jsonl.js';
import { Spool } from './spool.js';
import type { Format, PassOptions, RecordBatch, RecordStream, Source, SourceOptions } from './types.js';

/** SourceOptions plus hooks for tests. */
export interface OpenSourceOptions extends SourceOptions {
  /** Read this instead of process.stdin when path is '-'. */
  stdin?: NodeJS.ReadableStream;
  /** Which CSV path to take: 'auto' (fast where possible, the default) or 'general' everywhere. */
  csvPath?: 'auto' | 'general';
  /** Bytes per read (default CHUNK_SIZE); the reader thread reads smaller ones (see threaded.ts). */
  chunkSize?: number;
  /** Which JSONL path to take: 'auto' (the byte scanner where possible) or 'parse' (JSON.parse every line). */
  jsonlPath?: 'auto' | 'parse';
  /**
   * A live input (`tail -f | inc-learn predict --learn -`): records are handed out as each chunk
   * arrives, not a full batch at a time, and an input that is not a regular file is read once
   * without a spool (it could run for days), so open() works only once.
   */
  live?: boolean;
  /**
   * The input is read once (one pass, no replay): a stream is then not spooled. (A live input is
   * read once too.)
   */
  once?: boolean;
  /** A record (a CSV record, a JSON line) longer than this many bytes is refused (default DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
  /**
   * When this fires, reading stops for good: the records whose lines were read still come out, an
   * unfinished last line is dropped, and the pass ends, at once even while the input is idle.
   */
  stop?: AbortSignal;
}

/** The format a file name implies (a trailing .gz is looked through), if any. */
export function formatFromName(path: string): { format: Format; tab: boolean } | undefined {
  let lower = path.toLowerCase();
  if (lower.endsWith('.gz')) lower = lower.slice(0, -3);
  switch (extname(lower)) {
    case '.csv':
      return { format: 'csv', tab: false };
    case '.tsv':
      return { format: 'csv', tab: true };
    case '.jsonl':
    case '.ndjson':
    case '.json':
      return { format: 'jsonl', tab: false };
    default:
      return undefined;
  }
}

/** Sniffs the format from decoded bytes: '{' or '[' first means JSON lines, anything else CSV. */
async function sniff(chunks: AsyncIterable<Buffer>, name: string): Promise<Format> {
  for await (const chunk of stripBom(chunks, name)) {
    const c = firstSignificantByte(chunk);
    if (c !== -1) return c === 0x7b || c === 0x5b ? 'jsonl' : 'csv';
  }
  return 'csv';
}

/** The most of the input firstLines reads: a first line longer than this is sniffed on its start. */
const FIRST_LINES_MAX_BYTES = 1 << 16;

/**
 * The start of the decoded input as text: chunks up to the first line break (or the end), never more
 * than arrived with it, so that a live input is not waited on, nor more than FIRST_LINES_MAX_BYTES
 * (an endless first line must not be read whole).
 */
async function firstLines(chunks: AsyncIterable<Buffer>, name: string): Promise<string> {
  const head: Buffer[] = [];
  let length = 0;
  for await (const chunk of stripBom(chunks, name)) {
    head.push(chunk);
    length += chunk.length;
    if (chunk.includes(0x0a) || length >= FIRST_LINES_MAX_BYTES) break;
  }
  return Buffer.concat(head).subarray(0, FIRST_LINES_MAX_BYTES).toString('utf8');
}

/** One pass over the input. */
class Pass implements RecordStream {
  private readonly counter: ByteCounter = { bytes: 0 };
  private readonly reader: CsvReader | JsonlReader;
  private started = false;

  constructor(
    format: Format,
    opts: OpenSourceOptions,
    private readonly name: string,
    delimiter: string,
    private readonly chunks: (counter: ByteCounter) => AsyncIterable<Buffer>,
    pass: PassOptions,
  ) {
    const literalsOf = pass.literalsOf === undefined ? {} : { literalsOf: pass.literalsOf };
    const stop = opts.stop === undefined ? {} : { stop: opts.stop };
    const max = opts.maxRecordBytes === undefined ? {} : { maxRecordBytes: opts.maxRecordBytes };
    this.reader =
      format === 'csv'
        ? new CsvReader({
            name,
            header: opts.header,
            delimiter,
            ...(opts.columns === undefined ? {} : { columns: opts.columns }),
            forceGeneral: opts.csvPath === 'general',
            live: opts.live === true,
            ...literalsOf,
            ...stop,
            ...max,
          })
        : new JsonlReader({ name, forceParse: opts.jsonlPath === 'parse', live: opts.live === true, ...literalsOf, ...stop, ...max });
  }

  get columns(): readonly string[] {
    return this.reader.columns;
  }

  get unnamed(): readonly number[] {
    return this.reader instanceof CsvReader ? this.reader.unnamed : [];
  }

  get bytesRead(): number {
    return this.counter.bytes;
  }

  /** Rows taken by each path so far (fast/general for CSV, fast/parse for JSONL). */
  get paths(): Readonly<Record<string, number>> {
    return this.reader.paths;
  }

  release(batch: RecordBatch): void {
    releaseBatch(batch);
  }

  readTextOf(columns: readonly string[]): void {
    this.reader.readTextOf(columns);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    if (this.started) throw new Error('a RecordStream can be iterated only once: call open() for another pass');
    this.started = true;
    return this.reader.batches(stripBom(this.chunks(this.counter), this.name));
  }
}

/** Opens a file or '-' (stdin). Throws DataError when the input cannot be read. */
export async function openSource(opts: OpenSourceOptions): Promise<Source> {
  const isStdin = opts.path === '-';
  const name = isStdin ? 'stdin' : opts.path;
  const fromName = isStdin ? undefined : formatFromName(opts.path);
  let delimiter = opts.delimiter;
  const explicit = opts.delimiterExplicit ?? delimiter !== ',';
  if (fromName?.tab && !explicit) delimiter = '\t';
  if (opts.format === 'csv' || (opts.format === undefined && fromName?.format === 'csv')) delimiterByte(delimiter);

  let stats: Stats | undefined;
  if (!isStdin) {
    try {
      stats = await fsp.stat(opts.path);
    } catch (err) {
      throw toDataError(name, err);
    }
    if (stats.isDirectory()) throw new DataError({ source: name }, 'is a directory, expected a file', 'unreadable');
    try {
      await fsp.access(opts.path, constants.R_OK);
    } catch (err) {
      throw toDataError(name, err);
    }
  }

  // Inputs that can be read only once go through a spool, unless there is no second pass.
  const { stop } = opts;
  let spool: Spool | undefined;
  let once: ReadOnce | undefined;
  let chunks: (counter: ByteCounter) => AsyncIterable<Buffer>;
  if (stats !== undefined && stats.isFile()) {
    const path = opts.path;
    chunks = (counter) => decodeChunks(fileChunks(path, name, counter, opts.chunkSize, stop), name, stop);
  } else {
    const stream = isStdin ? (opts.stdin ?? process.stdin) : openStream(opts.path, name, stats!);
    const liveCounter: ByteCounter = { bytes: 0 };
    const raw = stream !== undefined ? streamChunks(stream, name, liveCounter, stop) : fileChunks(opts.path, name, liveCounter, opts.chunkSize, stop);
    const live = decodeChunks(raw, name, stop)[Symbol.asyncIterator]();
    if (opts.live === true || opts.once === true) {
      const o = new ReadOnce(live, name);
      once = o;
      chunks = (counter) => o.pass(counter);
    } else {
      const s = new Spool(live, name, opts.chunkSize);
      spool = s;
      chunks = (counter) => s.pass(counter);
    }
  }

  let format = opts.format ?? fromName?.format;
  if (format === undefined) {
    try {
      format = await sniff(once ? once.peek() : chunks({ bytes: 0 }), name);
    } catch (err) {
      await spool?.close();
      await once?.close();
      throw toDataError(name, err);
    }
  }
  // A first line that does not split on commas but on ';', a tab or '|' (when --delimiter is not given).
  let sniffedDelimiter: string | undefined;
  if (format === 'csv' && !explicit && !fromName?.tab) {
    try {
      sniffedDelimiter = sniffDelimiter(await firstLines(once ? once.peek() : chunks({ bytes: 0 }), name));
    } catch (err) {
      await spool?.close();
      await once?.close();
      throw toDataError(name, err);
    }
    if (sniffedDelimiter !== undefined) delimiter = sniffedDelimiter;
  }
  try {
    if (format === 'csv' && opts.decimal === ',' && delimiter === ',') {
      throw new UsageError(`--decimal , needs a delimiter other than the comma${explicit ? '' : ` (${name}'s first line splits on commas)`}: give --delimiter, e.g. ';'`);
    }
    if (format === 'csv') delimiterByte(delimiter);
    else if (!opts.header || (opts.columns !== undefined && opts.columns.length > 0)) {
      // JSON lines name their fields in every record: CSV's header options have nothing to act on.
      throw new UsageError(`${opts.header ? '--columns' : '--no-header'} applies to CSV input; ${name} is JSON lines (its keys are the columns)`);
    }
  } catch (err) {
    await spool?.close();
    throw err;
  }
  const totalBytes = stats !== undefined && stats.isFile() ? stats.size : undefined;
  let closed = false;
  const fmt = format;
  const source: Source & { readonly spoolDescriptor: number | undefined } = {
    name,
    format: fmt,
    totalBytes,
    ...(sniffedDelimiter === undefined ? {} : { sniffedDelimiter }),
    get spoolDescriptor() {
      return spool?.descriptor;
    },
    open(pass: PassOptions = {}): RecordStream {
      if (closed) throw new Error(`${name}: the source is closed`);
      return new Pass(fmt, opts, name, delimiter, chunks, pass);
    },
    async close(): Promise<void> {
      closed = true;
      await spool?.close();
      await once?.close();
    },
  };
  return source;
}

/**
 * A named pipe or a terminal given as a path, read through the event loop: a blocking read of one
 * (or the open() of a pipe without a writer yet) would hold a thread of libuv's pool, which nothing
 * can interrupt and which the process waits for at exit. A pipe opened non-blocking waits for its
 * writer in the event loop instead. Anything else (a character device such as /dev/zero) is read as
 * a file.
 */
function openStream(path: string, name: string, stats: Stats): NodeJS.ReadableStream | undefined {
  if (!stats.isFIFO() && !stats.isCharacterDevice()) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw toDataError(name, err);
  }
  if (stats.isFIFO()) return new Socket({ fd, readable: true, writable: false });
  if (isatty(fd)) return new ReadStream(fd);
  closeSync(fd);
  return undefined;
}

/** An input read once: what sniffing its format read is kept in memory for the one pass. */
class ReadOnce {
  private head: Buffer[] = [];
  private passes = 0;
  private done = false;

  constructor(
    private readonly live: AsyncIterator<Buffer>,
    private readonly name: string,
  ) {}

  /** Reads as far as the consumer goes, keeping what it read for pass(). */
  async *peek(): AsyncGenerator<Buffer> {
    yield* this.head;
    for (;;) {
      const r = await this.live.next();
      if (r.done) return;
      this.head.push(r.value);
      yield r.value;
    }
  }

  async *pass(counter: ByteCounter): AsyncGenerator<Buffer> {
    if (this.passes++ > 0) throw new Error(`${this.name}: a live input can be read only once`);
    const head = this.head;
    this.head = [];
    for (const chunk of head) {
      counter.bytes += chunk.length;
      yield chunk;
    }
    for (;;) {
      const r = await this.live.next();
      if (r.done) return;
      counter.bytes += r.value.length;
      yield r.value;
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.live.return?.();
  }
}
