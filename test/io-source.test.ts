/** openSource: files and stdin, gzip by magic, format by name or sniffing, passes, spool, errors. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, fstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/errors.js';
import { openSource, type OpenSourceOptions } from '../src/io/source.js';
import type { Source } from '../src/io/types.js';
import { cells, readStream } from './io-helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-io-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CSV = 'x,y,label\n' + Array.from({ length: 5000 }, (_, i) => `${i / 8},${(i * 7) % 13},${i % 2}`).join('\n') + '\n';

function file(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

async function open(path: string, more: Partial<OpenSourceOptions> = {}): Promise<Source> {
  return openSource({ path, header: true, delimiter: ',', ...more });
}

async function readAll(path: string, more: Partial<OpenSourceOptions> = {}) {
  const source = await open(path, more);
  try {
    const stream = source.open();
    const read = await readStream(stream);
    return { ...read, format: source.format, bytesRead: stream.bytesRead, totalBytes: source.totalBytes };
  } finally {
    await source.close();
  }
}

function isDataError(message: string | RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

describe('openSource: gzip by magic bytes', () => {
  it('reads a .gz copy, a gzip named .csv and a plain file named .gz alike', async () => {
    const plain = await readAll(file('plain.csv', CSV));
    assert.equal(plain.rows.length, 5000);
    assert.equal(plain.bytesRead, Buffer.byteLength(CSV));
    assert.equal(plain.totalBytes, Buffer.byteLength(CSV));
    const gz = gzipSync(CSV);
    const copy = await readAll(file('copy.csv.gz', gz));
    assert.deepEqual(copy.rows, plain.rows);
    assert.equal(copy.bytesRead, gz.length, 'progress counts compressed bytes');
    assert.equal(copy.totalBytes, gz.length);
    assert.deepEqual((await readAll(file('secretly-gzip.csv', gz))).rows, plain.rows);
    assert.deepEqual((await readAll(file('not-really.csv.gz', CSV))).rows, plain.rows);
  });

  it('turns truncated or corrupt gzip data into a DataError', async () => {
    const gz = gzipSync(CSV);
    const truncated = file('truncated.csv.gz', gz.subarray(0, gz.length - 100));
    await assert.rejects(readAll(truncated), isDataError(`${truncated}: truncated or corrupt gzip data`));
    const corrupt = Buffer.from(gz);
    for (let i = 20; i < corrupt.length - 20; i += 7) corrupt[i]! ^= 0x5a;
    const bad = file('corrupt.csv.gz', corrupt);
    await assert.rejects(readAll(bad), isDataError(`${bad}: truncated or corrupt gzip data`));
  });
});

describe('openSource: format', () => {
  it('takes the format from the name, looking through .gz', async () => {
    const jsonl = '{"a":1}\n{"a":2}\n';
    for (const name of ['d.jsonl', 'd.ndjson', 'd.json', 'd.JSONL.gz']) {
      const r = await readAll(file(name, name.endsWith('.gz') ? gzipSync(jsonl) : jsonl));
      assert.equal(r.format, 'jsonl', name);
      assert.equal(r.rows.length, 2, name);
    }
  });

  it('sniffs the first significant byte when the name says nothing, through gzip too', async () => {
    assert.equal((await readAll(file('noext', '\n  \r\n{"a":1}\n'))).format, 'jsonl');
    assert.equal((await readAll(file('arr.txt', '[1]\n'))).format, 'jsonl');
    assert.equal((await readAll(file('data.txt', 'a,b\n1,2\n'))).format, 'csv');
    assert.equal((await readAll(file('empty', ''))).format, 'csv');
    assert.equal((await readAll(file('bom', '\uFEFF{"a":1}\n'))).format, 'jsonl');
    const gz = await readAll(file('zipped', gzipSync('{"a":1}\n')));
    assert.equal(gz.format, 'jsonl');
    assert.deepEqual(gz.rows[0]!.cells, cells(1));
  });

  it('lets a forced format win over the name', async () => {
    const r = await readAll(file('mislabelled.csv', '{"a":1}\n'), { format: 'jsonl' });
    assert.equal(r.format, 'jsonl');
    assert.deepEqual(r.columns, ['a']);
  });

  it('reads .tsv with tabs unless a delimiter was chosen', async () => {
    const tsv = file('t.tsv', 'a\tb\n1\t2\n');
    assert.deepEqual((await readAll(tsv)).rows[0]!.cells, cells(1, 2));
    assert.deepEqual((await readAll(tsv, { delimiter: ',', delimiterExplicit: false })).rows[0]!.cells, cells(1, 2));
    const semi = file('s.tsv', 'a;b\n1;2\n');
    assert.deepEqual((await readAll(semi, { delimiter: ';' })).rows[0]!.cells, cells(1, 2));
    assert.deepEqual((await readAll(tsv, { delimiter: ',', delimiterExplicit: true })).rows[0]!.cells, cells('1\t2'));
  });
});

describe('openSource: passes', () => {
  it('starts a new pass on every open() of a file', async () => {
    const source = await open(file('passes.csv', CSV));
    try {
      const first = await readStream(source.open());
      const second = await readStream(source.open());
      assert.equal(first.rows.length, 5000);
      assert.deepEqual(second, first);
    } finally {
      await source.close();
    }
  });

  it('spools stdin during the first pass, in a file without a name, and replays it; close() frees it', async () => {
    const gz = gzipSync(CSV.slice(0, -1)); // ends in the middle of a line: still a record
    const chunks = [gz.subarray(0, 1), gz.subarray(1, 100), gz.subarray(100)];
    const source = (await open('-', { stdin: Readable.from(chunks) })) as Source & { spoolDescriptor?: number };
    assert.equal(source.name, 'stdin');
    assert.equal(source.totalBytes, undefined);
    assert.equal(source.format, 'csv');
    const spool = source.spoolDescriptor!;
    assert.equal(fstatSync(spool).nlink, 0, 'unlinked at once: no exit path can leave it behind');
    const first = await readStream(source.open());
    assert.equal(first.rows.length, 5000);
    assert.deepEqual(first.rows[4999]!.cells, cells(4999 / 8, (4999 * 7) % 13, 1));
    assert.equal(fstatSync(spool).size, Buffer.byteLength(CSV) - 1, 'the spool holds the decompressed bytes');
    const second = await readStream(source.open());
    assert.deepEqual(second, first);
    await source.close();
    assert.equal(source.spoolDescriptor, undefined, 'closed');
    await source.close();
  });

  it('does not spool an input read once', async () => {
    const source = (await open('-', { stdin: Readable.from([Buffer.from(CSV)]), once: true })) as Source & { spoolDescriptor?: number };
    try {
      assert.equal(source.spoolDescriptor, undefined);
      assert.equal((await readStream(source.open())).rows.length, 5000);
    } finally {
      await source.close();
    }
  });

  it('lets a later pass finish what an abandoned first pass did not read', async () => {
    const source = await open('-', { stdin: Readable.from([Buffer.from(CSV.slice(0, 1000)), Buffer.from(CSV.slice(1000))]) });
    try {
      for await (const batch of source.open()) {
        assert.ok(batch.rows > 0);
        break;
      }
      const full = await readStream(source.open());
      assert.equal(full.rows.length, 5000);
      assert.deepEqual(full, await readStream(source.open()));
    } finally {
      await source.close();
    }
  });

  it('reads real stdin in a child process, twice, and leaves nothing in the temporary directory', async () => {
    const moduleUrl = new URL('../src/io/source.js', import.meta.url).href;
    const script = `
      import { openSource } from ${JSON.stringify(moduleUrl)};
      const source = await openSource({ path: '-', header: true, delimiter: ',' });
      const counts = [];
      for (let pass = 0; pass < 2; pass++) {
        let rows = 0, sum = 0;
        for await (const b of source.open()) { rows += b.rows; for (const v of b.values) sum += v; }
        counts.push([rows, sum]);
      }
      process.stdout.write(JSON.stringify({ counts, format: source.format, spool: source.spoolDescriptor }));`;
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.write('{"x":1,"y":2}\n');
    child.stdin.end('{"x":3,"y":4}');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    const result = JSON.parse(out) as { counts: number[][]; format: string; spool: number };
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(result.counts, [[2, 10], [2, 10]]);
    assert.ok(result.spool > 2, 'spooled');
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('openSource: errors', () => {
  it('reports a missing file, a directory and an unreadable file as one-line DataErrors', async () => {
    const missing = join(dir, 'missing.csv');
    await assert.rejects(open(missing), isDataError(`${missing}: no such file`));
    const sub = join(dir, 'subdir');
    mkdirSync(sub);
    await assert.rejects(open(sub), isDataError(`${sub}: is a directory, expected a file`));
    await assert.rejects(open(join(dir, 'plain.csv', 'x')), isDataError(/: no such file/));
  });

  it('reports permission denied', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, async () => {
    const locked = file('locked.csv', 'a\n1\n');
    chmodSync(locked, 0o000);
    await assert.rejects(open(locked), isDataError(`${locked}: permission denied`));
  });

  it('reports a file that disappears between passes', async () => {
    const path = file('vanishing.csv', CSV);
    const source = await open(path);
    try {
      await readStream(source.open());
      rmSync(path);
      await assert.rejects(readStream(source.open()), isDataError(`${path}: no such file`));
    } finally {
      await source.close();
    }
  });
});
