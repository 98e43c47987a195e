import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../src/errors.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { Random } from '../src/util/random.js';
import { batchOf } from './helpers.js';

describe('schema inference', () => {
  const batch = batchOf([
    [1.5, 'red', 0, 3],
    [2.5, 'blue', 1, 4],
    ['NA', 'red', 1, 5],
  ]);

  it('takes a column named label, class, target or y as the target, in any case', () => {
    const schema = inferSchema('t', ['a', 'Colour', 'CLASS', 'z'], [batch], {});
    assert.equal(schema.columns[schema.target]!.name, 'CLASS');
    assert.equal(schema.task, 'classification');
    assert.deepEqual(schema.classes, ['0', '1']);
    assert.deepEqual(
      schema.columns.map((c) => [c.kind, c.role]),
      [
        ['numeric', 'feature'],
        ['categorical', 'feature'],
        ['numeric', 'target'],
        ['numeric', 'feature'],
      ],
    );
  });

  it('falls back to the last column, and calls a non-integer numeric target regression', () => {
    const schema = inferSchema('t', ['a', 'b', 'c', 'd'], [batchOf([[1, 'x', 2, 0.5], [2, 'y', 3, 1.25]])], {});
    assert.equal(schema.target, 3);
    assert.equal(schema.task, 'regression');
  });

  it('honours --target, --task, --features and --ignore', () => {
    const schema = inferSchema('t', ['a', 'b', 'c', 'd'], [batch], { target: 'd', task: 'regression', ignore: ['b'] });
    assert.equal(schema.target, 3);
    assert.equal(schema.task, 'regression');
    assert.equal(schema.columns[1]!.role, 'ignored');
    const only = inferSchema('t', ['a', 'b', 'c', 'd'], [batch], { features: ['a'] });
    assert.deepEqual(only.columns.filter((c) => c.role === 'feature').map((c) => c.name), ['a']);
  });

  it('leaves out a text column whose values never repeat, unless --features names it', () => {
    const rows = Array.from({ length: 30 }, (_, i) => [`2020-01-01 00:${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'a' : 'b', i, i % 2]);
    const schema = inferSchema('t', ['ts', 'kind', 'n', 'y'], [batchOf(rows)], {});
    assert.equal(schema.columns[0]!.role, 'ignored');
    assert.match(schema.columns[0]!.note!, /every value distinct/);
    assert.equal(schema.columns[1]!.role, 'feature', 'a repeating text column stays');
    const kept = inferSchema('t', ['ts', 'kind', 'n', 'y'], [batchOf(rows)], { features: ['ts', 'n'] });
    assert.equal(kept.columns[0]!.role, 'feature');
    const few = inferSchema('t', ['ts', 'kind', 'n', 'y'], [batchOf(rows.slice(0, 10))], {});
    assert.equal(few.columns[0]!.role, 'feature', 'too few rows to tell');
  });

  it('leaves out a row index (0, 1, 2, ... or 1, 2, 3, ..., also as quoted text) unless --features names it', () => {
    const rows = Array.from({ length: 30 }, (_, i) => [i, String(i + 1), i + 5, (i * 7) % 11, i % 2]);
    const cols = ['c1', 'rn', 'off', 'x', 'y'];
    const schema = inferSchema('t', cols, [batchOf(rows)], {}, { unnamed: [0] });
    assert.deepEqual(schema.columns.map((c) => c.role), ['ignored', 'ignored', 'feature', 'feature', 'target']);
    assert.equal(schema.columns[0]!.note, 'no name in the header, named "c1"; the row number (0, 1, 2, ...), a row index like pandas\' or R\'s: name it in --features to use it');
    assert.match(schema.columns[1]!.note!, /^the row number \(1, 2, 3, \.\.\.\)/);
    assert.equal(schema.columns[2]!.note, undefined, 'counting from 5 is not the row number');
    const kept = inferSchema('t', cols, [batchOf(rows)], { features: ['c1', 'x'] }, { unnamed: [0] });
    assert.deepEqual(kept.columns.map((c) => c.role), ['feature', 'ignored', 'ignored', 'feature', 'target']);
    assert.equal(kept.columns[0]!.note, 'no name in the header, named "c1"');
    // A named column needs 20 rows to be taken for an index; an unnamed one does not.
    const few = inferSchema('t', cols, [batchOf(rows.slice(0, 5))], {}, { unnamed: [0] });
    assert.deepEqual(few.columns.map((c) => c.role), ['ignored', 'feature', 'feature', 'feature', 'target']);
    // A gap, or a missing value, and it is not the row number.
    const gap = rows.map((r, i) => (i === 12 ? [13, ...r.slice(1)] : r));
    assert.equal(inferSchema('t', cols, [batchOf(gap)], {}, { unnamed: [0] }).columns[0]!.role, 'feature');
  });

  it('leaves out a JSON lines column of objects or arrays, and refuses it as the target', () => {
    const rows = Array.from({ length: 5 }, (_, i) => [i * 0.5, '{"x":1}', `[${i}]`, i % 2]);
    const cols = ['a', 'meta', 'tags', 'label'];
    const schema = inferSchema('t.jsonl', cols, [batchOf(rows)], {}, { jsonl: true });
    assert.deepEqual(schema.columns.map((c) => c.role), ['feature', 'ignored', 'ignored', 'target']);
    assert.match(schema.columns[1]!.note!, /^JSON objects or arrays: name it in --features/);
    const asked = inferSchema('t.jsonl', cols, [batchOf(rows)], { features: ['a', 'meta'] }, { jsonl: true });
    assert.deepEqual(asked.columns.map((c) => [c.role, c.kind]), [['feature', 'numeric'], ['feature', 'categorical'], ['ignored', 'categorical'], ['target', 'numeric']]);
    assert.throws(
      () => inferSchema('t.jsonl', cols, [batchOf(rows)], { target: 'tags' }, { jsonl: true }),
      (e: unknown) => e instanceof DataError && e.message === 't.jsonl: field "tags": expected numbers or text in the target column, found JSON objects or arrays (choose another with --target)',
    );
    // In CSV, such text is just text.
    assert.equal(inferSchema('t.csv', cols, [batchOf(rows)], {}).columns[1]!.role, 'feature');
  });

  it('names the columns that exist when --target names one that does not', () => {
    assert.throws(
      () => inferSchema('data.csv', ['a', 'b'], [batchOf([[1, 2]])], { target: 'price' }),
      (e: unknown) => e instanceof DataError && /--target "price" is not a column; the columns are: a, b/.test(e.message) && e.message.startsWith('data.csv: '),
    );
  });
});

describe('featurizer', () => {
  it('standardizes each value with the mean and sd of the rows before it', () => {
    const random = new Random(1);
    const values = Array.from({ length: 50 }, () => random.normal() * 3 + 10);
    const batch = batchOf(values.map((v, i) => [v, i % 2]));
    const f = new Featurizer(inferSchema('t', ['v', 'y'], [batch], {}));
    for (let r = 0; r < values.length; r++) {
      assert.equal(f.encode(batch, r, true), r % 2);
      const before = values.slice(0, r);
      const mean = before.reduce((s, v) => s + v, 0) / (before.length || 1);
      const sd = before.length >= 2 ? Math.sqrt(before.reduce((s, v) => s + (v - mean) ** 2, 0) / (before.length - 1)) : 1;
      assert.ok(Math.abs(f.row[0]! - (values[r]! - mean) / sd) < 1e-9, `row ${r}`);
    }
  });

  it('imputes missing numbers with the running mean and counts them', () => {
    const batch = batchOf([[1, 0], [3, 1], ['', 0], ['NA', 1], ['null', 0], ['?', 1]]);
    const f = new Featurizer(inferSchema('t', ['v', 'y'], [batch], {}));
    for (let r = 0; r < 6; r++) f.encode(batch, r, true);
    assert.equal(f.row[0], 0);
    assert.equal(f.missingImputed, 4);
    assert.equal(f.state().count[0], 2);
  });

  it('one-hot encodes categories, giving a category first seen mid-stream a new slot', () => {
    const batch = batchOf([[1, 'red', 'a'], [2, 'blue', 'b'], [3, 'green', 'a']]);
    const f = new Featurizer(inferSchema('t', ['n', 'colour', 'y'], [batchOf([[1, 'red', 'a']])], {}));
    assert.equal(f.dim, 1);
    f.encode(batch, 0, true);
    assert.equal(f.dim, 2);
    f.encode(batch, 1, true);
    assert.equal(f.dim, 3);
    assert.deepEqual(Array.from(f.row.subarray(1, 3)), [0, 1]);
    assert.deepEqual(f.classes, ['a', 'b']);
    // Held-out rows change nothing: the unknown category is all zeros, the unknown class is -1.
    const held = batchOf([[4, 'purple', 'c']]);
    assert.equal(f.encode(held, 0, false), -1);
    assert.equal(f.dim, 3);
    assert.deepEqual(Array.from(f.row.subarray(1, 3)), [0, 0]);
  });

  it('hashes categories into a fixed number of slots with --hash-bits', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [`v${i % 60}`, i % 2] as (string | number)[]);
    const batch = batchOf(rows);
    const f = new Featurizer(inferSchema('t', ['c', 'y'], [batch], {}), { hashBits: 4 });
    for (let r = 0; r < 100; r++) {
      f.encode(batch, r, true);
      assert.equal(f.row.subarray(0, 16).reduce((s, v) => s + v, 0), 1);
    }
    assert.equal(f.dim, 16);
  });

  it('reports a non-number in a numeric column without touching the statistics', () => {
    const batch = batchOf([[1, 2, 0], [3, 'abc', 1], [5, 'Infinity', 0]]);
    const f = new Featurizer(inferSchema('t', ['a', 'b', 'y'], [batchOf([[1, 2, 0]])], {}));
    f.encode(batch, 0, true);
    const issue = f.encode(batch, 1, true);
    assert.deepEqual(issue, { reason: 'not-a-number', field: 'b', message: 'expected a number, found "abc"' });
    assert.equal(typeof f.encode(batch, 2, true), 'object');
    assert.deepEqual(f.state().count, [1, 1]);
  });

  it('reports a row without a target', () => {
    const batch = batchOf([[1, 'NA']]);
    const f = new Featurizer(inferSchema('t', ['a', 'y'], [batchOf([[1, 0]])], {}));
    assert.deepEqual(f.encode(batch, 0, true), { reason: 'missing-target', field: 'y', message: 'expected a target value, found "NA" (a missing value)' });
  });

  it('restores from its state to encode the next row identically', () => {
    const batch = batchOf([[1, 'x', 0], [2, 'y', 1], [4, 'x', 0], [8, 'z', 1]]);
    const schema = inferSchema('t', ['n', 'c', 'y'], [batch], {});
    const f = new Featurizer(schema);
    for (let r = 0; r < 3; r++) f.encode(batch, r, true);
    const g = Featurizer.restore(schema, JSON.parse(JSON.stringify(f.state())));
    f.encode(batch, 3, true);
    g.encode(batch, 3, true);
    assert.deepEqual(Array.from(g.row.subarray(0, g.dim)), Array.from(f.row.subarray(0, f.dim)));
    assert.deepEqual(g.state(), f.state());
  });
});

describe('the raw layout', () => {
  const schemaBatch = batchOf([
    [1, 'red', 2, 'a'],
    [3, 'blue', 4, 'b'],
  ]);
  const schema = inferSchema('t', ['n', 'colour', 'm', 'y'], [schemaBatch], {});

  it('holds the numeric values, then one category code per categorical feature, in order of arrival', () => {
    const f = new Featurizer(schema, { layouts: ['raw'] });
    assert.equal(f.widthOf('raw'), 3);
    assert.deepEqual(f.rawFeatures(), [
      { name: 'n', kind: 'numeric' },
      { name: 'm', kind: 'numeric' },
      { name: 'colour', kind: 'categorical' },
    ]);
    const batch = batchOf([
      [1, 'red', 2, 'a'],
      [3, 'blue', 4, 'b'],
      ['', 'red', 'NA', 'a'],
      [5, '', 6, 'b'],
      [7, 'green', 8, 'a'],
    ]);
    const rows = [0, 1, 2, 3, 4].map((r) => {
      f.encode(batch, r, true);
      return Array.from(f.rowOf('raw'));
    });
    // Missing numbers are the running mean of the rows before (2 and 3); a missing category is -1.
    assert.deepEqual(rows, [
      [1, 2, 0],
      [3, 4, 1],
      [2, 3, 0],
      [5, 6, -1],
      [7, 8, 2],
    ]);
    assert.equal(f.categoryCount(0), 3);
    assert.equal(f.widthOf('raw'), 3, 'the raw width does not grow with categories');
    assert.equal(f.widthOf('dense'), 5, 'the dense width does');
  });

  it('gives a category not learned yet -1 on a row that is not learned, and survives a checkpoint', () => {
    const f = new Featurizer(schema, { layouts: ['dense', 'raw'] });
    const batch = batchOf([
      [1, 'red', 2, 'a'],
      [3, 'blue', 4, 'b'],
    ]);
    f.encode(batch, 0, true);
    f.encode(batch, 1, false);
    assert.deepEqual(Array.from(f.rowOf('raw')), [3, 4, -1]);
    const restored = Featurizer.restore(schema, f.state(), false, ['raw']);
    restored.encode(batch, 0, false);
    assert.deepEqual(Array.from(restored.rowOf('raw')), [1, 2, 0]);
  });

  it('leaves the dense row as it was when both layouts are computed', () => {
    const batch = batchOf([
      [1, 'red', 2, 'a'],
      [3, 'blue', 4, 'b'],
      [5, 'red', 1, 'a'],
    ]);
    const both = new Featurizer(schema, { layouts: ['dense', 'raw'] });
    const dense = new Featurizer(schema);
    for (let r = 0; r < 3; r++) {
      both.encode(batch, r, true);
      dense.encode(batch, r, true);
      assert.deepEqual(Array.from(both.rowOf('dense').subarray(0, both.dim)), Array.from(dense.row.subarray(0, dense.dim)));
    }
    assert.deepEqual(both.state(), dense.state());
  });
});
