/** The reader thread gives exactly the batches the in-thread reader gives. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/errors.js';
import { openSource } from '../src/io/source.js';
import { startReaderThreadFor, stopUnusedReaderThread } from '../src/io/reader-thread.js';
import { openInputSource, openThreadedSource } from '../src/io/threaded.js';
import type { RecordBatch, Source } from '../src/io/types.js';
import { BIN, ROOT, jsonLines, unreadInPipe } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-threaded-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every cell of every batch of one pass, as plain data, with the stream's columns at the end. */
async function readAll(source: Source): Promise<unknown> {
  const stream = source.open();
  const rows: unknown[] = [];
  for await (const b of stream) rows.push(plain(b));
  return { rows, columns: [...stream.columns] };
}

function plain(b: RecordBatch): unknown {
  return { rows: b.rows, width: b.width, values: Array.from(b.values), text: [...b.text], line: Array.from(b.line), issues: b.issues };
}

const options = { header: true, delimiter: ',' };

describe('the reader thread', () => {
  it('yields the same batches as the in-thread reader, pass after pass', async () => {
    const lines = ['a,b,label'];
    for (let i = 0; i < 20000; i++) lines.push(i % 997 === 0 ? `"${i}, quoted",x,1` : i % 1009 === 0 ? `${i},2` : `${i / 7},${i % 13 === 0 ? 'NA' : -i},${i % 2}`);
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, lines.join('\n'));
    const jsonl = join(dir, 'grow.jsonl');
    writeFileSync(jsonl, Array.from({ length: 9000 }, (_, i) => JSON.stringify(i > 5000 ? { x: i, y: 'a', z: i / 3 } : { x: i, y: i % 3 === 0 ? null : 'b' })).join('\n'));
    for (const path of [file, jsonl]) {
      const plainSource = await openSource({ ...options, path });
      const threaded = await openThreadedSource({ ...options, path });
      try {
        const expected = await readAll(plainSource);
        assert.deepEqual(await readAll(threaded), expected);
        assert.deepEqual(await readAll(threaded), expected, 'second pass');
      } finally {
        await plainSource.close();
        await threaded.close();
      }
    }
  });

  it('can be started before the command line is parsed, and is then used or stopped', async () => {
    const file = join(dir, 'early.csv');
    writeFileSync(file, 'x,y,label\n' + Array.from({ length: 30000 }, (_, i) => `${i / 3},${i % 7},${i % 2}`).join('\n'));
    // Small files, other commands, help and --no-parse-thread start nothing.
    for (const args of [['train', file], ['generate', 'sea'], ['train', file, '--parse-thread', '--help'], ['train', file, '--no-parse-thread'], ['train', join(dir, 'missing.csv'), '--parse-thread']]) {
      assert.equal(startReaderThreadFor(args), false, args.join(' '));
    }
    // Started early, then taken by the source that the parsed options ask for: the same batches.
    assert.equal(startReaderThreadFor(['train', file, '--parse-thread', '--epochs', '2']), true);
    const early = await openInputSource(true, { ...options, path: file });
    const plainSource = await openSource({ ...options, path: file });
    try {
      // The early one was taken: another can be started (only one waits at a time).
      assert.equal(startReaderThreadFor(['train', file, '--parse-thread']), true);
      await stopUnusedReaderThread();
      assert.deepEqual(await readAll(early), await readAll(plainSource));
    } finally {
      await early.close();
      await plainSource.close();
    }
    // Started early, then not wanted: stopped, and the input is read in this thread.
    assert.equal(startReaderThreadFor(['train', file, '--parse-thread']), true);
    const unthreaded = await openInputSource(false, { ...options, path: file });
    await stopUnusedReaderThread();
    assert.equal(startReaderThreadFor(['train', file, '--parse-thread']), true, 'nothing is left over from the unused one');
    await stopUnusedReaderThread();
    await unthreaded.close();
  });

  it('can abandon a pass and start another', async () => {
    const file = join(dir, 'long.csv');
    writeFileSync(file, 'x,y\n' + Array.from({ length: 50000 }, (_, i) => `${i},${i % 2}`).join('\n'));
    const threaded = await openThreadedSource({ ...options, path: file });
    try {
      const iterator = threaded.open()[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      await iterator.return!();
      let rows = 0;
      for await (const b of threaded.open()) rows += b.rows;
      assert.equal(rows, 50000);
    } finally {
      await threaded.close();
    }
  });

  it('reports unreadable input with the same errors', async () => {
    await assert.rejects(openThreadedSource({ ...options, path: join(dir, 'missing.csv') }), (e: unknown) => e instanceof DataError && /missing\.csv: no such file/.test(e.message));
    const truncated = join(dir, 'cut.csv.gz');
    const gz = gzipSync('a,b\n' + Array.from({ length: 20000 }, (_, i) => `${i},${i}`).join('\n'));
    writeFileSync(truncated, gz.subarray(0, gz.length >> 1));
    const threaded = await openThreadedSource({ ...options, path: truncated });
    try {
      await assert.rejects(readAll(threaded), (e: unknown) => e instanceof DataError && /truncated or corrupt gzip/.test(e.message));
    } finally {
      await threaded.close();
    }
  });

  it('--parse-thread reads a file and stdin from a real shell pipe with the same results as the plain reader', async () => {
    const file = `${ROOT}datasets/sea_drift.csv`;
    const run = (command: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn('bash', ['-c', command], { env: { ...process.env, NO_COLOR: '1' } });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command}: exit ${code}`))));
      });
    const strip = (out: string) => jsonLines(out).filter((e) => e.event === 'epoch').map(({ rows_per_sec: _r, elapsed_ms: _e, ...rest }) => rest);
    const fromPipe = await run(`cat '${file}' | '${process.execPath}' '${BIN}' train - --json --epochs 2 --parse-thread`);
    const fromThreadedFile = await run(`'${process.execPath}' '${BIN}' train '${file}' --json --epochs 2 --parse-thread`);
    const fromFile = await run(`'${process.execPath}' '${BIN}' train '${file}' --json --epochs 2`);
    assert.deepEqual(strip(fromPipe), strip(fromFile));
    assert.deepEqual(strip(fromThreadedFile), strip(fromFile));
  });

  it('stops at Ctrl-C on an idle pipe: the reader thread does not hold the process', { timeout: 20000 }, async () => {
    // A FIFO this test keeps open for writing: after five rows it stays silent, like `tail -f`.
    const fifo = join(dir, 'idle.fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR);
    try {
      writeFileSync(fd, readFileSync(`${ROOT}datasets/sea_drift.csv`, 'utf8').split('\n').slice(0, 6).join('\n') + '\n');
      const child = spawn(process.execPath, [BIN, 'train', '-', '--parse-thread', '--json'], { stdio: [fd, 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Once the run has taken the five rows, its handlers are in place and the reader waits on the pipe.
      while (unreadInPipe(fifo) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalled = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      const elapsed = Date.now() - signalled;
      assert.equal(code, 130);
      assert.ok(elapsed < 5000, `it took ${elapsed} ms to stop, as if waiting for the pipe to close`);
    } finally {
      closeSync(fd);
    }
  });
});
