/**
 * --on-drift reset: when the drift detector fires, the learner is replaced by a fresh one and the
 * evaluation goes on. In this process, on a generated stream with one abrupt change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runConfig, type RawOptions } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { readCheckpoint } from '../src/persist/store.js';
import { driftLine } from '../src/report/table.js';
import type { DriftEvent } from '../src/run/events.js';
import { generate } from '../src/synth/generators.js';
import { runCli } from './helpers.js';
import { trainEvents, type Event } from './train-events.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-on-drift-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 6000;
const CHANGE = 3000;

/** Rows [from, to) of a STAGGER stream whose concept changes abruptly at row 3000, as a CSV file. */
function stream(from = 0, to = ROWS): string {
  const spec = generate('stagger', { rows: ROWS, seed: 2, noise: 0, fullPrecision: false, concepts: [1, 2], driftAt: [CHANGE] });
  const cells = new Array<string>(spec.columns.length).fill('');
  const lines = [spec.columns.join(',')];
  for (let i = 0; i < to; i++) {
    spec.row(i, cells);
    if (i >= from) lines.push(cells.join(','));
  }
  const path = join(dir, `stagger-${from}-${to}.csv`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** The events of a run in this process, with a report every 1000 rows. */
const run = (path: string, options: RawOptions, save?: { dir: string; resume?: string }): Promise<Event[]> => trainEvents(path, options, save, { reportEvery: 1000 });

/** The accuracy over rows [from, to) of the stream, from the reports' cumulative accuracies. */
function accuracyBetween(events: Event[], from: number, to: number, model?: string): number {
  const correct = (rows: number): number => {
    const r = events.find((e) => e.event === 'report' && e.rows === rows && e.model === model);
    assert.ok(r, `a report at row ${rows}`);
    return r.accuracy * rows;
  };
  return (correct(to) - correct(from)) / (to - from);
}

describe('--on-drift reset', () => {
  it('after an abrupt change, a reset learner is more accurate over the next 1000 rows than one that goes on; alone and side by side', async () => {
    const path = stream();
    const model = 'nb';
    const plain = await run(path, { model, drift: 'adwin' });
    const reset = await run(path, { model, drift: 'adwin', onDrift: 'reset' });
    const drifts = reset.filter((e) => e.event === 'drift');
    assert.ok(drifts.some((d) => d.stream_rows > CHANGE && d.stream_rows < CHANGE + 500), `${model}: the change is detected`);
    assert.ok(drifts.every((d) => d.action === 'reset'));
    assert.ok(plain.filter((e) => e.event === 'drift').every((d) => d.action === undefined));
    const [before, after] = [accuracyBetween(plain, CHANGE, CHANGE + 1000), accuracyBetween(reset, CHANGE, CHANGE + 1000)];
    assert.ok(after > before, `${model}: ${after} with a reset, ${before} without`);
    // The evaluation goes on: the cumulative metrics count every row, before and after the resets.
    const summary = reset.at(-1)!;
    assert.equal(summary.evaluated, ROWS);
    assert.equal(summary.drifts, drifts.length);
    // Side by side, each learner has its own detector and is reset on its own drifts, as alone.
    const side = await run(path, { model: 'nb,linear', drift: 'adwin', onDrift: 'reset' });
    const mine = (kind: string, events: Event[], name?: string): Event[] => events.filter((e) => e.event === kind && e.model === name).map(({ model: _m, ...rest }) => rest);
    for (const name of ['nb', 'linear']) {
      const alone = name === model ? reset : await run(path, { model: name, drift: 'adwin', onDrift: 'reset' });
      for (const kind of ['drift', 'report', 'epoch']) assert.deepEqual(mine(kind, side, name), mine(kind, alone), `${name}: ${kind}`);
    }
  });

  it('resuming continues exactly, also when the checkpoint falls right after the row that fired, and predict --learn resets alike', async () => {
    const whole = stream();
    const options = { model: 'nb', drift: 'adwin', onDrift: 'reset' };
    const events = await run(whole, options, { dir: join(dir, 'whole') });
    const fired = events.filter((e) => e.event === 'drift').map((e) => e.stream_rows as number);
    assert.ok(fired.length >= 2);
    const a = await readCheckpoint(join(dir, 'whole'));
    // The first part ends on the row a drift fired on, or some rows after it.
    for (const split of [fired[1]!, fired[1]! + 77]) {
      await run(stream(0, split), options, { dir: join(dir, `first-${split}`) });
      await run(stream(split, ROWS), options, { dir: join(dir, `resumed-${split}`), resume: join(dir, `first-${split}`) });
      const b = await readCheckpoint(join(dir, `resumed-${split}`));
      for (const key of ['learner', 'random', 'evaluator', 'evaluation', 'counts'] as const) assert.deepEqual(b.state[key], a.state[key], `split at ${split}: ${key}`);
    }
    // predict --learn from the same checkpoint resets as train --resume does.
    const split = fired[1]!;
    const r = await runCli(['predict', '--model', join(dir, `first-${split}`), '--learn', stream(split, ROWS), '--save', join(dir, 'predicted')]);
    assert.equal(r.code, 0, r.stderr);
    const p = await readCheckpoint(join(dir, 'predicted'));
    for (const key of ['learner', 'random', 'evaluator', 'evaluation'] as const) assert.deepEqual(p.state[key], a.state[key], `predict --learn: ${key}`);
    // Each change train found after the split is reported by predict --learn too, on stderr, its row
    // counted from predict's first (a long-running predict drains them: it used to keep every one).
    const later = events.filter((e) => e.event === 'drift' && e.stream_rows > split) as DriftEvent[];
    assert.ok(later.length >= 1);
    assert.deepEqual(
      r.stderr.split('\n').filter((l) => l.includes('drift (')),
      later.map((e) => driftLine({ ...e, rows: e.stream_rows - split })),
    );
    assert.match(r.stderr, new RegExp(`, ${later.length} drifts? detected in `));
  });

  it('with --delay: the learner is replaced before the next label is learned, and a resumed run continues exactly', async () => {
    const options = { model: 'nb', drift: 'adwin', onDrift: 'reset', delay: '20' };
    const events = await run(stream(), options, { dir: join(dir, 'delayed-whole') });
    const fired = events.filter((e) => e.event === 'drift').map((e) => e.stream_rows as number);
    assert.ok(fired.some((row) => row > CHANGE) && events.filter((e) => e.event === 'drift').every((d) => d.action === 'reset'));
    // Split where the row that fired has just had its label: 20 rows after it arrived.
    const split = fired.find((row) => row > CHANGE)! + 20;
    await run(stream(0, split), options, { dir: join(dir, 'delayed-first') });
    await run(stream(split, ROWS), options, { dir: join(dir, 'delayed-resumed'), resume: join(dir, 'delayed-first') });
    const [a, b] = await Promise.all([readCheckpoint(join(dir, 'delayed-whole')), readCheckpoint(join(dir, 'delayed-resumed'))]);
    for (const key of ['learner', 'random', 'evaluator', 'evaluation', 'counts', 'carried'] as const) assert.deepEqual(b.state[key], a.state[key], key);
  });

  it('needs a detector', () => {
    assert.throws(() => runConfig(stream(0, 10), { onDrift: 'reset' }), (e: unknown) => e instanceof UsageError && /--on-drift reset acts when a drift detector fires: add --drift adwin, ddm or ph/.test(e.message));
    assert.throws(() => runConfig(stream(0, 10), { drift: 'adwin', onDrift: 'restart' }), UsageError);
  });
});
