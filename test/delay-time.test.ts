/**
 * A time-based delay (--delay-column COL --delay-seconds S): a row's label arrives once a row whose
 * time is at least its own plus S has arrived. In this process, on small generated streams.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runConfig, type RawOptions } from '../src/cli/options.js';
import { DataError, UsageError } from '../src/errors.js';
import { readCheckpoint } from '../src/persist/store.js';
import { secondsOf } from '../src/run/delay.js';
import { generate } from '../src/synth/generators.js';
import { trainEvents, type Event } from './train-events.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-delay-time-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 800;

/** Rows [from, to) of a SEA stream with a first column `t`, row i's time given by `time(i)`, as a CSV file. */
function stream(name: string, time: (i: number) => string, from = 0, to = ROWS): string {
  const spec = generate('sea', { rows: ROWS, seed: 4, noise: 0.1, fullPrecision: true });
  const cells = new Array<string>(spec.columns.length).fill('');
  const lines = [['t', ...spec.columns].join(',')];
  for (let i = 0; i < to; i++) {
    spec.row(i, cells);
    if (i >= from) lines.push([time(i), ...cells].join(','));
  }
  const path = join(dir, `${name}-${from}-${to}.csv`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** The events of a run in this process after the start event, the times' column left out of the features. */
async function run(path: string, options: RawOptions, save?: { dir: string; resume?: string }): Promise<Event[]> {
  return (await trainEvents(path, { ignore: 't', ...options }, save)).filter((e) => e.event !== 'start');
}

describe('--delay-column, --delay-seconds', () => {
  it('one row a second: S seconds is the row delay of ceil(S) rows, in seconds or in ISO-8601 date-times, epoch after epoch; S = 0 is no delay', async () => {
    const seconds = stream('seconds', (i) => String(1_700_000_000 + i));
    const iso = stream('iso', (i) => new Date(Date.UTC(2024, 2, 19, 17, 0, i)).toISOString().replace('.000Z', i % 2 === 0 ? 'Z' : '+00:00'));
    for (const sampler of ['all', 'shuffle']) {
      const rows = await run(seconds, { sampler, delay: '25', epochs: '2' });
      assert.deepEqual(await run(seconds, { sampler, delayColumn: 't', delaySeconds: '24.5', epochs: '2' }), rows, sampler);
      assert.deepEqual(await run(iso, { sampler, delayColumn: 't', delaySeconds: '25', epochs: '2' }), rows, sampler);
      assert.deepEqual(await run(seconds, { sampler, delayColumn: 't', delaySeconds: '0' }), await run(seconds, { sampler }), sampler);
    }
  });

  it('rows that come in bursts: each label arrives with the first row at least S seconds later', async () => {
    // Ten rows share each second: with S = 1, a row's label arrives with the first row of the next
    // second, so the first ten rows are all predicted by the untrained model (p = 1/2), and the
    // last ten rows' labels arrive at the end of the input.
    const bursts = stream('bursts', (i) => String(Math.floor(i / 10)));
    const events = await run(bursts, { delayColumn: 't', delaySeconds: '1', window: '10', epochs: '1' }, undefined);
    const epoch = events.find((e) => e.event === 'epoch')!;
    assert.equal(epoch['trained'], ROWS);
    assert.equal(epoch['evaluated'], ROWS);
    const first = await run(stream('first-ten', (i) => String(Math.floor(i / 10)), 0, 10), { delayColumn: 't', delaySeconds: '1' });
    assert.ok(Math.abs((first.find((e) => e.event === 'epoch')!['loss'] as number) - Math.LN2) < 1e-12);
  });

  it('resuming with rows in flight continues exactly', async () => {
    const time = (i: number): string => String(1000 + i + (i % 7) / 10);
    const options = { delayColumn: 't', delaySeconds: '9', sampler: 'window', bufferSize: '30' };
    await run(stream('whole', time), options, { dir: join(dir, 'whole') });
    await run(stream('part', time, 0, 370), options, { dir: join(dir, 'first') });
    const first = await readCheckpoint(join(dir, 'first'));
    assert.ok(first.state.carried.delayed!.rows > 5);
    assert.equal(first.state.carried.delayed!.now, Number(time(369)));
    await run(stream('part', time, 370, ROWS), options, { dir: join(dir, 'resumed'), resume: join(dir, 'first') });
    const [a, b] = await Promise.all([readCheckpoint(join(dir, 'whole')), readCheckpoint(join(dir, 'resumed'))]);
    for (const key of ['learner', 'sampler', 'featurizer', 'evaluator', 'evaluation', 'counts', 'carried'] as const) assert.deepEqual(b.state[key], a.state[key], key);
  });

  it('refuses times that go back, rows without a time, and more waiting rows than --delay-max-rows, naming where', async () => {
    const back = stream('back', (i) => String(i === 300 ? 100 : i));
    await assert.rejects(run(back, { delayColumn: 't', delaySeconds: '5' }), (e: unknown) => e instanceof DataError && e.message === `${back}:302: field "t": time 100 is earlier than the row before's (299): --delay-seconds needs the rows in time order`);
    const none = stream('none', (i) => (i === 40 ? 'soon' : String(i)));
    await assert.rejects(run(none, { delayColumn: 't', delaySeconds: '5' }), (e: unknown) => e instanceof DataError && e.message.startsWith(`${none}:42: field "t": expected a time for --delay-seconds`));
    const skipped = (await run(none, { delayColumn: 't', delaySeconds: '5', onError: 'skip' })).at(-1)!;
    assert.deepEqual(skipped['skipped_by_reason'], { 'bad-time': 1 });
    const slow = stream('slow', (i) => String(i));
    await assert.rejects(run(slow, { delayColumn: 't', delaySeconds: '100', delayMaxRows: '64' }), (e: unknown) => e instanceof DataError && /row 65 of the stream: more than --delay-max-rows 64 rows would wait for their label/.test(e.message));
    assert.throws(() => runConfig(slow, { delayColumn: 't' }), UsageError);
    assert.throws(() => runConfig(slow, { delayColumn: 't', delaySeconds: '5', delay: '3' }), UsageError);
    await assert.rejects(run(slow, { delayColumn: 'when', delaySeconds: '5' }), (e: unknown) => e instanceof UsageError && /--delay-column when: the input has no such column/.test(e.message));
  });

  it('reads times in seconds and ISO-8601 date-times (UTC unless a zone is given)', () => {
    assert.equal(secondsOf('1700000000.5'), 1700000000.5);
    assert.equal(secondsOf('2024-03-19'), Date.UTC(2024, 2, 19) / 1000);
    assert.equal(secondsOf('2024-03-19 17:00:07'), Date.UTC(2024, 2, 19, 17, 0, 7) / 1000);
    assert.equal(secondsOf('2024-03-19T17:00:07.25+02:00'), Date.UTC(2024, 2, 19, 15, 0, 7) / 1000 + 0.25);
    for (const bad of ['', 'soon', '2024-13-01', '19/03/2024']) assert.ok(Number.isNaN(secondsOf(bad)), bad);
  });
});
