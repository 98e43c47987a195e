/**
 * Every epoch reads the same rows: the same data as CSV and as JSON lines gives identical events in
 * every epoch (text and numeric labels, categorical features), with and without the reader thread.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Random } from '../src/util/random.js';
import { jsonLines, runCli } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-epochs-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The same rows as CSV and as JSON lines; `label` is text (yes/no) or a number (0/1). */
function writeBoth(name: string, rows: number, textLabel: boolean): { csv: string; jsonl: string } {
  const random = new Random(11);
  const colors = ['red', 'green', 'blue'];
  const csv = ['x,color,size,label'];
  const jsonl: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Math.round(random.next() * 1000) / 100;
    const color = colors[Math.floor(random.next() * 3)]!;
    const size = ['s', 'm', 'l'][i % 3]!;
    const positive = (color === 'red' ? 2 : 0) + x > 5;
    const label = textLabel ? (positive ? 'yes' : 'no') : positive ? 1 : 0;
    csv.push(`${x},${color},${size},${label}`);
    jsonl.push(JSON.stringify({ x, color, size, label }));
  }
  const paths = { csv: join(dir, `${name}.csv`), jsonl: join(dir, `${name}.jsonl`) };
  writeFileSync(paths.csv, csv.join('\n') + '\n');
  writeFileSync(paths.jsonl, jsonl.join('\n') + '\n');
  return paths;
}

/** The epoch and summary events, without the timings and the process's memory. */
async function events(file: string, extra: string[]): Promise<unknown[]> {
  const { code, stdout, stderr } = await runCli(['train', file, '--json', '--quiet', '--epochs', '3', ...extra]);
  assert.equal(code, 0, stderr);
  return jsonLines(stdout)
    .filter((e) => e.event === 'epoch' || e.event === 'summary')
    .map(({ elapsed_ms: _e, rows_per_sec: _r, peak_rss_bytes: _m, ...rest }) => rest);
}

describe('epochs after the first', () => {
  for (const textLabel of [true, false]) {
    for (const thread of ['--parse-thread', '--no-parse-thread']) {
      it(`read the same rows from CSV and JSON lines (${textLabel ? 'text' : 'numeric'} label, ${thread})`, async () => {
        const { csv, jsonl } = writeBoth(`rows-${textLabel}`, 300, textLabel);
        const fromCsv = await events(csv, [thread]);
        const fromJsonl = await events(jsonl, [thread]);
        assert.deepEqual(fromJsonl, fromCsv);
        const summary = fromCsv.at(-1) as { classes: string[]; epochs: number };
        assert.equal(summary.epochs, 3);
        assert.deepEqual([...summary.classes].sort(), textLabel ? ['no', 'yes'] : ['0', '1']);
        // Each epoch scores every row the same way it read it: the first epoch's row count, thrice.
        const epochs = fromCsv.filter((e) => (e as { event: string }).event === 'epoch') as { rows: number; skipped: number }[];
        assert.deepEqual(epochs.map((e) => [e.rows, e.skipped]), [[300, 0], [300, 0], [300, 0]]);
      });
    }
  }
});
