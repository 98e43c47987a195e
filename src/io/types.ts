/**
 * The io stage: a path or '-' becomes bytes (gunzipped when the magic bytes say so), then records.
 * Records come in batches so that the hot path makes no object per row: numbers are parsed straight
 * from the bytes into `values`, and only cells that are not plain numbers become strings.
 */

export type Format = 'csv' | 'jsonl';

export interface SourceOptions {
  /** A file path, or '-' for standard input. */
  path: string;
  /** Forced format; otherwise from the extension (.csv, .tsv, .jsonl, .ndjson, .json, under .gz too), else sniffed. */
  format?: Format;
  /** CSV: whether the first record is a header (default true). */
  header: boolean;
  /** CSV: column names when there is no header (or to rename them). */
  columns?: string[];
  /** CSV: the field delimiter (default ','). */
  delimiter: string;
  /**
   * CSV: whether `delimiter` was chosen by the user; when it was not, a .tsv name means '\t'.
   * Absent: any delimiter other than ',' counts as chosen.
   */
  delimiterExplicit?: boolean;
  /** CSV: numbers are written with a decimal comma (--decimal ,), which the delimiter cannot be. */
  decimal?: ',';
}

/** --max-record-bytes by default: a record (a CSV record, a JSON line) longer than this is refused. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** A byte count as the messages say it: "64 MiB", or "1000 bytes". */
export function formatBytes(n: number): string {
  const MIB = 1024 * 1024;
  return n >= MIB && n % MIB === 0 ? `${n / MIB} MiB` : `${n} bytes`;
}

/** The issue of a record longer than --max-record-bytes (`what`: "record", "line"). */
export function tooLongIssue(max: number, what: string): RowIssue {
  return {
    reason: 'record-too-long',
    message: `expected a ${what} of at most ${formatBytes(max)} (--max-record-bytes), found a longer one (a binary file, or a missing line break?)`,
  };
}

/** A row the reader could not make sense of; the run decides whether to fail or skip it. */
export interface RowIssue {
  /** A short stable code, e.g. 'ragged-row', 'invalid-json', 'nested-value'. */
  reason: string;
  /** The column or field concerned, when there is one. */
  field?: string;
  /** What was expected and what was found, for a person. */
  message: string;
  /** The run cannot go on past this row, even with --on-error skip (e.g. too many categories). */
  fatal?: boolean;
}

/**
 * A block of records, row-major. Freshly allocated for each batch: a consumer may keep it.
 * Cell (r, c) lives at index r * width + c.
 */
export interface RecordBatch {
  /** Number of records in this batch. */
  rows: number;
  /** Number of cells per record: the number of columns known when the batch was made. */
  width: number;
  /** The cell as a number when its text is a plain decimal number (as Number() reads it); NaN otherwise. */
  values: Float64Array;
  /**
   * null when the cell was a plain number (read it from `values`); otherwise the cell's text:
   * '' for an empty or absent cell (JSON null or a missing key too), JSON strings as they are,
   * JSON booleans as 'true'/'false'.
   */
  text: (string | null)[];
  /** The 1-based line each record starts on. */
  line: Float64Array;
  /** null when every row is well-formed; otherwise an entry per row, null for the good ones. */
  issues: (RowIssue | null)[] | null;
  /**
   * Only in a pass opened with `literalsOf` (PassOptions): per cell, for the cells of those columns
   * that were read as a number (text null), the number exactly as written in the input (`08123`,
   * `1.50`, `-0`, a CSV field's spaces); null for every other cell.
   */
  literal?: (string | null)[];
}

/** How to read one pass. */
export interface PassOptions {
  /** Columns whose numbers are also wanted as written (RecordBatch.literal): `predict --keep`'s ids. */
  literalsOf?: readonly string[];
}

/** One pass over the input, start to end. */
export interface RecordStream extends AsyncIterable<RecordBatch> {
  /**
   * The column names. For CSV fixed by the header or `columns`; for JSONL the keys in order of first
   * appearance, growing as new keys are met (a batch's `width` tells how many it covers).
   * Complete for the rows of a batch once that batch has been yielded.
   */
  readonly columns: readonly string[];
  /** Bytes of the underlying file (compressed bytes for gzip) consumed so far, for progress. */
  readonly bytesRead: number;
  /** CSV: the columns whose header name was empty and got a generated name (`c<N>`), by index. */
  readonly unnamed?: readonly number[];
  /**
   * The consumer is done with a batch and keeps no reference to its arrays: the reader may reuse
   * them, so that a long stream allocates nothing new. Optional to call.
   */
  release(batch: RecordBatch): void;
  /**
   * From the next batches on, only these columns' texts are wanted: the reader may leave the text of
   * any other column out (its cells then read as a missing number: NaN, text null), and skip
   * decoding it. For a
   * consumer that knows which columns it reads (training: the features and the target), so that
   * text it never looks at (an id, a timestamp, a free-text field) costs no strings. Optional.
   */
  readTextOf?(columns: readonly string[]): void;
}

/** The input, readable once per epoch. */
export interface Source {
  /** The path as the user gave it, or 'stdin': used in every message. */
  readonly name: string;
  readonly format: Format;
  /** Size in bytes of the file for progress bars; undefined for stdin. */
  readonly totalBytes: number | undefined;
  /** CSV: the delimiter found by sniffing the first lines (io/delimiter.ts), when it was not given and is not ','. */
  readonly sniffedDelimiter?: string;
  /** Starts a new pass. Stdin is spooled to a temporary file during the first pass and replayed from it after. */
  open(options?: PassOptions): RecordStream;
  /** Removes temporary files. Safe to call twice. */
  close(): Promise<void>;
}
