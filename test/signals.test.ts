/**
 * Stopping: SIGINT and SIGTERM end a run cleanly (checkpoint written, summary marked interrupted,
 * exit 130 / 143), also while waiting on an idle pipe; SIGKILL at any moment of repeated checkpoint
 * writes leaves a checkpoint that loads. No test asserts on time: waits are for events (a line of
 * output, a directory appearing), and the kill moments only vary where the kill lands.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../src/persist/store.js';
import { Random } from '../src/util/random.js';
import { BIN, ROOT, jsonLines, runCli } from './helpers.js';

let dir: string;
const children: ChildProcess[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-signals-'));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const env = { ...process.env, NO_COLOR: '1' };

/** A long synthetic stream on a child's stdout. */
function generator(rows = 5_000_000): ChildProcess {
  const gen = spawn(process.execPath, [BIN, 'generate', 'sea', '--rows', String(rows)], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(gen);
  return gen;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], stdio: ('pipe' | number)[] = ['pipe', 'pipe', 'pipe']): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: stdio as ('pipe' | number)[] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin?.on('error', () => {});
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition, checking every 20 ms (the test's own timeout bounds it). */
async function until(what: () => boolean): Promise<void> {
  while (!what()) await tick(20);
}

async function predictWorks(model: string): Promise<void> {
  const p = await runCli(['predict', '--model', model, `${ROOT}datasets/sea_drift.csv`, '-q']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout.trimEnd().split('\n').length, 10001);
}

describe('SIGINT and SIGTERM', () => {
  it('SIGINT during a long run from a pipe: checkpoint, interrupted summary, exit 130, and predict loads it', { timeout: 120_000 }, async () => {
    const save = join(dir, 'sigint');
    const gen = generator();
    const run = start(['train', '-', '--json', '--save', save, '--checkpoint-every', '100000']);
    gen.stdout!.pipe(run.child.stdin!);
    // After the first progress: the first periodic checkpoint exists.
    await until(() => existsSync(save) || run.child.exitCode !== null);
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    gen.kill('SIGKILL');
    assert.equal(code, 130, run.stderr());
    const events = jsonLines(run.stdout());
    const summary = events.at(-1) as Record<string, any>;
    assert.equal(summary.event, 'summary');
    assert.equal(summary.interrupted, true);
    assert.ok(summary.rows >= 100000 && summary.rows < 5_000_000, `rows ${summary.rows}`);
    assert.equal(summary.checkpoint, save);
    assert.equal(events.filter((e) => e.event === 'epoch').length, 1, 'the epoch so far is reported');
    // The checkpoint holds every row the run read.
    assert.equal((await readCheckpoint(save)).state.counts.rows, summary.rows);
    await predictWorks(save);
  });

  it('SIGTERM with stdin a named pipe (read in a worker thread): exit 143, checkpoint written', { timeout: 120_000 }, async () => {
    const fifo = join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    const save = join(dir, 'sigterm');
    const fd = openSync(fifo, 'r+');
    const gen = generator();
    const writer = openSync(fifo, 'w');
    const pump = spawn('cat', [], { stdio: ['pipe', writer, 'ignore'] });
    children.push(pump);
    gen.stdout!.pipe(pump.stdin!);
    pump.stdin!.on('error', () => {});
    const run = start(['train', '-', '--json', '--save', save, '--checkpoint-every', '100000', '-q'], [fd, 'pipe', 'pipe']);
    closeSync(fd);
    closeSync(writer);
    await until(() => existsSync(save) || run.child.exitCode !== null);
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    gen.kill('SIGKILL');
    pump.kill('SIGKILL');
    assert.equal(code, 143, run.stderr());
    const summary = jsonLines(run.stdout()).at(-1) as Record<string, any>;
    assert.equal(summary.interrupted, true);
    assert.equal((await readCheckpoint(save)).state.counts.rows, summary.rows);
  });

  it('SIGINT while predict --learn waits on an idle pipe: stops at once and saves what it learned', { timeout: 60_000 }, async () => {
    const model = join(dir, 'idle-model');
    const trained = await runCli(['train', `${ROOT}datasets/sea_drift.csv`, '--json', '--save', model]);
    assert.equal(trained.code, 0, trained.stderr);
    const run = start(['predict', '--model', model, '--learn', '-', '--format', 'csv']);
    run.child.stdin!.write('attrib1,attrib2,attrib3,class\n1,2,3,0\n4,5,6,1\n');
    // Both rows answered; the pipe stays open and silent.
    await until(() => run.stdout().trimEnd().split('\n').length >= 3);
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    assert.equal(code, 130, run.stderr());
    assert.match(run.stderr(), /interrupted: 2 rows, 2 predicted, 2 learned/);
    assert.equal((await readCheckpoint(model)).state.counts.rows, 10002);
  });
});

describe('SIGKILL while checkpointing', () => {
  it('always leaves a checkpoint that loads, whenever the kill lands', { timeout: 300_000 }, async () => {
    const save = join(dir, 'killed');
    const random = new Random(7);
    let rows = 0;
    for (let round = 0; round < 6; round++) {
      const gen = generator();
      // Checkpoints every 1000 rows: the process spends its time writing them.
      const resume = existsSync(save) || existsSync(`${save}.bak`) ? ['--resume', save] : ['--save', save];
      const run = start(['train', '-', '--json', '-q', '--checkpoint-every', '1000', ...resume]);
      gen.stdout!.pipe(run.child.stdin!);
      await until(() => run.stdout().includes('"event":"start"') || run.child.exitCode !== null);
      // A kill before the very first checkpoint leaves nothing to load, rightly: the first round
      // lets one be written (a busy machine can take longer than the random wait below).
      if (round === 0) await until(() => existsSync(save) || run.child.exitCode !== null);
      await tick(random.int(400));
      run.child.kill('SIGKILL');
      const { signal } = await run.exit;
      gen.kill('SIGKILL');
      assert.equal(signal, 'SIGKILL');
      const loaded = await readCheckpoint(save);
      assert.ok(loaded.state.counts.rows >= rows, 'no progress lost that a checkpoint held');
      rows = loaded.state.counts.rows;
    }
    assert.ok(rows > 0, 'some checkpoints were written');
    await predictWorks(save);
    // A run that ends normally removes the DIR.bak a kill left, and the stale lock; the killed
    // processes' temporary directories are theirs: left alone, and named.
    writeFileSync(join(dir, 'small.csv'), 'attrib1,attrib2,attrib3,class\n1,2,3,0\n');
    const last = await runCli(['train', join(dir, 'small.csv'), '--resume', save]);
    assert.equal(last.code, 0, last.stderr);
    const left = readdirSync(dir).filter((f) => f.startsWith('killed') && f !== 'killed');
    assert.ok(left.every((f) => /^killed\.tmp-\d+-\d+$/.test(f) && last.stderr.includes(`${f}: left by a save that was interrupted`)), left.join(', '));
  });
});
