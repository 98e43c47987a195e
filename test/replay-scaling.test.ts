/**
 * Samplers that keep rows (shuffle, window, replay) replay them in the units of the statistics of
 * the moment, not of the moment the row arrived: the first rows of a stream, standardized by a
 * standard deviation of two or three values, made linear regression diverge when replayed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Evaluator } from '../src/eval/metrics.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import type { Learner } from '../src/learners/types.js';
import { runConfig } from '../src/cli/options.js';
import { TrainingPass } from '../src/run/loop.js';
import { train } from '../src/run/train.js';
import { createSampler, restoreSampler, type SamplerOptions } from '../src/samplers/index.js';
import { generate } from '../src/synth/generators.js';
import { Random } from '../src/util/random.js';
import { ROOT, batchOf, jsonLines, runCli } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-replay-scaling-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, columns: string[], rows: string[][]): string {
  const path = join(dir, name);
  writeFileSync(path, [columns.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}

function friedman(seed: number, rows: number): string {
  const spec = generate('friedman', { rows, seed, noise: 0.1, fullPrecision: false });
  const cells = new Array<string>(spec.columns.length).fill('');
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    spec.row(i, cells);
    out.push([...cells]);
  }
  return writeCsv(`friedman-${seed}.csv`, spec.columns, out);
}

/** Regression on heavy-tailed features of large and mixed scales (log-normal, in the thousands). */
function heavyTailed(seed: number, rows: number): string {
  const random = new Random(seed);
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const a = Math.exp(random.normal()) * 1000;
    const b = random.normal() * 50 + 200;
    const c = Math.exp(2 * random.normal());
    out.push([a, b, c, 0.002 * a - 0.1 * b + 3 * Math.log(c) + random.normal()].map((v) => v.toPrecision(6)));
  }
  return writeCsv(`heavy-${seed}.csv`, ['a', 'b', 'c', 'y'], out);
}

/** The first epoch's loss of a run in this process, and how many warnings it gave. */
async function firstEpochLoss(path: string, sampler: string, lr?: string): Promise<{ loss: number; warnings: number }> {
  let loss = NaN;
  let warnings = 0;
  for await (const event of train(runConfig(path, { sampler, ...(lr === undefined ? {} : { lr }) }))) {
    if (event.event === 'epoch' && event.epoch === 1) loss = event.loss ?? NaN;
    if (event.event === 'warning') warnings++;
  }
  return { loss, warnings };
}

describe('replaying samplers on regression', () => {
  it('window and replay stay within 1.5x the epoch-1 MSE of all (friedman seeds 1-6, its first 200 rows, a heavy-tailed stream)', async () => {
    const bundled = readFileSync(`${ROOT}datasets/friedman.csv`, 'utf8').split('\n');
    const paths = [1, 2, 3, 4, 5, 6].map((seed) => friedman(seed, 3000));
    paths.push(writeCsv('friedman-200.csv', bundled[0]!.split(','), bundled.slice(1, 201).map((l) => l.split(','))), heavyTailed(3, 3000));
    for (const path of paths) {
      const all = await firstEpochLoss(path, 'all');
      for (const sampler of ['window', 'replay']) {
        const { loss, warnings } = await firstEpochLoss(path, sampler);
        assert.ok(Number.isFinite(loss) && loss <= 1.5 * all.loss, `${path} ${sampler}: MSE ${loss} against all's ${all.loss}`);
        assert.equal(warnings, 0);
      }
    }
  });

  it('warns once when a learner diverges, and not when it learns', async () => {
    const path = `${ROOT}datasets/friedman.csv`;
    const diverging = await runCli(['train', path, '--json', '-q', '--lr', '0.3', '--epochs', '2']);
    const warnings = jsonLines(diverging.stdout).filter((e) => e.event === 'warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!['kind'], 'diverging');
    assert.match(String(warnings[0]!['message']), /linear\(sgd, lr=0\.3, l2=0\) is diverging .*lower --lr/);
    const table = await runCli(['train', path, '--lr', '0.3']);
    assert.match(table.stderr, /^warning: linear\(sgd, lr=0\.3, l2=0\) is diverging \(a prediction of .* for targets between [0-9.]+ and [0-9.]+\)/m);
    assert.equal((await firstEpochLoss(path, 'all', '0.1')).warnings, 0);
  });
});

describe('the shuffle buffer note', () => {
  it('tells at the end of epoch 1 when the buffer is a large part of the input, and only then', async () => {
    const path = `${ROOT}datasets/sea_drift.csv`;
    const notes = async (size: string): Promise<Record<string, unknown>[]> => {
      const events: Record<string, unknown>[] = [];
      for await (const e of train(runConfig(path, { sampler: 'shuffle', bufferSize: size, epochs: '2' }))) events.push(e as unknown as Record<string, unknown>);
      return events.filter((e) => e['event'] === 'warning' || e['event'] === 'epoch');
    };
    const large = await notes('5000');
    assert.deepEqual(large.map((e) => e['event']), ['warning', 'epoch', 'epoch'], 'once, before the first epoch');
    assert.equal(large[0]!['kind'], 'buffer-delay');
    assert.match(String(large[0]!['message']), /holds 5,000 rows, 50% of the 10,000 rows read/);
    assert.deepEqual((await notes('500')).map((e) => e['event']), ['epoch', 'epoch']);
  });
});

/** A mini-batch learner that predicts 0 and keeps copies of the rows it learns. */
class RecordingLearner implements Learner {
  readonly description = 'recording';
  readonly outputs = 1;
  readonly learned: number[][] = [];
  constructor(
    readonly batchSize: number,
    public dim: number,
  ) {}
  predict(_x: Float64Array, rows: number, out: Float64Array): void {
    out.fill(0, 0, rows);
  }
  learn(x: Float64Array, _y: Float64Array, rows: number): void {
    for (let r = 0; r < rows; r++) this.learned.push(Array.from(x.subarray(r * this.dim, (r + 1) * this.dim)));
  }
  grow(dim: number): void {
    this.dim = dim;
  }
  state() {
    return { kind: 'recording' };
  }
  /** The rows it keeps, as 8-byte numbers. */
  memoryBytes(): number {
    return 8 * this.learned.reduce((n, row) => n + row.length, 0);
  }
  dispose(): void {}
}

describe('rows kept by a sampler', () => {
  const rows = Array.from({ length: 40 }, (_, i) => [i % 7 === 3 ? null : ((i * 37) % 11) + i / 10, i % 5]);
  const schema = inferSchema('t', ['x', 'y'], [batchOf(rows)], { task: 'regression' });
  const options = (featurizer: Featurizer): SamplerOptions => ({ kind: 'window', sampleRate: 1, bufferSize: 8, replayRatio: 2, task: 'regression', scaler: featurizer });
  const run = (featurizer: Featurizer, learner: Learner, sampler = createSampler(options(featurizer), new Random(4))) =>
    new TrainingPass(featurizer, learner, sampler, new Evaluator('regression'), { source: 't', onError: 'fail', holdout: 0, seed: 1 });

  it('are replayed standardized with the statistics of the moment they are replayed', () => {
    const featurizer = new Featurizer(schema);
    const sampler = createSampler(options(featurizer), new Random(4));
    const batch = batchOf(rows);
    const seen: number[] = [];
    let replayed = 0;
    for (let r = 0; r < rows.length; r++) {
      featurizer.keepRaw = true;
      const y = featurizer.encode(batch, r, true) as number;
      const row = Float64Array.from(featurizer.row.subarray(0, 1));
      const kept = featurizer.raw.slice(0, featurizer.numericCount);
      seen.push(kept[0]!);
      let fresh = true;
      sampler.offer(row, 1, y, (x) => {
        if (fresh) {
          fresh = false;
          return;
        }
        // A kept row, in the units of the statistics now: back in its own units, it is a row seen before this one.
        const own = Float64Array.from(x);
        featurizer.unstandardize(own);
        assert.ok(seen.slice(0, -1).some((v) => Math.abs(v - own[0]!) < 1e-9), `row ${r}: ${own[0]} was never seen`);
        replayed++;
      }, kept);
    }
    assert.equal(replayed, 2 * (rows.length - 1));
  });

  it('resume exactly from a checkpoint taken with a mini-batch under way', async () => {
    const whole = new RecordingLearner(4, 1);
    const f1 = new Featurizer(schema);
    const p1 = run(f1, whole);
    await p1.consume(batchOf(rows));
    await p1.finish();

    const first = new RecordingLearner(4, 1);
    const f2 = new Featurizer(schema);
    const sampler = createSampler(options(f2), new Random(4));
    const p2 = run(f2, first, sampler);
    await p2.consume(batchOf(rows.slice(0, 23)));
    const carried = JSON.parse(JSON.stringify(p2.carried()));
    assert.equal(carried.block.raw.length, carried.block.rows, 'one raw numeric value per block row');
    const f3 = Featurizer.restore(schema, JSON.parse(JSON.stringify(f2.state())));
    const second = new RecordingLearner(4, 1);
    const restored = restoreSampler(JSON.parse(JSON.stringify(sampler.state())), options(f3));
    const p3 = run(f3, second, restored);
    p3.carry(carried);
    await p3.consume(batchOf(rows.slice(23)));
    await p3.finish();
    assert.deepEqual([...first.learned, ...second.learned], whole.learned);
  });

  it('from a checkpoint that kept them standardized are read back into their own units', () => {
    const featurizer = new Featurizer(schema);
    for (let r = 0; r < rows.length; r++) featurizer.encode(batchOf(rows), r, true);
    const state = { kind: 'window', buffer: { capacity: 8, dim: 1, rows: 1, x: [0.5], y: [2] }, next: 1, carry: 0, random: new Random(1).state() };
    const sampler = restoreSampler(state, options(featurizer));
    const emitted: number[] = [];
    sampler.offer(Float64Array.of(0), 1, 0, (x) => emitted.push(x[0]!), Float64Array.of(0));
    assert.equal(emitted.length, 3);
    assert.ok(Math.abs(emitted[1]! - 0.5) < 1e-12 && Math.abs(emitted[2]! - 0.5) < 1e-12, `${emitted}`);
    assert.equal((sampler.state()['buffer'] as Record<string, unknown>)['rawNumeric'], true);
  });
});
