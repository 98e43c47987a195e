/** Helpers for the io tests: read everything a reader yields into plain, comparable rows. */
import { fileURLToPath } from 'node:url';
import { stripBom } from '../src/io/bytes.js';
import { CsvReader, type CsvOptions } from '../src/io/csv.js';
import { JsonlReader } from '../src/io/jsonl.js';
import type { RecordBatch, RecordStream, RowIssue } from '../src/io/types.js';

/** test/fixtures/io/, from dist/test/ where the compiled tests run. */
export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/io/', import.meta.url));

/** A cell as a plain value: a number (text null) or { text } (value NaN). Checked while flattening. */
export type Cell = number | { text: string };

export interface Row {
  line: number;
  cells: Cell[];
  issue: RowIssue | null;
}

/** Flattens batches into rows; asserts the batch invariants on the way. */
export function rowsOf(batches: readonly RecordBatch[]): Row[] {
  const rows: Row[] = [];
  for (const b of batches) {
    if (b.values.length !== b.rows * b.width) throw new Error(`values has ${b.values.length} cells, not ${b.rows * b.width}`);
    if (b.text.length !== b.rows * b.width) throw new Error(`text has ${b.text.length} cells, not ${b.rows * b.width}`);
    if (b.line.length !== b.rows) throw new Error(`line has ${b.line.length} entries, not ${b.rows}`);
    if (b.issues !== null && b.issues.length !== b.rows) throw new Error('issues length differs from rows');
    for (let r = 0; r < b.rows; r++) {
      const cells: Cell[] = [];
      for (let c = 0; c < b.width; c++) {
        const i = r * b.width + c;
        const t = b.text[i];
        if (t === null) {
          cells.push(b.values[i]!);
        } else {
          if (!Number.isNaN(b.values[i])) throw new Error(`cell ${r},${c} has text ${JSON.stringify(t)} and value ${b.values[i]}`);
          if (typeof t !== 'string') throw new Error(`cell ${r},${c} text is ${typeof t}`);
          cells.push({ text: t });
        }
      }
      rows.push({ line: b.line[r]!, cells, issue: b.issues?.[r] ?? null });
    }
  }
  return rows;
}

/** Pads rows to a common width (JSONL batches made before a key appeared are narrower). */
export function padRows(rows: Row[], width: number): Row[] {
  return rows.map((r) => ({ ...r, cells: [...r.cells, ...Array.from({ length: width - r.cells.length }, () => ({ text: '' }))] }));
}

export async function collect(stream: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of stream) out.push(b);
  return out;
}

export async function readStream(stream: RecordStream): Promise<{ rows: Row[]; columns: string[] }> {
  const batches = await collect(stream);
  return { rows: padRows(rowsOf(batches), stream.columns.length), columns: [...stream.columns] };
}

/** The bytes as chunks of the given sizes, cycling through them. */
export async function* chunked(data: Buffer, sizes: readonly number[] = [data.length || 1]): AsyncGenerator<Buffer> {
  let k = 0;
  for (let i = 0; i < data.length; ) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    yield data.subarray(i, i + n);
    i += n;
  }
}

export interface Parsed {
  rows: Row[];
  columns: string[];
  paths: Record<string, number>;
}

export async function readCsv(
  data: Buffer | string,
  opts: Partial<CsvOptions> = {},
  sizes?: readonly number[],
): Promise<Parsed> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const reader = new CsvReader({ name: 'test.csv', header: true, delimiter: ',', ...opts });
  const rows = rowsOf(await collect(reader.batches(stripBom(chunked(buf, sizes), 'test'))));
  return { rows, columns: [...reader.columns], paths: { ...reader.paths } };
}

export async function readJsonl(data: Buffer | string, forceParse = false, sizes?: readonly number[]): Promise<Parsed> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const reader = new JsonlReader({ name: 'test.jsonl', forceParse });
  const rows = padRows(rowsOf(await collect(reader.batches(stripBom(chunked(buf, sizes), 'test')))), reader.columns.length);
  return { rows, columns: [...reader.columns], paths: { ...reader.paths } };
}

/** Shorthand for expected rows: numbers stay numbers, strings become text cells. */
export function cells(...values: (number | string)[]): Cell[] {
  return values.map((v) => (typeof v === 'number' ? v : { text: v }));
}
