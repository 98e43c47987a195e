/** JSON Lines: cells, growing columns, issues, and the byte scanner agreeing with JSON.parse. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Random } from '../src/util/random.js';
import { cells, chunked, FIXTURES, readJsonl, type Parsed } from './io-helpers.js';
import { stripBom } from '../src/io/bytes.js';
import { JsonlReader } from '../src/io/jsonl.js';

/** The byte scanner (auto) and JSON.parse on every line (forced) must give identical rows. */
async function bothPaths(data: Buffer | string, sizes?: number[]): Promise<Parsed> {
  const auto = await readJsonl(data, false, sizes);
  const parsed = await readJsonl(data, true, sizes);
  assert.deepEqual(parsed.columns, auto.columns);
  assert.deepEqual(parsed.rows, auto.rows);
  assert.equal(parsed.paths.fast, 0);
  return auto;
}

describe('JSONL', () => {
  it('reads the mixed fixture: cells, growing columns and issues', async () => {
    const data = readFileSync(`${FIXTURES}mixed.jsonl`);
    const { columns, rows, paths } = await bothPaths(data);
    assert.deepEqual(columns, ['a', 'b', 'c', 'd', 'e']);
    const issue = (reason: string) => (r: (typeof rows)[number]) => r.issue?.reason === reason;
    assert.deepEqual(rows.map((r) => [r.line, r.issue?.reason ?? null]), [
      [1, null], [3, null], [4, null], [5, 'not-an-object'], [6, 'invalid-json'], [7, null], [8, 'not-an-object'], [9, null],
    ]);
    assert.deepEqual(rows[0]!.cells, cells(1, 'x', 'true', '', ''));
    assert.deepEqual(rows[1]!.cells, cells('', 0.0025, '', 'false', ''));
    assert.deepEqual(rows[2]!.cells, cells(-0, '', '', '', 'esc"aped'));
    assert.ok(Object.is(rows[2]!.cells[0], -0));
    // A nested value is a cell holding its JSON text.
    assert.deepEqual(rows[5]!.cells, cells('{"deep":1}', 7, '', '', ''));
    assert.equal(rows.find(issue('invalid-json'))!.line, 6);
    assert.deepEqual(rows[7]!.cells, cells(3, '', 'last', '', ''));
    assert.equal(paths.fast, 4, JSON.stringify(paths)); // lines 1, 3, 7 and 9; the others need JSON.parse
  });

  it('gives each batch the width known when it was made, growing as keys appear', async () => {
    const lines = Array.from({ length: 10000 }, (_, i) => JSON.stringify(i === 9000 ? { a: i, late: 'x' } : { a: i }));
    const { rows, columns } = await bothPaths(lines.join('\n'), [4096]);
    assert.deepEqual(columns, ['a', 'late']);
    assert.deepEqual(rows[9000]!.cells, cells(9000, 'x'));
    assert.deepEqual(rows[9001]!.cells, cells(9001, ''));
  });

  it('registers integer-like keys the way Object.keys orders them, on both paths', async () => {
    const { columns, rows } = await bothPaths('{"b":1,"10":2,"2":3,"a":4}\n{"z":5,"1":6}\n');
    assert.deepEqual(columns, ['2', '10', 'b', 'a', '1', 'z']);
    assert.deepEqual(rows[0]!.cells, cells(3, 2, 1, 4, '', ''));
    assert.deepEqual(rows[1]!.cells, cells('', '', '', '', 6, 5));
  });

  it('agrees with JSON.parse on 20,000 random lines, in random chunk sizes', async () => {
    const rng = new Random(2024);
    const keys = ['a', 'b', 'c', 'x y', 'é', '1', '07', '42', 'q"uote', 'tab\t', '__proto__', ''];
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
    const value = (): string => {
      switch (rng.int(12)) {
        case 0: return String(rng.int(1000) - 500);
        case 1: return JSON.stringify(rng.normal() * 10 ** (rng.int(40) - 20));
        case 2: return `${rng.next() < 0.5 ? '-' : ''}${rng.int(10)}.${rng.int(1e9)}e${pick(['', '+', '-'])}${rng.int(400)}`;
        case 3: return pick(['-0', '0', '1E5', '123456789012345678901', '1.5e-320', '-0.0']);
        case 4: return JSON.stringify(pick(['', 'plain', 'with "quote"', 'tab\tin', 'café', '3', '\u2028', 'back\\slash']));
        case 5: return pick(['true', 'false', 'null']);
        case 6:
          return pick([
            '{}', '[]', '{"n":1}', '[1,2]', '{ "n" : [ 1 , { "x" : "\\u00e9" } ] }', '[[[]],{}]', '["q\\"x", true, false, null, -1.5e3]',
            '{"a":1,"a":2}', '{"2":1,"1":0}', '[1.0, 1e2, 1E400]', '{"é":"ü"}', '[' + '['.repeat(70) + ']'.repeat(70) + ']',
            '[1,]', '{"n":}', '[01]', '{"a":1 "b":2}', '["\\x"]', '["\\u12g4"]', '[1', '{"a"}', '[tru]', '["tab\t"]', '{1:2}', '[.5]',
          ]);
        case 7: return pick(['01', '.5', '+1', '1.', 'tru', 'nul', '"open', 'NaN', '--1', '1e', '"raw\ttab"', '"nul\u0000"']);
        default: return String(rng.int(100) / 8);
      }
    };
    const ws = (): string => pick(['', '', '', ' ', '\t', '  ']);
    let text = '';
    for (let r = 0; r < 20000; r++) {
      const kind = rng.int(40);
      if (kind === 0) text += pick(['', '   ', '[1,2]', '"str"', '42', 'null', '{"a":1', '{"a":1}}', '{"a":1,}', 'garbage']);
      else {
        const n = rng.int(6);
        const fields = Array.from({ length: n }, () => `${ws()}${JSON.stringify(pick(keys))}${ws()}:${ws()}${value()}${ws()}`);
        text += `${ws()}{${fields.join(',')}}${ws()}`;
      }
      text += rng.next() < 0.1 ? '\r\n' : '\n';
    }
    const sizes = Array.from({ length: 16 }, () => 1 + rng.int(3000));
    const auto = await bothPaths(text, sizes);
    assert.ok(auto.paths.fast > 5000 && auto.paths.parse > 5000, JSON.stringify(auto.paths));
    const reasons = new Set(auto.rows.map((r) => r.issue?.reason ?? 'ok'));
    assert.deepEqual([...reasons].sort(), ['invalid-json', 'not-an-object', 'ok']);
  });

  it('reads numbers exactly as JSON.parse does', async () => {
    const rng = new Random(5);
    const nums: string[] = [];
    for (let i = 0; i < 5000; i++) nums.push(JSON.stringify(rng.normal() * 10 ** (rng.int(600) - 300)));
    nums.push('1e400', '-1e400', '4.9e-324', '2e-324', '9007199254740993', '0.1', '-0');
    const { rows } = await bothPaths(nums.map((n) => `{"v":${n}}`).join('\n'));
    rows.forEach((r, i) => {
      const want = JSON.parse(nums[i]!) as number;
      // A number that overflows a double keeps its text, on both paths, for the featurizer to report.
      if (Number.isFinite(want)) assert.ok(Object.is(r.cells[0], want), nums[i]);
      else assert.deepEqual(r.cells[0], { text: nums[i] }, nums[i]);
    });
  });

  it('reads a 10 MB string and survives random binary bytes', async () => {
    const long = 'y'.repeat(10 * 1024 * 1024);
    const { rows } = await bothPaths(`{"s":"${long}","n":1}\n{"n":2}`, [1 << 20]);
    assert.equal((rows[0]!.cells[0] as { text: string }).text.length, long.length);
    assert.deepEqual(rows[1]!.cells, cells('', 2));
    const rng = new Random(3);
    const bytes = Buffer.alloc(50000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    bytes[0] = 0x7b;
    // A NUL byte in the first line: refused as binary from the first bytes.
    await assert.rejects(readJsonl(Buffer.concat([bytes.subarray(0, 1), Buffer.alloc(1), bytes]), false, [777]), /found a NUL byte in the first bytes/);
    // After a first line: bad rows, never a crash.
    bytes[1] = 0x0a;
    const garbage = await bothPaths(bytes, [777]);
    assert.ok(garbage.rows.length > 0 && garbage.rows.every((r) => r.issue !== null));
  });
});

describe('JSONL keys after the consumer named its columns', () => {
  for (const forceParse of [false, true]) {
    it(`are left out, not made columns: batches keep their width (${forceParse ? 'JSON.parse' : 'fast'} path)`, async () => {
      // A new key on every line (ids as keys): before, every line widened the batch, quadratic in the lines.
      const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ a: i % 7, [`k${i}`]: 1, label: i % 2 }));
      const reader = new JsonlReader({ name: 'keys.jsonl', forceParse });
      const batches = reader.batches(stripBom(chunked(Buffer.from(lines.join('\n') + '\n')), 'test'));
      let rows = 0;
      let widest = 0;
      for await (const batch of batches) {
        // As train and predict do once the schema is known (after the first batch here).
        if (rows === 0) reader.readTextOf(['a', 'label']);
        rows += batch.rows;
        widest = Math.max(widest, batch.width);
      }
      assert.equal(rows, 3000);
      // The first line's keys, and the second's, whose new key closed the first batch.
      assert.deepEqual(reader.columns, ['a', 'k0', 'label', 'k1']);
      assert.ok(widest <= 4, `a batch ${widest} columns wide`);
    });
  }
});
