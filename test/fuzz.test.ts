/**
 * Property-based fuzzing of the input path (issue 4): random bytes, and random mutations of valid CSV
 * and JSON lines, go through openSource (from a stdin stream cut into random chunks), inferSchema and
 * Featurizer.encode in this process. Whatever the bytes, each outcome is a row, a row issue (a
 * counted skip) or a DataError/UsageError of one line: nothing else escapes, batches keep their
 * invariants, encoded rows are finite, and the CSV fast path agrees with csv-parse (the JSONL
 * scanner with JSON.parse) on every good row and on which rows are bad.
 *
 * A fixed seed and a few hundred runs here; `npm run fuzz` runs 20,000 (FUZZ_RUNS, FUZZ_SEED to change).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DataError, UsageError } from '../src/errors.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { openSource } from '../src/io/source.js';
import type { Format, RecordBatch, RowIssue } from '../src/io/types.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 4042);
const LONG = RUNS > 1000;
const TEST = { timeout: LONG ? Infinity : 60_000 };

let tmp: string;
let files = 0;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'inc-learn-fuzz-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Options {
  format: Format | undefined;
  header: boolean;
  delimiter: string;
  /** Chunk sizes the stdin stream is cut into, cycled. */
  sizes: number[];
  inferRows: number;
  /** Picks the target among the columns (undefined: the default rule). */
  target: number | undefined;
  hashBits: number | undefined;
  /** Read from a file instead of stdin (its own chunking), gzipped or gzipped and cut short. */
  via: 'stdin' | 'file';
  wrap: 'none' | 'gzip' | 'truncated-gzip';
}

const optionsArb: fc.Arbitrary<Options> = fc.record({
  format: fc.constantFrom<Format | undefined>(undefined, 'csv', 'jsonl'),
  header: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  delimiter: fc.constantFrom(',', ',', ';', '\t'),
  sizes: fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 4 }),
  inferRows: fc.integer({ min: 1, max: 40 }),
  target: fc.option(fc.nat({ max: 7 }), { nil: undefined }),
  hashBits: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 4 }),
  via: fc.constantFrom('stdin', 'stdin', 'file'),
  wrap: fc.constantFrom('none', 'none', 'none', 'none', 'gzip', 'truncated-gzip'),
});

/** Cell texts that stress the readers and the featurizer. */
const TRICKY = [
  '', 'NA', 'N/A', 'null', '?', 'NaN', 'None', 'Infinity', '-inf', '1e400', '-1e400', '1e-400', '-0', '.5', '+3', ' 3 ',
  '5.', '1,5', '1,234', '1.234,5', '0x10', 'x', 'y', 'é', 'oops', 'true', '"', '""', 'a"b', '\r', '\u0000', '💥',
];
const cellArb = fc.oneof(
  fc.integer({ min: -50, max: 50 }).map(String),
  fc.double().map(String),
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 6 }),
);
const NAMES = ['a', 'b', 'c', 'label', 'y', 'x y', 'é', ''];

function quoteCsv(cell: string, delimiter: string, force: boolean): string {
  if (force || cell.includes(delimiter) || /["\r\n]/.test(cell)) return `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/** A well-formed CSV document (before mutation): a header and rows of the same width. */
const csvArb = fc.record({
  names: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 }),
  rows: fc.array(fc.array(cellArb, { minLength: 5, maxLength: 5 }), { maxLength: 25 }),
  quoteAll: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
});

function csvText(doc: typeof csvArb extends fc.Arbitrary<infer T> ? T : never, delimiter: string): Buffer {
  const { names, rows, quoteAll, crlf, bom, finalNewline } = doc;
  const eol = crlf ? '\r\n' : '\n';
  const lines = [names, ...rows.map((r) => r.slice(0, names.length))].map((cells) => cells.map((c) => quoteCsv(c, delimiter, quoteAll)).join(delimiter));
  return Buffer.from((bom ? '\ufeff' : '') + lines.join(eol) + (finalNewline ? eol : ''));
}

const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 4, arbitrary: fc.integer({ min: -9, max: 9 }) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 1, arbitrary: fc.constantFrom([1, 2], { x: 1 }, [], {}) },
);

/** A well-formed JSON lines document (before mutation). */
const jsonlArb = fc
  .record({
    rows: fc.array(fc.dictionary(fc.constantFrom(...NAMES), jsonValueArb, { maxKeys: 5 }), { maxLength: 25 }),
    spaced: fc.boolean(),
    blank: fc.boolean(),
  })
  .map(({ rows, spaced, blank }) =>
    Buffer.from(rows.map((r) => JSON.stringify(r, null, spaced ? 1 : undefined).replace(/\n/g, ' ')).join(blank ? '\n\n' : '\n')),
  );

/** Byte strings that stress the readers when spliced in. */
const SPLICE = ['"', ',', ';', '\t', '\n', '\r', '\r\n', '\u0000', '\ufeff', '{', '}', '[', ']', ':', '\\', 'NaN', '1e400', '1,5', ''].map((s) => Buffer.from(s));
SPLICE.push(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe9]), Buffer.from([0x1f, 0x8b]));

type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace' | 'duplicate'; payload: number; length: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  kind: fc.constantFrom('insert', 'delete', 'replace', 'duplicate'),
  payload: fc.nat({ max: SPLICE.length - 1 }),
  length: fc.integer({ min: 1, max: 12 }),
});

function mutate(data: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = data;
  for (const m of mutations) {
    const at = Math.min(out.length, Math.floor(m.at * (out.length + 1)));
    const piece = SPLICE[m.payload]!;
    const end = Math.min(out.length, at + m.length);
    if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), piece, out.subarray(at)]);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(end)]);
    else if (m.kind === 'replace') out = Buffer.concat([out.subarray(0, at), piece, out.subarray(end)]);
    else out = Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
  }
  return out;
}

function* chunks(data: Buffer, sizes: readonly number[]): Generator<Buffer> {
  let k = 0;
  for (let i = 0; i < data.length; ) {
    const n = sizes[k++ % sizes.length]!;
    yield data.subarray(i, i + n);
    i += n;
  }
}

/** One line, without control characters: what a person sees. */
function assertOneLine(text: string, what: string): void {
  assert.equal(typeof text, 'string', what);
  assert.ok(text.length > 0, `${what}: empty`);
  assert.doesNotMatch(text, /[\u0000-\u001f]/, `${what}: ${JSON.stringify(text)}`);
}

function assertIssue(issue: RowIssue): void {
  assert.match(issue.reason, /^[a-z0-9-]+$/, `reason ${issue.reason}`);
  assertOneLine(issue.message, `${issue.reason} message`);
}

/** A row as compared between the two reading paths: good rows by their cells, bad ones by their issue. */
type Row = { line: number; cells?: (number | string)[]; issue?: string };

interface Outcome {
  error?: string;
  columns?: string[];
  rows?: Row[];
  encoded?: { rows: number; learned: number; issues: number };
}

function checkBatch(b: RecordBatch, lastLine: { n: number }): void {
  assert.equal(b.values.length, b.rows * b.width);
  assert.equal(b.text.length, b.rows * b.width);
  assert.equal(b.line.length, b.rows);
  if (b.issues !== null) assert.equal(b.issues.length, b.rows);
  for (let r = 0; r < b.rows; r++) {
    const line = b.line[r]!;
    assert.ok(Number.isInteger(line) && line >= 1 && line >= lastLine.n, `line ${line} after ${lastLine.n}`);
    lastLine.n = line;
    const issue = b.issues?.[r];
    if (issue) {
      assertIssue(issue);
      continue;
    }
    for (let c = 0; c < b.width; c++) {
      const i = r * b.width + c;
      const text = b.text[i];
      // A cell is a finite number (text null) or text (value NaN): never Infinity, never both.
      if (text === null) assert.ok(Number.isFinite(b.values[i]), `cell ${r},${c}: ${b.values[i]}`);
      else {
        assert.equal(typeof text, 'string');
        assert.ok(Number.isNaN(b.values[i]), `cell ${r},${c} has text and ${b.values[i]}`);
      }
    }
  }
}

function clean(error: unknown): Outcome {
  if (!(error instanceof DataError) && !(error instanceof UsageError)) throw error;
  assertOneLine(error.message, error.constructor.name);
  return { error: error.message };
}

/** Reads, infers and encodes; every outcome checked on the way. */
async function run(data: Buffer, file: string | undefined, o: Options, path: 'auto' | 'other'): Promise<Outcome> {
  let source;
  try {
    source = await openSource({
      path: file ?? '-',
      ...(file === undefined ? { stdin: Readable.from(chunks(data, o.sizes)) } : {}),
      header: o.header,
      delimiter: o.delimiter,
      ...(o.format === undefined ? {} : { format: o.format }),
      csvPath: path === 'auto' ? 'auto' : 'general',
      jsonlPath: path === 'auto' ? 'auto' : 'parse',
    });
  } catch (error) {
    return clean(error);
  }
  const outcome: Outcome = {};
  try {
    const stream = source.open();
    const batches: RecordBatch[] = [];
    const lastLine = { n: 0 };
    for await (const b of stream) {
      checkBatch(b, lastLine);
      batches.push(b);
    }
    const columns = [...stream.columns];
    outcome.columns = columns;
    outcome.rows = [];
    for (const b of batches) {
      for (let r = 0; r < b.rows; r++) {
        const issue = b.issues?.[r];
        const line = b.line[r]!;
        if (issue) outcome.rows.push({ line, issue: `${issue.reason} ${issue.field ?? ''} ${issue.message}` });
        else outcome.rows.push({ line, cells: Array.from({ length: columns.length }, (_, c) => (c >= b.width ? '' : (b.text[r * b.width + c] ?? b.values[r * b.width + c]!))) });
      }
    }
    if (outcome.rows.length === 0) return outcome;
    const target = o.target === undefined || columns.length === 0 ? undefined : columns[o.target % columns.length];
    const schema = inferSchema(source.name, columns, batches, { inferRows: o.inferRows, ...(target === undefined ? {} : { target }) });
    const featurizer = new Featurizer(schema, o.hashBits === undefined ? {} : { hashBits: o.hashBits });
    const encoded = { rows: 0, learned: 0, issues: 0 };
    for (const b of batches) {
      for (let r = 0; r < b.rows; r++) {
        encoded.rows++;
        if (b.issues?.[r]) {
          encoded.issues++;
          continue;
        }
        const y = featurizer.encode(b, r, true);
        if (typeof y === 'number') {
          encoded.learned++;
          if (schema.task === 'classification') assert.ok(Number.isInteger(y) && y >= 0 && y < featurizer.classes.length, `class ${y}`);
          else assert.ok(Number.isFinite(y), `target ${y}`);
          const x = featurizer.row.subarray(0, featurizer.dim);
          assert.ok(x.every(Number.isFinite), 'the encoded row is finite');
        } else {
          assertIssue(y);
          encoded.issues++;
        }
      }
    }
    assert.equal(encoded.learned + encoded.issues, encoded.rows, 'every row is learned or an issue');
    outcome.encoded = encoded;
    return outcome;
  } catch (error) {
    return { ...outcome, ...clean(error) };
  } finally {
    await source.close();
  }
}

/** Both paths: each checked, and in agreement on what they both reached. */
async function property(data: Buffer, o: Options): Promise<void> {
  if (o.wrap !== 'none') {
    const gz = gzipSync(data);
    data = o.wrap === 'gzip' ? gz : gz.subarray(0, Math.max(2, Math.floor(gz.length * 0.7)));
  }
  let file: string | undefined;
  if (o.via === 'file') {
    file = join(tmp, `fuzz-${files++}`);
    writeFileSync(file, data);
  }
  let auto: Outcome;
  let other: Outcome;
  try {
    auto = await run(data, file, o, 'auto');
    other = await run(data, file, o, 'other');
  } finally {
    if (file !== undefined) rmSync(file, { force: true });
  }
  assert.deepEqual(auto.columns, other.columns, 'columns');
  assert.deepEqual(auto.rows, other.rows, 'rows');
  assert.deepEqual(auto.encoded, other.encoded, 'encoded');
  assert.equal(auto.error, other.error, 'error');
}

const params = (offset: number) => ({ seed: SEED + offset, numRuns: RUNS, endOnFailure: !LONG });

describe('fuzz: bad input in, rows, skips or one-line errors out', () => {
  it(`random bytes (${RUNS} runs)`, TEST, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), optionsArb, async (bytes, o) => property(Buffer.from(bytes), o)),
      params(0),
    );
  });

  it(`mutated CSV (${RUNS} runs)`, TEST, async () => {
    await fc.assert(
      fc.asyncProperty(csvArb, fc.array(mutationArb, { maxLength: 4 }), optionsArb, async (doc, mutations, o) =>
        property(mutate(csvText(doc, o.delimiter), mutations), { ...o, format: o.format === 'jsonl' ? undefined : o.format }),
      ),
      params(1),
    );
  });

  it(`mutated JSON lines (${RUNS} runs)`, TEST, async () => {
    await fc.assert(
      fc.asyncProperty(jsonlArb, fc.array(mutationArb, { maxLength: 4 }), optionsArb, async (doc, mutations, o) =>
        property(mutate(doc, mutations), { ...o, header: true, format: o.format === 'csv' ? undefined : o.format }),
      ),
      params(2),
    );
  });
});
