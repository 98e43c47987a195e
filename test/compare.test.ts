/**
 * Several learners side by side (--model a,b): one pass reads and featurizes each row once and
 * offers it to every learner, each with its own sampler and evaluation. Each learner's results
 * equal those of its run alone, to the last digit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contenderConfigs, runConfig } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { Random } from '../src/util/random.js';
import { cliOk, jsonLines, runCli } from './helpers.js';

let dir: string;
let data: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-compare-'));
  // Two numbers, a category whose values keep arriving, and a third class from row 600 on: the
  // learners grow (new one-hot slots, a new class) in the middle of the stream.
  const random = new Random(11);
  const lines = ['x1,x2,colour,label'];
  for (let i = 0; i < 1500; i++) {
    const x1 = random.next() * 4 - 2;
    const x2 = random.next() * 4 - 2;
    const colour = `c${Math.floor(random.next() * Math.min(8, 1 + i / 150))}`;
    let label = x1 + 0.5 * x2 > 0 ? 'a' : 'b';
    if (i >= 600 && x2 > 1) label = 'c';
    if (random.next() < 0.1) label = random.next() < 0.5 ? 'a' : 'b';
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${colour},${label}`);
  }
  data = join(dir, 'grow.csv');
  writeFileSync(data, lines.join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Fields that are measured times, which differ from run to run. */
const TIMES = new Set(['elapsed_ms', 'rows_per_sec', 'learner_ms', 'learner_rows_per_sec']);

/** A learner's events, without its name and the times: what must equal its run alone. */
function comparable(events: Record<string, unknown>[], model?: string): Record<string, unknown>[] {
  return events
    .filter((e) => ['report', 'drift', 'epoch', 'summary', 'warning'].includes(e.event as string) && e.model === model)
    .map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !TIMES.has(k) && k !== 'model')));
}

describe('side by side', () => {
  const runs: [string, string[], string[]][] = [
    [
      'bernoulli sampler, holdout, two epochs, reports and a drift detector',
      ['linear', 'linear(lr=0.5,l2=0.001)', 'linear(optimizer=adam,name=adam)', 'majority', 'no-change'],
      ['--sampler', 'bernoulli', '--sample-rate', '0.7', '--holdout', '0.1', '--epochs', '2', '--report-every', '250', '--drift', 'ddm', '--seed', '5'],
    ],
    ['a replay sampler (rows kept in their own units)', ['linear', 'linear(lr=0.02)', 'no-change'], ['--sampler', 'replay', '--buffer-size', '50', '--seed', '3']],
  ];
  for (const [what, models, flags] of runs) {
    it(`each learner's events equal its run alone: ${what}`, async () => {
      const together = jsonLines((await cliOk(['train', data, '--json', '--model', models.join(','), ...flags])).stdout);
      const names = contenderConfigs({ model: models.join(',') }).map((c) => c.name);
      assert.deepEqual(names, models.map((m) => (m.includes('name=adam') ? 'adam' : m)));
      for (let i = 0; i < models.length; i++) {
        const alone = jsonLines((await cliOk(['train', data, '--json', '--model', models[i]!, ...flags])).stdout);
        const mine = comparable(together, names[i]);
        assert.ok(mine.some((e) => e.event === 'summary'), `${names[i]} has a summary`);
        assert.deepEqual(mine, comparable(alone), `${names[i]}: side by side as alone`);
      }
    });
  }

  it('names every per-learner event, ranks them in a comparison event, and keeps a single run without names', async () => {
    const events = jsonLines((await cliOk(['train', data, '--json', '--model', 'majority', '--model', 'linear(name=fast,lr=0.5)', '--report-every', '500'])).stdout);
    const start = events[0]!;
    assert.deepEqual(
      (start.models as { model: string }[]).map((m) => m.model),
      ['majority', 'fast'],
    );
    for (const kind of ['report', 'epoch', 'summary']) {
      const of = events.filter((e) => e.event === kind);
      assert.deepEqual([...new Set(of.map((e) => e.model))], ['majority', 'fast'], kind);
      for (const e of of) assert.equal(Object.keys(e)[1], 'model');
      for (const e of of) assert.equal(typeof e.learner_rows_per_sec, 'number');
    }
    const comparison = events.at(-1)!;
    assert.equal(comparison.event, 'comparison');
    assert.equal(comparison.metric, 'accuracy');
    const ranked = comparison.models as { rank: number; model: string; accuracy: number }[];
    const summaries = events.filter((e) => e.event === 'summary');
    const byName = new Map(summaries.map((s) => [s.model, s.cumulative_accuracy]));
    assert.deepEqual(
      ranked.map((m) => m.model),
      [...byName.entries()].sort((a, b) => (b[1] as number) - (a[1] as number)).map(([name]) => name),
    );
    for (const m of ranked) assert.equal(m.accuracy, byName.get(m.model));
    assert.deepEqual(
      ranked.map((m) => m.rank),
      [1, 2],
    );

    const single = jsonLines((await cliOk(['train', data, '--json', '--model', 'linear(lr=0.5)'])).stdout);
    for (const e of single) {
      assert.equal('model' in e, false, `${String(e.event)} of a single learner has no model field`);
      assert.equal('learner_ms' in e, false);
    }
    assert.equal(single.some((e) => e.event === 'comparison' || 'models' in e), false);
  });

  it('prints one table line per learner per epoch, best first, and the ranking', async () => {
    const { stdout, stderr } = await cliOk(['train', data, '--model', 'majority,linear,no-change', '--epochs', '2']);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^model\s+epoch\s+rows/);
    const rows = lines.slice(1).map((l) => l.trim().split(/\s+/));
    assert.equal(rows.length, 6);
    for (const epoch of ['1', '2']) {
      const of = rows.filter((r) => r[1] === epoch);
      const accuracy = of.map((r) => Number(r[5]));
      assert.deepEqual(accuracy, [...accuracy].sort((a, b) => b - a), `epoch ${epoch} ranked by accuracy`);
      assert.deepEqual(of.map((r) => r[0]).sort(), ['linear', 'majority', 'no-change']);
    }
    assert.match(stderr, /learner {2}majority: /);
    assert.match(stderr, /ranked by accuracy over the run:\n {3}1\. linear /);
  });

  it('reads --model lists, repeated flags and per-learner options; refuses what it cannot mean', () => {
    const configs = contenderConfigs({ model: ['linear(lr=0.5), linear(name=x)', 'MAJORITY'], lr: '0.2' });
    assert.deepEqual(
      configs.map((c) => [c.name, c.model, c.lr]),
      [
        ['linear(lr=0.5)', 'linear', 0.5],
        ['x', 'linear', 0.2],
        ['MAJORITY', 'majority', undefined],
      ],
    );
    // The same text twice is numbered; a given name twice is an error.
    assert.deepEqual(
      contenderConfigs({ model: 'linear,linear' }).map((c) => c.name),
      ['linear', 'linear#2'],
    );
    assert.throws(() => contenderConfigs({ model: 'linear(name=a),majority(name=a)' }), /two learners are named "a"/);
    assert.throws(() => contenderConfigs({ model: 'linear(lr=0.5' }), UsageError);
    assert.throws(() => contenderConfigs({ model: 'linear(lr)' }), /options are key=value/);
    assert.throws(() => contenderConfigs({ model: 'linear(depth=3)' }), /"depth" is not an option of linear/);
    assert.throws(() => contenderConfigs({ model: 'linear(lr=-1)' }), /--lr must be a number > 0/);
    assert.throws(() => contenderConfigs({ model: 'linaer,majority' }), /did you mean linear/);
    // A single learner stays as it was: no contenders in its configuration (checkpoints unchanged).
    assert.equal('contenders' in runConfig('x.csv', { model: ['linear'] }), false);
    assert.equal(runConfig('x.csv', { model: 'linear,majority' }).contenders?.length, 2);
  });

  it('holds every learner to --assert, naming the one that fails', async () => {
    const { code, stderr } = await runCli(['train', data, '-q', '--model', 'linear,majority', '--assert', 'accuracy>=0.7']);
    assert.equal(code, 3);
    assert.match(stderr, /assertion failed: accuracy>=0.7 for majority: accuracy = 0\.\d+/);
  });

  it('refuses --save with several learners, saying what to do', async () => {
    const { code, stderr } = await runCli(['train', data, '--model', 'linear,majority', '--save', join(dir, 'both')]);
    assert.equal(code, 2);
    assert.match(stderr, /several side by side .* are compared, not saved/);
  });
});
