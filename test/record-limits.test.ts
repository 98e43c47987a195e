/**
 * Hostile inputs end in bounded memory: /dev/zero and binary files are refused from their first
 * bytes; a record longer than --max-record-bytes (a gzip bomb of one huge line) is one line of error
 * and exit 1, or a skipped row with --on-error skip. Each run's peak RSS is measured in the child
 * itself (process.resourceUsage at exit), and a watchdog kills a child that grows past a bound.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BIN, jsonLines } from './helpers.js';

let dir: string;
let preload: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-limits-'));
  preload = join(dir, 'peak.mjs');
  // Loaded into the child: its peak RSS (KiB, the worker thread's included), written at exit.
  writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.PEAK_FILE, String(process.resourceUsage().maxRSS)));\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A child grown past this is killed by the watchdog (and the test fails). */
const KILL_AT_MIB = 1024;
/** The bound a refused input must stay within: the 64 MiB default limit, a chunk or two, and Node itself. */
const BOUND_MIB = 320;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  peakMib: number;
  killed: boolean;
}

let runs = 0;
function run(args: string[]): Promise<Result> {
  const peakFile = join(dir, `peak-${runs++}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', preload, BIN, ...args], { env: { ...process.env, NO_COLOR: '1', PEAK_FILE: peakFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const watch = setInterval(() => {
      try {
        const rss = /^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (rss !== null && Number(rss[1]) / 1024 > KILL_AT_MIB) {
          killed = true;
          child.kill('SIGKILL');
        }
      } catch {
        /* gone */
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      const peakMib = existsSync(peakFile) ? Number(readFileSync(peakFile, 'utf8')) / 1024 : Infinity;
      resolve({ code, stdout, stderr, peakMib, killed });
    });
  });
}

function refusedInBoundedMemory(r: Result, message: RegExp): void {
  assert.equal(r.killed, false, `grew past ${KILL_AT_MIB} MiB`);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('inc-learn: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.peakMib < BOUND_MIB, `peak RSS ${Math.round(r.peakMib)} MiB`);
}

/**
 * A gzip file of `lines` lines after `head`, each `mib` MiB of one repeated character: gzip members
 * one after the other (gunzip reads them as one stream), so a gigabyte line takes a megabyte.
 */
function bomb(name: string, head: string, lines: string[], mib: number): string {
  const block = gzipSync(Buffer.alloc(1 << 20, 'a'));
  const parts: Buffer[] = [gzipSync(head)];
  for (const line of lines) {
    parts.push(gzipSync(line.slice(0, line.indexOf('*'))));
    for (let k = 0; k < mib; k++) parts.push(block);
    parts.push(gzipSync(line.slice(line.indexOf('*') + 1)));
  }
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe('inputs that are not records', () => {
  it('/dev/zero: refused from its first bytes', { timeout: 60_000 }, async () => {
    for (const extra of [[], ['--format', 'jsonl'], ['--parse-thread']]) {
      refusedInBoundedMemory(await run(['train', '/dev/zero', ...extra]), /^inc-learn: \/dev\/zero: expected text \(CSV or JSON lines\), found a NUL byte/);
    }
  });

  it('a binary file with a data name: refused from its first bytes', { timeout: 60_000 }, async () => {
    const png = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(40 << 20, 7)]);
    for (const name of ['image.csv', 'image.jsonl']) {
      writeFileSync(join(dir, name), png);
      refusedInBoundedMemory(await run(['train', join(dir, name)]), new RegExp(`^inc-learn: ${join(dir, name)}: expected text .*NUL byte`));
    }
  });
});

describe('--max-record-bytes', () => {
  it('a gzip bomb of one 1 GiB line: one line of error, exit 1, bounded memory', { timeout: 120_000 }, async () => {
    const jsonl = bomb('one-line.jsonl.gz', '', ['{"x": "*"}\n'], 1024);
    refusedInBoundedMemory(await run(['train', jsonl]), /^inc-learn: .*one-line\.jsonl\.gz:1: expected a line of at most 64 MiB \(--max-record-bytes\), found a longer one/);
    const csv = bomb('one-line.csv.gz', 'x,label\n', ['*,1\n'], 1024);
    refusedInBoundedMemory(await run(['train', csv, '--parse-thread']), /^inc-learn: .*one-line\.csv\.gz:2: expected a record of at most 64 MiB/);
    const header = bomb('header.csv.gz', '', ['x*,label\n'], 1024);
    refusedInBoundedMemory(await run(['train', header]), /^inc-learn: .*header\.csv\.gz:1: expected the header of at most 64 MiB/);
  });

  for (const format of ['csv', 'jsonl']) {
    for (const thread of ['--parse-thread', '--no-parse-thread']) {
      it(`${format}: --on-error skip skips a long record and learns the rest (${thread})`, { timeout: 60_000 }, async () => {
        const good = (i: number): string => (format === 'csv' ? `${i % 7},${i % 2}\n` : `{"x": ${i % 7}, "label": ${i % 2}}\n`);
        const before = Array.from({ length: 30 }, (_, i) => good(i)).join('');
        const after = Array.from({ length: 20 }, (_, i) => good(i)).join('');
        const long = format === 'csv' ? `${before}*,1\n${after}` : `${before}{"x": "*", "label": 1}\n${after}`;
        const path = bomb(`skip-${format}${thread}.${format}.gz`, format === 'csv' ? 'x,label\n' : '', [long], 3);
        const r = await run(['train', path, '--json', '-q', '--max-record-bytes', String(1 << 20), '--on-error', 'skip', thread]);
        assert.equal(r.code, 0, r.stderr);
        const summary = jsonLines(r.stdout).at(-1)!;
        assert.equal(summary.rows, 51);
        assert.equal(summary.skipped, 1);
        assert.deepEqual(summary.skipped_by_reason, { 'record-too-long': 1 });
        const line = format === 'csv' ? 32 : 31;
        assert.equal((summary.skipped_examples as { line: number }[])[0]!.line, line, 'the long record keeps its line number, and the ones after it theirs');
        // Fails there without skip.
        const failed = await run(['train', path, '-q', '--max-record-bytes', String(1 << 20), thread]);
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, new RegExp(`:${line}: expected a ${format === 'csv' ? 'record' : 'line'} of at most 1 MiB`));
      });
    }
  }

  it('is checked as a usage error', async () => {
    const r = await run(['train', '/dev/null', '--max-record-bytes', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-record-bytes must be an integer >= 1/);
  });
});
