/** CSV: header handling, quoting, the fast and general paths giving identical rows, malformed rows. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DataError, UsageError } from '../src/errors.js';
import { CsvReader } from '../src/io/csv.js';
import { PLAIN_NUMBER } from '../src/io/number.js';
import { Random } from '../src/util/random.js';
import { cells, chunked, collect, FIXTURES, readCsv, type Cell, type Parsed } from './io-helpers.js';

/** The same bytes through the fast path (auto) and the general path (forced) must give the same rows. */
async function bothPaths(data: Buffer | string, opts: Parameters<typeof readCsv>[1] = {}, sizes?: number[]): Promise<Parsed> {
  const auto = await readCsv(data, opts, sizes);
  const general = await readCsv(data, { ...opts, forceGeneral: true }, sizes);
  assert.deepEqual(general.columns, auto.columns);
  assert.deepEqual(general.rows, auto.rows);
  assert.equal(auto.paths.general, 0, 'quote-free input stays on the fast path');
  assert.equal(general.paths.fast, 0);
  return auto;
}

/** What a cell's text must become, by definition. */
function cellOf(s: string): Cell {
  // A plain number that overflows a double (1e400) stays text, for the featurizer to report.
  return PLAIN_NUMBER.test(s) && Number.isFinite(Number(s)) ? Number(s) : { text: s };
}

describe('CSV header and columns', () => {
  it('names columns from the header and reads numbers and text', async () => {
    const { columns, rows } = await readCsv('a,b,c\n1,x,2.5\n-3,,1e3\n');
    assert.deepEqual(columns, ['a', 'b', 'c']);
    assert.deepEqual(rows, [
      { line: 2, cells: cells(1, 'x', 2.5), issue: null },
      { line: 3, cells: cells(-3, '', 1000), issue: null },
    ]);
  });

  it('without a header names columns c1..cN from the first row, which is data', async () => {
    const { columns, rows } = await readCsv('\n1,2\n3,4', { header: false });
    assert.deepEqual(columns, ['c1', 'c2']);
    assert.deepEqual(rows.map((r) => [r.line, r.cells]), [[2, cells(1, 2)], [3, cells(3, 4)]]);
  });

  it('uses given column names with header:false, and renames the header with header:true', async () => {
    const noHeader = await readCsv('1,2\n3,4\n', { header: false, columns: ['x', 'y'] });
    assert.deepEqual(noHeader.columns, ['x', 'y']);
    assert.equal(noHeader.rows.length, 2);
    const renamed = await readCsv('a,b\n1,2\n', { header: true, columns: ['x', 'y'] });
    assert.deepEqual(renamed.columns, ['x', 'y']);
    assert.deepEqual(renamed.rows[0]!.cells, cells(1, 2));
    await assert.rejects(readCsv('a,b\n1,2\n', { columns: ['x'] }), (e: unknown) => e instanceof UsageError && e.message === '--columns names 1 column, but the header of test.csv has 2 fields');
    await assert.rejects(readCsv('1,2,3\n', { header: false, columns: ['x', 'y'] }), (e: unknown) => e instanceof UsageError && /--columns names 2 columns, but the first record of test.csv has 3 fields/.test(e.message));
  });

  it('rejects duplicate column names with a DataError naming them', async () => {
    await assert.rejects(
      readCsv('a,b,a\n1,2,3\n'),
      (e: unknown) => e instanceof DataError && e.message === 'test.csv:1: expected distinct column names, found "a" twice (columns 1 and 3); rename them with --columns',
    );
  });

  it('names empty header names c<N>, avoiding the other names (pandas and R row indices)', async () => {
    const pandas = await readCsv(',a,b,label\n0,0.1,0.2,1\n1,0.3,0.4,0\n');
    assert.deepEqual(pandas.columns, ['c1', 'a', 'b', 'label']);
    assert.deepEqual(pandas.rows[1]!.cells, cells(1, 0.3, 0.4, 0));
    const r = await readCsv('"","a","label"\n"1",0.5,1\n"2",0.25,0\n');
    assert.deepEqual(r.columns, ['c1', 'a', 'label']);
    assert.equal(r.rows.length, 2);
    const clash = await readCsv('\n\n,c1,,c3_\n1,2,3,4\n');
    assert.deepEqual(clash.columns, ['c1_', 'c1', 'c3', 'c3_']);
    const reader = new CsvReader({ name: 't.csv', header: true, delimiter: ',' });
    await collect(reader.batches(chunked(Buffer.from('x,,z,\n1,2,3,4\n'))));
    assert.deepEqual([reader.columns, reader.unnamed], [['x', 'c2', 'z', 'c4'], [1, 3]]);
    // --columns renames them; a header of only delimiters stays an error.
    assert.deepEqual((await readCsv(',a\n1,2\n', { columns: ['i', 'a'] })).columns, ['i', 'a']);
    await assert.rejects(readCsv(',,\n1,2,3\n'), (e: unknown) => e instanceof DataError && /found only 2 delimiters/.test(e.message));
  });

  it('gives zero rows for an empty file, a blank file and a header-only file', async () => {
    for (const data of ['', '\n\r\n\n', 'a,b\n', 'a,b']) {
      const { rows, columns } = await bothPaths(data);
      assert.equal(rows.length, 0, JSON.stringify(data));
      assert.deepEqual(columns, data.includes('a') ? ['a', 'b'] : []);
    }
  });

  it('honours the delimiter, and rejects one it cannot use', async () => {
    const { rows } = await bothPaths('a;b\n1,5;2\n', { delimiter: ';' });
    assert.deepEqual(rows[0]!.cells, cells('1,5', 2));
    const tabs = await bothPaths('a\tb\n1\t2\n', { delimiter: '\t' });
    assert.deepEqual(tabs.rows[0]!.cells, cells(1, 2));
    for (const bad of ['', '||', '"', '\n', 'é']) {
      await assert.rejects(readCsv('a\n', { delimiter: bad }), UsageError, JSON.stringify(bad));
    }
  });
});

describe('CSV quoting, CRLF and BOM', () => {
  it('reads the quoted CRLF fixture with a BOM', async () => {
    const data = readFileSync(`${FIXTURES}quoted-crlf-bom.csv`);
    const { columns, rows, paths } = await readCsv(data);
    assert.deepEqual(columns, ['id', 'name', 'score', 'note']);
    assert.deepEqual(rows, [
      { line: 2, cells: cells(1, 'Smith, John', 3.5, 'plain'), issue: null },
      { line: 3, cells: cells(2, 'say "hi"', -0.25, 'two\r\nlines'), issue: null },
      { line: 6, cells: cells(3, 'café', 1000, ''), issue: null },
      { line: 7, cells: cells(4, '', 0.5, 'x,y'), issue: null },
    ]);
    assert.equal(paths.fast, 0);
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const data = readFileSync(`${FIXTURES}quoted-crlf-bom.csv`);
    const whole = await readCsv(data);
    for (const sizes of [[1], [2], [3], [5], [7, 1, 13], [64]]) {
      assert.deepEqual(await readCsv(data, {}, sizes), whole, `chunks of ${sizes.join(',')}`);
    }
  });

  it('switches between paths chunk by chunk and still numbers lines right', async () => {
    const plain = Array.from({ length: 300 }, (_, i) => `${i},${i / 4}\r\n`).join('');
    const quoted = '"q,1","multi\nline"\n\n';
    const data = `a,b\n${plain}${quoted}${plain}${quoted}${plain}`;
    const mixed = await readCsv(data, {}, [97]);
    const general = await readCsv(data, { forceGeneral: true }, [97]);
    assert.deepEqual(mixed.rows, general.rows);
    assert.ok(mixed.paths.fast > 500 && mixed.paths.general > 0, JSON.stringify(mixed.paths));
    assert.equal(mixed.rows.length, 902);
    assert.deepEqual(mixed.rows[300], { line: 302, cells: cells('q,1', 'multi\nline'), issue: null });
    assert.deepEqual(mixed.rows[301]!.line, 305);
    assert.deepEqual(mixed.rows[901]!.line, 2 + 300 + 3 + 300 + 3 + 299);
  });
});

describe('CSV fast path and general path agree', () => {
  it('on tricky numbers and numeric-looking text', async () => {
    const data = readFileSync(`${FIXTURES}tricky-numbers-semicolon.csv`);
    const { rows } = await bothPaths(data, { delimiter: ';' });
    assert.deepEqual(rows.map((r) => r.cells), [
      cells(1e5, -0),
      cells(0.5, 5),
      cells(0.1, 123456789012345678),
      cells('1e400', 3),
      cells(' 3', '0x10'),
      cells('Infinity', 'NaN'),
      cells('1,5', '-'),
    ]);
    assert.ok(Object.is(rows[0]!.cells[1], -0));
  });

  it('on blank lines, CRLF, stray CRs, trailing delimiters and a last line without newline', async () => {
    const data = 'a,b,c\r\n\r\n1,2,3\r\n\n4,5,\r\n,,\n7\r\r\n8,9,10,11\n x ,\t,é\r\n\r';
    const { rows } = await bothPaths(data);
    assert.deepEqual(rows, [
      { line: 3, cells: cells(1, 2, 3), issue: null },
      { line: 5, cells: cells(4, 5, ''), issue: null },
      { line: 6, cells: cells('', '', ''), issue: null },
      { line: 7, cells: cells('7\r', '', ''), issue: { reason: 'ragged-row', field: 'b', message: 'expected 3 fields, found 1' } },
      { line: 8, cells: cells(8, 9, 10), issue: { reason: 'ragged-row', message: 'expected 3 fields, found 4' } },
      { line: 9, cells: cells(' x ', '\t', 'é'), issue: null },
      { line: 10, cells: cells('\r', '', ''), issue: { reason: 'ragged-row', field: 'b', message: 'expected 3 fields, found 1' } },
    ]);
    for (const sizes of [[1], [2], [3], [4, 9]]) await bothPaths(data, {}, sizes);
  });

  it('on 20,000 random rows of numbers in every spelling, in random chunk sizes', async () => {
    const rng = new Random(42);
    const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
    const spellings: (() => string)[] = [
      () => (rng.normal() * 10 ** rng.int(8)).toString(),
      () => String(rng.int(1000000) - 500000),
      () => (rng.next() * 100).toFixed(rng.int(10)),
      () => rng.normal().toExponential(rng.int(17)),
      () => `${['', '-', '+'][rng.int(3)]}${digits(rng.int(4))}.${digits(rng.int(25))}`,
      () => `${digits(1 + rng.int(25))}e${['', '-', '+'][rng.int(3)]}${rng.int(400)}`,
      () => String(rng.next() * 10 ** (rng.int(40) - 20)),
      // Numbers followed by more: the cell is read as a number first, then must be seen whole as text.
      () => ['', ' 3', '0x10', 'Infinity', 'NaN', '1,5', 'abc', 'é', '-', '.', '1e', '12a', '+.5', '-.e1', '1.5.3', '1e5e5',
        '12-3', '1e+', '7 ', '0.30000000000000004x', '1.5E'][rng.int(21)]!,
    ];
    const expected: Cell[][] = [];
    let text = 'x1;x2;x3;y\n';
    for (let r = 0; r < 20000; r++) {
      const row = Array.from({ length: 4 }, () => spellings[rng.int(spellings.length)]!());
      expected.push(row.map(cellOf));
      text += row.join(';') + (rng.next() < 0.1 ? '\r\n' : '\n');
    }
    const sizes = Array.from({ length: 16 }, () => 1 + rng.int(5000));
    const { rows } = await bothPaths(text, { delimiter: ';' }, sizes);
    assert.equal(rows.length, 20000);
    for (let r = 0; r < rows.length; r++) {
      if (rows[r]!.line !== r + 2) assert.fail(`row ${r} is on line ${rows[r]!.line}`);
      assert.deepEqual(rows[r]!.cells, expected[r], `row ${r}`);
    }
  });
});

describe('CSV records with and without quotes side by side', () => {
  it('reads plain records fast and quoted ones with csv-parse, in order, with the same rows as csv-parse alone', async () => {
    const rng = new Random(11);
    const texts = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'crlf\r\nin', '', ' 3', '1e5', '-0', 'é'];
    const expected: { line: number; cells: Cell[] }[] = [];
    let data = 'a,b,c\n';
    let line = 2;
    for (let r = 0; r < 5000; r++) {
      const raw = Array.from({ length: 3 }, () => (rng.next() < 0.5 ? String(rng.int(1000) / 8) : texts[rng.int(texts.length)]!));
      const quoteRow = rng.next() < 0.05;
      const fields = raw.map((f) => {
        const must = /[",\n\r]/.test(f);
        if (must || (quoteRow && rng.next() < 0.5)) return `"${f.replace(/"/g, '""')}"`;
        return f;
      });
      expected.push({ line, cells: raw.map(cellOf) });
      const record = fields.join(',');
      data += record + '\n';
      line += (record.match(/\n/g)?.length ?? 0) + 1;
    }
    for (const sizes of [[1 << 20], [1000, 37]]) {
      const auto = await readCsv(data, {}, sizes);
      const general = await readCsv(data, { forceGeneral: true }, sizes);
      assert.deepEqual(auto.rows, general.rows);
      assert.ok(auto.paths.fast > 1000 && auto.paths.general > 500, JSON.stringify(auto.paths));
      assert.deepEqual(auto.rows.map((r) => ({ line: r.line, cells: r.cells })), expected);
      assert.ok(auto.rows.every((r) => r.issue === null));
    }
  });
});

describe('CSV malformed rows', () => {
  it('turns stray and unterminated quotes into issues, keeping the other rows', async () => {
    const data = 'a,b\n1,2\nx"y,3\n"ab"c,4\n5,6\n7,"open\n8,9\n';
    const { rows } = await readCsv(data);
    assert.deepEqual(rows.map((r) => [r.line, r.issue?.reason ?? null, r.issue?.field ?? null]), [
      [2, null, null],
      [3, 'stray-quote', 'a'],
      [4, 'stray-quote', 'a'],
      [5, null, null],
      [6, 'unterminated-quote', 'b'],
    ]);
    assert.deepEqual(rows[1]!.cells, cells('', ''));
    assert.deepEqual(rows[3]!.cells, cells(5, 6));
    for (const sizes of [[1], [3], [11]]) assert.deepEqual((await readCsv(data, {}, sizes)).rows, rows, `chunks of ${sizes[0]}`);
  });

  it('pins issues to their rows inside large quoted blocks', async () => {
    const bad = new Set([7, 300, 301, 999]);
    const lines = Array.from({ length: 1000 }, (_, i) => (bad.has(i) ? `5'11",${i}` : `"${i}",${i / 2}`));
    const { rows } = await readCsv(`a,b\n${lines.join('\n')}\n`, {}, [1 << 20]);
    assert.equal(rows.length, 1000);
    rows.forEach((r, i) => {
      assert.equal(r.line, i + 2);
      if (bad.has(i)) assert.equal(r.issue?.reason, 'stray-quote', `row ${i}`);
      else assert.deepEqual(r, { line: i + 2, cells: cells(i, i / 2), issue: null });
    });
  });

  it('reports an unterminated quote in the header as a DataError at its line', async () => {
    await assert.rejects(readCsv('\n"a,b\n1,2\n'), (e: unknown) => e instanceof DataError && e.message.startsWith('test.csv:2: '));
  });

  it('reads a 10 MB line', async () => {
    const long = 'z'.repeat(10 * 1024 * 1024);
    for (const quoted of [false, true]) {
      const cell = quoted ? `"${long}"` : long;
      const { rows } = await readCsv(`a,b\n1,${cell}\n2,3\n`, {}, [1 << 20]);
      assert.equal(rows.length, 2);
      assert.equal((rows[0]!.cells[1] as { text: string }).text.length, long.length);
      assert.deepEqual(rows[1], { line: 3, cells: cells(2, 3), issue: null });
    }
  });

  it('survives random binary bytes: rows with issues or a DataError, never a crash', async () => {
    const rng = new Random(99);
    for (let trial = 0; trial < 20; trial++) {
      const bytes = Buffer.alloc(20000 + rng.int(20000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      try {
        const { rows } = await readCsv(bytes, { header: trial % 2 === 0 }, [1 + rng.int(4096)]);
        for (const r of rows) assert.ok(r.line >= 1);
      } catch (e) {
        assert.ok(e instanceof DataError, String(e));
      }
    }
  });
});
