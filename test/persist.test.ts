/**
 * Checkpoints: resuming continues exactly (weights, cumulative metrics, predictions), flags that
 * conflict with a checkpoint are refused, saves are atomic (with the DIR.bak recovery), and the
 * directory is validated field by field.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataError } from '../src/errors.js';
import { readCheckpoint, writeCheckpoint } from '../src/persist/store.js';
import { BIN, ROOT, SHARED_MISSING, jsonLines, runCli, sharedDataset } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-persist-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the header and rows [from, to) of a CSV file to a new file. */
function csvPart(path: string, from: number, to: number, name: string): string {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const out = join(dir, name);
  writeFileSync(out, [lines[0]!, ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
  return out;
}

function rowsOf(path: string): number {
  return readFileSync(path, 'utf8').trimEnd().split('\n').length - 1;
}

const summaryOf = (stdout: string): Record<string, any> => jsonLines(stdout).find((e) => e.event === 'summary') as Record<string, any>;

async function cli(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string }> {
  const result = await runCli(args, stdin === undefined ? {} : { stdin });
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result;
}

/**
 * Trains once over the whole file and, separately, on its first `split` rows then resumed on the
 * rest; returns both final checkpoints and summaries.
 */
async function oneRunAndResumed(path: string, split: number, flags: string[], tag: string) {
  const n = rowsOf(path);
  const first = csvPart(path, 0, split, `${tag}-a.csv`);
  const second = csvPart(path, split, n, `${tag}-b.csv`);
  const whole = join(dir, `${tag}-whole`);
  const half = join(dir, `${tag}-half`);
  const resumed = join(dir, `${tag}-resumed`);
  const one = await cli(['train', path, '--json', '-q', '--save', whole, ...flags]);
  await cli(['train', first, '--json', '-q', '--save', half, ...flags]);
  const two = await cli(['train', second, '--json', '-q', '--resume', half, '--save', resumed]);
  return { whole, resumed, half, second, one: summaryOf(one.stdout), two: summaryOf(two.stdout) };
}

/** The model parts of two checkpoints must be the same data, to the last bit. */
async function assertSameModel(a: string, b: string): Promise<void> {
  const [x, y] = await Promise.all([readCheckpoint(a), readCheckpoint(b)]);
  for (const key of ['learner', 'featurizer', 'sampler', 'evaluator', 'evaluation', 'counts', 'streamRows', 'carried', 'random'] as const) {
    assert.deepEqual(y.state[key], x.state[key], key);
  }
}

const THIRD = (): string => {
  const path = join(dir, 'third.csv');
  if (!existsSync(path)) writeFileSync(path, execFileSync(process.execPath, [BIN, 'generate', 'sea', '--rows', '3000', '--seed', '99']));
  return path;
};

describe('train --save, then --resume on the rest of the data', () => {
  it('gives the model and cumulative metrics of one run over all of it, and the same predictions', async () => {
    const { whole, resumed, one, two } = await oneRunAndResumed(`${ROOT}datasets/sea_drift.csv`, 4321, [], 'sea');
    await assertSameModel(whole, resumed);
    assert.equal(two.rows, 10000 - 4321, 'the resumed run reads the second part only');
    assert.equal(two.cumulative_rows, 10000);
    assert.equal(two.cumulative_evaluated, one.evaluated);
    assert.equal(two.cumulative_accuracy, one.accuracy, 'cumulative prequential accuracy, exactly');
    assert.equal(two.cumulative_loss, one.loss, 'cumulative prequential loss, exactly');
    assert.notEqual(two.accuracy, one.accuracy, 'the epoch metrics cover the second part only');
    const p1 = await cli(['predict', '--model', whole, THIRD()]);
    const p2 = await cli(['predict', '--model', resumed, THIRD()]);
    assert.equal(p2.stdout, p1.stdout);
    assert.equal(p1.stdout.trimEnd().split('\n').length, 3001);
  });

  it('is exact with buffered samplers, one-hot growth, holdout and regression too', async () => {
    const cases: [string, number, string[]][] = [
      [`${ROOT}datasets/sea_drift.csv`, 3000, ['--sampler', 'window', '--buffer-size', '200', '--replay-ratio', '1.5', '--seed', '5']],
      [`${ROOT}datasets/sea_drift.csv`, 6000, ['--sampler', 'shuffle', '--buffer-size', '300', '--holdout', '0.2']],
      [`${ROOT}datasets/stagger.csv`, 2500, ['--optimizer', 'adam']],
      // Hashed features: the sparse layout, its L2 scale, and kept sparse rows.
      [`${ROOT}datasets/stagger.csv`, 2100, ['--hash-bits', '12', '--l2', '0.001', '--sampler', 'replay', '--buffer-size', '100']],
      [`${ROOT}datasets/stagger.csv`, 1700, ['--hash-bits', '16', '--optimizer', 'adam', '--l2', '0.0001']],
      [`${ROOT}datasets/hyperplane.csv`, 1234, ['--sampler', 'balanced']],
      [`${ROOT}datasets/friedman.csv`, 3000, ['--optimizer', 'adagrad', '--l2', '0.001']],
    ];
    for (const [path, split, flags] of cases) {
      const tag = `case${cases.findIndex((c) => c[2] === flags)}`;
      const { whole, resumed, one, two } = await oneRunAndResumed(path, split, flags, tag);
      await assertSameModel(whole, resumed);
      for (const key of ['cumulative_rows', 'cumulative_trained', 'cumulative_evaluated', 'cumulative_loss', 'cumulative_accuracy', 'cumulative_mae', 'cumulative_rmse']) {
        assert.equal(two[key], one[key], `${tag} ${flags.join(' ')}: ${key}`);
      }
    }
  });

  it('carries an unfilled MLP mini-batch over and ends with the same model', async () => {
    const path = `${ROOT}datasets/sea_drift.csv`;
    const flags = ['--model', 'mlp', '--hidden', '8', '--batch-size', '16', '--backend', 'cpu'];
    const { whole, resumed, half, one, two } = await oneRunAndResumed(path, 3007, flags, 'mlp');
    const carried = (await readCheckpoint(half)).state.carried;
    assert.equal(carried.block.rows + carried.pending.rows, 3007 % 16, 'the last, unfilled mini-batch waits in the checkpoint');
    const [x, y] = await Promise.all([readCheckpoint(whole), readCheckpoint(resumed)]);
    const wx = (x.state.learner['weights'] as number[][]).flat();
    const wy = (y.state.learner['weights'] as number[][]).flat();
    assert.equal(wy.length, wx.length);
    for (let i = 0; i < wx.length; i++) assert.ok(Math.abs(wx[i]! - wy[i]!) <= 1e-6, `weight ${i}: ${wx[i]} vs ${wy[i]}`);
    assert.ok(Math.abs(two.cumulative_accuracy - one.accuracy) <= 1e-9, `${two.cumulative_accuracy} vs ${one.accuracy}`);
    assert.equal(two.cumulative_evaluated, 10000);
    // predict learns the carried rows into the model it loads (the end of the input) and answers every row.
    const p = await cli(['predict', '--model', half, THIRD(), '--output', 'jsonl', '-q']);
    assert.equal(jsonLines(p.stdout).length, 3000);
  });

  it('on the shared elec stream: halves resumed equal one run (metrics and predictions)', async (t) => {
    const elec = sharedDataset('elec.csv');
    if (!elec) return t.skip(SHARED_MISSING);
    const n = rowsOf(elec);
    const { whole, resumed, one, two, second } = await oneRunAndResumed(elec, Math.floor(n / 2), [], 'elec');
    await assertSameModel(whole, resumed);
    assert.equal(two.cumulative_accuracy, one.accuracy);
    assert.equal(two.cumulative_loss, one.loss);
    const p1 = await cli(['predict', '--model', whole, second]);
    const p2 = await cli(['predict', '--model', resumed, second]);
    assert.equal(p2.stdout, p1.stdout);
  });

  it('writes every --checkpoint-every rows on exact row counts, and at the end', async () => {
    const save = join(dir, 'every');
    const { stdout } = await cli(['train', `${ROOT}datasets/sea_drift.csv`, '--json', '--save', save, '--checkpoint-every', '3000']);
    const summary = summaryOf(stdout);
    assert.equal(summary.checkpoints, 4, '3000, 6000, 9000 and the end');
    assert.equal(summary.checkpoint, save);
    assert.equal((await readCheckpoint(save)).state.counts.rows, 10000);
    // Resuming saves back to the checkpoint read unless --save says otherwise.
    await cli(['train', THIRD(), '--json', '--resume', save]);
    assert.equal((await readCheckpoint(save)).state.counts.rows, 13000);
  });
});

describe('train --resume flags', () => {
  let model: string;
  before(async () => {
    model = join(dir, 'flags-model');
    await cli(['train', `${ROOT}datasets/sea_drift.csv`, '--json', '--save', model, '--sampler', 'window', '--buffer-size', '50']);
  });

  it('refuses a flag that conflicts with the checkpoint, naming it', async () => {
    const conflicts: [string[], RegExp][] = [
      [['--model', 'mlp'], /--model mlp conflicts with the checkpoint .*trained with --model linear/],
      [['--optimizer', 'adam'], /--optimizer adam conflicts/],
      [['--sampler', 'all'], /--sampler all conflicts/],
      [['--buffer-size', '60'], /--buffer-size 60 conflicts/],
      [['--target', 'attrib1'], /--target attrib1 conflicts/],
      [['--task', 'regression'], /--task regression conflicts/],
      [['--features', 'attrib1'], /--features attrib1 conflicts/],
      [['--hash-bits', '4'], /--hash-bits 4 conflicts/],
    ];
    for (const [flags, message] of conflicts) {
      const r = await runCli(['train', THIRD(), '--resume', model, '--save', join(dir, 'unused'), ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    assert.ok(!existsSync(join(dir, 'unused')));
  });

  it('accepts the same values, and lets the learning rate, replay ratio and epochs change', async () => {
    const out = join(dir, 'flags-changed');
    const { stdout } = await cli(['train', THIRD(), '--json', '--resume', model, '--save', out, '--model', 'linear', '--sampler', 'window', '--lr', '0.05', '--replay-ratio', '2', '--epochs', '2']);
    const events = jsonLines(stdout);
    assert.equal(events.filter((e) => e.event === 'epoch').length, 2);
    assert.equal((events[0] as any).resumed_rows, 10000);
    const saved = await readCheckpoint(out);
    assert.equal(saved.state.learner['lr'], 0.05);
    assert.equal(saved.state.config.replayRatio, 2);
    assert.equal(saved.state.config.sampler, 'window', 'inherited');
  });

  it('needs a directory for --checkpoint-every, and a checkpoint to resume from', async () => {
    const r = await runCli(['train', THIRD(), '--checkpoint-every', '100']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--checkpoint-every needs a checkpoint directory/);
    const missing = await runCli(['train', THIRD(), '--resume', join(dir, 'nothing-here')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^inc-learn: .*nothing-here: no checkpoint here/);
  });

  it('refuses a resumed input without a column the model uses', async () => {
    const path = join(dir, 'no-attrib2.csv');
    writeFileSync(path, 'attrib1,attrib3,class\n1,2,0\n3,4,1\n');
    const r = await runCli(['train', path, '--resume', model, '--save', join(dir, 'unused2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-attrib2.csv: no column "attrib2", which the model in .* was trained with/);
  });
});

describe('atomic saves', () => {
  it('loads DIR.bak when a save stopped between its two renames, and the next save removes it', async () => {
    const save = join(dir, 'atomic');
    await cli(['train', `${ROOT}datasets/sea_drift.csv`, '--json', '--save', save]);
    const before = await readCheckpoint(save);
    // The state a kill leaves between "DIR -> DIR.bak" and "tmp -> DIR": a temp dir, DIR.bak, no DIR.
    renameSync(save, `${save}.bak`);
    mkdirSync(`${save}.tmp-999999999-1`);
    writeFileSync(`${save}.tmp-999999999-1/checkpoint.json`, '{"half": ');
    const recovered = await readCheckpoint(save);
    assert.equal(recovered.recovered, true);
    assert.deepEqual(recovered.state, before.state);
    const p = await cli(['predict', '--model', save, THIRD()]);
    assert.equal(p.stdout.trimEnd().split('\n').length, 3001);
    // The next save writes DIR, then removes the backup; the dead process's temp dir is left alone, and named.
    const r = await cli(['train', THIRD(), '--json', '--resume', save]);
    assert.match(r.stderr, /atomic\.tmp-999999999-1: left by a save that was interrupted/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('atomic')), ['atomic', 'atomic.tmp-999999999-1']);
    assert.equal((await readCheckpoint(save)).recovered, false);
  });

  it('never replaces a directory that is not a checkpoint', async () => {
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = await runCli(['train', THIRD(), '--save', foreign]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /foreign: is not an inc-learn checkpoint \(it holds "notes\.txt"\)/);
    assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'mine');
  });

  it('refuses to save a model whose weights are not finite, keeping the previous checkpoint', async () => {
    const save = join(dir, 'diverged');
    await cli(['train', THIRD(), '--json', '--save', save]);
    const good = await readCheckpoint(save);
    const state = structuredClone(good.state);
    (state.learner['weights'] as number[])[0] = NaN;
    await assert.rejects(writeCheckpoint(save, state, 'test'), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /cannot save the checkpoint: learner.weights\[0\]: expected a finite number, found NaN \(the model diverged/);
      return true;
    });
    assert.deepEqual((await readCheckpoint(save)).state, good.state);
  });
});
