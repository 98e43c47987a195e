/**
 * Several learners side by side (--model a,b): one pass reads and featurizes each row once and
 * offers it to every learner, each with its own sampler and evaluation. Each learner's results
 * equal those of its run alone, to the last digit.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contenderConfigs, runConfig } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { readCheckpoint } from '../src/persist/store.js';
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

/** Fields that are measured times and the process's memory, which differ from run to run. */
const TIMES = new Set(['elapsed_ms', 'rows_per_sec', 'learner_ms', 'learner_rows_per_sec', 'peak_rss_bytes']);

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
    // The MLP's layers, joined by x inside the list (its commas part the options); only the MLP takes them.
    assert.deepEqual(
      contenderConfigs({ model: 'mlp(hidden=64x32,activation=tanh),mlp(hidden=8)', hidden: '16' }).map((c) => [c.hidden, c.activation]),
      [
        [[64, 32], 'tanh'],
        [[8], 'relu'],
      ],
    );
    assert.throws(() => contenderConfigs({ model: 'mlp(hidden=8xq)' }), /--hidden must be an integer >= 1; got "q"/);
    for (const option of ['hidden=8', 'activation=tanh', 'backend=cpu']) assert.throws(() => contenderConfigs({ model: `pa(${option})` }), /is an option of mlp, not of pa/);
    // A single learner stays as it was: no contenders in its configuration (checkpoints unchanged).
    assert.equal('contenders' in runConfig('x.csv', { model: ['linear'] }), false);
    assert.equal(runConfig('x.csv', { model: 'linear,majority' }).contenders?.length, 2);
  });

  it('holds every learner to --assert, naming the one that fails', async () => {
    const { code, stderr } = await runCli(['train', data, '-q', '--model', 'linear,majority', '--assert', 'accuracy>=0.7']);
    assert.equal(code, 3);
    assert.match(stderr, /assertion failed: accuracy>=0.7 for majority: accuracy = 0\.\d+/);
  });

  it('saves every learner in a subdirectory, as its run alone saves it; predict, evaluate and resume take them', async () => {
    const both = join(dir, 'both');
    await cliOk(['train', data, '-q', '--model', 'linear(lr=0.5,name=fast),majority', '--save', both]);
    await cliOk(['train', data, '-q', '--model', 'linear(lr=0.5)', '--save', join(dir, 'fast')]);
    const list = JSON.parse(readFileSync(join(both, 'learners.json'), 'utf8')) as { learners: { name: string; dir: string }[] };
    assert.deepEqual(list.learners, [
      { name: 'fast', dir: 'fast' },
      { name: 'majority', dir: 'majority' },
    ]);
    // The same state as the run alone (the manifest's key order, and so its checksum, may differ).
    const manifest = (d: string): unknown => {
      const { checksum: _c, ...rest } = JSON.parse(readFileSync(join(d, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
      return rest;
    };
    assert.deepEqual(manifest(join(both, 'fast')), manifest(join(dir, 'fast')));
    assert.deepEqual(readFileSync(join(both, 'fast', 'arrays.f64')), readFileSync(join(dir, 'fast', 'arrays.f64')));

    const rows = readFileSync(data, 'utf8').split('\n').slice(0, 40).join('\n') + '\n';
    const picked = await cliOk(['predict', '-', '--model', both, '--learner', 'fast'], rows);
    assert.equal(picked.stdout, (await cliOk(['predict', '-', '--model', join(dir, 'fast')], rows)).stdout);
    const unpicked = await runCli(['predict', '-', '--model', both], { stdin: rows });
    assert.equal(unpicked.code, 2);
    assert.match(unpicked.stderr, /holds several learners \(fast, majority\): choose one with --learner NAME/);
    const unknown = await runCli(['predict', '-', '--model', both, '--learner', 'slow'], { stdin: rows });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--learner "slow": .* holds fast, majority/);

    const all = jsonLines((await cliOk(['evaluate', data, '--model', both, '--json'])).stdout);
    assert.deepEqual(
      all.map((e) => e.model),
      [join(both, 'fast'), join(both, 'majority')],
    );
    const alone = jsonLines((await cliOk(['evaluate', data, '--model', join(dir, 'fast'), '--json'])).stdout)[0]!;
    assert.equal(all[0]!.accuracy, alone.accuracy);
    assert.equal(jsonLines((await cliOk(['evaluate', data, '--model', both, '--learner', 'majority', '--json'])).stdout).length, 1);

    const again = (d: string): Promise<Record<string, unknown>[]> => cliOk(['train', data, '--json', '--resume', d, '--save', join(dir, `again-${d.length}`)]).then((r) => comparable(jsonLines(r.stdout)).map(({ checkpoint: _where, ...e }) => e));
    assert.deepEqual(await again(join(both, 'fast')), await again(join(dir, 'fast')));
  });

  it('resumes every learner at once: A then B equals A saved then B resumed', async () => {
    const lines = readFileSync(data, 'utf8').trimEnd().split('\n');
    // B holds the third class's first rows and new categories (the schema is inferred from 5 rows, so
    // that the run over A and B learns them mid-stream too).
    const a = join(dir, 'part-a.csv');
    const b = join(dir, 'part-b.csv');
    writeFileSync(a, lines.slice(0, 501).join('\n') + '\n');
    writeFileSync(b, [lines[0], ...lines.slice(501, 1001)].join('\n') + '\n');
    writeFileSync(join(dir, 'part-ab.csv'), lines.slice(0, 1001).join('\n') + '\n');
    const flags = ['--model', 'linear(name=fast,lr=0.5),nb', '--sampler', 'shuffle', '--buffer-size', '40', '--infer-rows', '5', '--json', '-q'];
    const whole = jsonLines((await cliOk(['train', join(dir, 'part-ab.csv'), '--save', join(dir, 'ab'), ...flags])).stdout);
    await cliOk(['train', a, '--save', join(dir, 'a-then'), ...flags]);
    const resumed = jsonLines((await cliOk(['train', b, '--resume', join(dir, 'a-then'), '--save', join(dir, 'then-b'), '--json', '-q'])).stdout);
    for (const name of ['fast', 'nb']) {
      const [x, y] = await Promise.all([readCheckpoint(join(dir, 'ab', name)), readCheckpoint(join(dir, 'then-b', name))]);
      for (const key of ['learner', 'featurizer', 'sampler', 'evaluator', 'evaluation', 'counts', 'random'] as const) assert.deepEqual(y.state[key], x.state[key], `${name}: ${key}`);
      const summary = (events: Record<string, unknown>[]) => events.find((e) => e.event === 'summary' && e.model === name)!;
      assert.equal(summary(resumed).cumulative_loss, summary(whole).loss);
    }
    assert.equal(resumed.filter((e) => e.event === 'comparison').length, 1);
    // A learner resumed alone since: the checkpoints are no longer of one run.
    await cliOk(['train', b, '--resume', join(dir, 'a-then', 'nb'), '-q']);
    const refused = await runCli(['train', b, '--resume', join(dir, 'a-then')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not saved with .* by one run \(1000 rows against 500, or other statistics\): was one of the learners resumed alone, or a save stopped between two of them/);
  });

  it('never saves several learners over a directory it did not write', async () => {
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const { code, stderr } = await runCli(['train', data, '-q', '--model', 'linear,majority', '--save', foreign]);
    assert.equal(code, 1);
    assert.match(stderr, /the directory exists and is not one \(no learners.json\); choose another directory/);
    assert.deepEqual(readdirSync(foreign), ['notes.txt']);
  });
});
