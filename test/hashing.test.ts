/**
 * Hashed categorical features (--hash-bits): the featurizer's sparse layout names the slots the
 * dense row sets, and the linear models read it, learning what they learn from the dense row.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { LinearModel } from '../src/learners/linear.js';
import { ROOT, batchOf } from './helpers.js';

/** The dense row a sparse row stands for. */
function densify(sparse: Float64Array, numeric: number, dim: number): number[] {
  const row = new Array<number>(dim).fill(0);
  for (let j = 0; j < numeric; j++) row[j] = sparse[j]!;
  for (let p = numeric; p < sparse.length; p += 2) {
    if (sparse[p]! < 0) {
      assert.equal(sparse[p + 1], 0, 'no slot, no value');
      continue;
    }
    assert.equal(row[sparse[p]!], 0, `slot ${sparse[p]} named twice`);
    row[sparse[p]!] = sparse[p + 1]!;
  }
  return row;
}

/** The bundled STAGGER stream (size, color, shape categorical; weight numeric with missing values) as a batch. */
function stagger(): { columns: string[]; rows: (string | number | null)[][] } {
  const [header, ...lines] = readFileSync(`${ROOT}datasets/stagger.csv`, 'utf8').trimEnd().split('\n');
  const rows = lines.map((l) => l.split(',').map((cell) => (cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell))));
  return { columns: header!.split(','), rows };
}

describe('hashed features', () => {
  it('the sparse layout names exactly the slots of the dense row, collisions and missing values included', () => {
    const rows: (string | number | null)[][] = [];
    for (let i = 0; i < 300; i++) rows.push([i % 7 === 0 ? null : i / 10, `a${i % 13}`, i % 5 === 0 ? null : `b${i % 17}`, `c${i % 3}`, i % 2]);
    const batch = batchOf(rows);
    const schema = inferSchema('t', ['x', 'a', 'b', 'c', 'y'], [batch], {});
    // Two bits: four slots for three features with many values, so features collide within a row.
    const f = new Featurizer(schema, { hashBits: 2, layouts: ['dense', 'sparse'] });
    assert.deepEqual(f.sparseShape(), { numeric: 1, pairs: 3, slots: 5 });
    assert.equal(f.widthOf('sparse'), 7);
    let collisions = 0;
    for (let r = 0; r < rows.length; r++) {
      assert.equal(typeof f.encode(batch, r, true), 'number');
      const sparse = f.rowOf('sparse');
      assert.deepEqual(densify(sparse, 1, f.dim), Array.from(f.row.subarray(0, f.dim)), `row ${r}`);
      const named = [1, 3, 5].filter((p) => sparse[p]! >= 0).length;
      const present = [1, 2, 3].filter((c) => rows[r]![c] !== null).length;
      if (named < present) collisions++;
    }
    assert.ok(collisions > 10, `features collided in ${collisions} rows`);
  });

  it('a linear model on the sparse rows of STAGGER learns what it learns on the dense rows', () => {
    const { columns, rows } = stagger();
    const batch = batchOf(rows, columns.length);
    const schema = inferSchema('stagger', columns, [batch], {});
    const f = new Featurizer(schema, { hashBits: 10, layouts: ['dense', 'sparse'] });
    const shape = f.sparseShape();
    const options = { task: 'classification' as const, dim: f.dim, classes: f.classes.length, optimizer: 'adagrad' as const, lr: 0.1, l2: 0 };
    const dense = new LinearModel(options);
    const sparse = new LinearModel({ ...options, sparse: shape });
    const p = new Float64Array(2);
    const q = new Float64Array(2);
    const y = new Float64Array(1);
    for (let r = 0; r < rows.length; r++) {
      y[0] = f.encode(batch, r, true) as number;
      dense.predictAndLearn(f.row, y, 1, p);
      sparse.predictAndLearn(f.rowOf('sparse'), y, 1, q);
      assert.ok(Math.abs(p[1]! - q[1]!) < 1e-9, `row ${r}: ${p[1]} vs ${q[1]}`);
    }
    const a = dense.state().weights;
    const b = sparse.state().weights;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-9, `weight ${i}`);
  });
});
