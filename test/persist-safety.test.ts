/**
 * What a save may touch, and when a run finds out it cannot save: a save replaces or removes only a
 * checkpoint inc-learn wrote (or an empty directory) and its own temporary directory; the checkpoint
 * directory is checked and locked before the first row is read (a second writer, a read-only place,
 * a symbolic link, something else in the way all fail at once); a full disk is reported in words,
 * once, with the previous checkpoint intact, and predict --learn writes the predictions it made.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { readCheckpoint } from '../src/persist/store.js';
import { BIN, ROOT, jsonLines, runCli, type CliResult } from './helpers.js';

let dir: string;
const children: ChildProcess[] = [];
const mounts: string[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-safety-'));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

/** These runs end on their own or not at all (the bugs they catch are waits): a hang fails the test instead of the suite. */
const HANG_GUARD = { timeout: 120_000 };
const DATA = `${ROOT}datasets/sea_drift.csv`;
let made = 0;
const fresh = (name: string): string => join(dir, `${name}-${++made}`);

/** A checkpoint written by a real run. */
async function checkpointAt(path: string): Promise<void> {
  const r = await runCli(['train', DATA, '-q', '--save', path]);
  assert.equal(r.code, 0, r.stderr);
}

/** A run refused with one line naming `path`, having learned and printed nothing. */
function assertRefused(r: CliResult, path: string, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '', 'nothing was trained or printed');
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  assert.ok(r.stderr.startsWith(`inc-learn: ${path}`), r.stderr);
  assert.match(r.stderr, message);
}

interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** The CLI with its stdin left open: it can only end on its own if it never waits for a row. */
function startCli(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => {});
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe('a save replaces or removes only what inc-learn verifiably wrote', () => {
  it('refuses a directory with a bogus checkpoint.json and other files, before training', async () => {
    const u = fresh('u');
    mkdirSync(u);
    writeFileSync(join(u, 'checkpoint.json'), '{}');
    writeFileSync(join(u, 'notes.txt'), 'x');
    assertRefused(await runCli(['train', DATA, '--save', u]), u, /is not an inc-learn checkpoint \(it holds "notes\.txt"\): inc-learn replaces or removes only what it wrote/);
    assert.deepEqual(readdirSync(u).sort(), ['checkpoint.json', 'notes.txt']);
    // A checkpoint.json alone that inc-learn did not write, or a real checkpoint with a file added.
    rmSync(join(u, 'notes.txt'));
    assertRefused(await runCli(['train', DATA, '--save', u]), u, /is not an inc-learn checkpoint: checkpoint\.json: format: expected "inc-learn-checkpoint"/);
    const added = fresh('added');
    await checkpointAt(added);
    writeFileSync(join(added, 'README'), 'my model');
    assertRefused(await runCli(['train', DATA, '--save', added]), added, /it holds "README"/);
    assert.equal(readFileSync(join(added, 'README'), 'utf8'), 'my model');
  });

  it('refuses a DIR.bak that is not a checkpoint, and removes one that is', async () => {
    const model = fresh('model');
    await checkpointAt(model);
    mkdirSync(`${model}.bak`);
    writeFileSync(join(`${model}.bak`, 'notes.txt'), 'x');
    assertRefused(await runCli(['train', DATA, '--save', model]), `${model}.bak`, /is not an inc-learn checkpoint \(it holds "notes\.txt"\)/);
    assert.equal(readFileSync(join(`${model}.bak`, 'notes.txt'), 'utf8'), 'x');
    // Without DIR either (the state an interrupted save leaves, but not of inc-learn's making).
    const alone = fresh('alone');
    mkdirSync(`${alone}.bak`);
    writeFileSync(join(`${alone}.bak`, 'notes.txt'), 'x');
    assertRefused(await runCli(['train', DATA, '--save', alone]), `${alone}.bak`, /notes\.txt/);
    // A real backup goes once the new checkpoint is in place.
    rmSync(`${model}.bak`, { recursive: true });
    cpSync(model, `${model}.bak`, { recursive: true });
    const r = await runCli(['train', DATA, '-q', '--resume', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(`${model}.bak`), false);
  });

  it("leaves other processes' temporary directories and files alone, and says so", async () => {
    const model = fresh('temps');
    await checkpointAt(model);
    mkdirSync(`${model}.tmp-999999999-1`);
    writeFileSync(join(`${model}.tmp-999999999-1`, 'checkpoint.json'), '{"half": ');
    writeFileSync(`${model}.tmp-999999998-1`, 'a file of mine');
    const r = await runCli(['train', DATA, '--save', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /temps-\d+\.tmp-999999999-1: left by a save that was interrupted; inc-learn does not remove what another process made/);
    assert.equal(readFileSync(join(`${model}.tmp-999999999-1`, 'checkpoint.json'), 'utf8'), '{"half": ');
    assert.equal(readFileSync(`${model}.tmp-999999998-1`, 'utf8'), 'a file of mine');
  });

  it('predict --learn continues the model in DIR.bak when a save stopped between its renames, not a new one', async () => {
    const model = fresh('stopped');
    await checkpointAt(model);
    const rows = (await readCheckpoint(model)).state.counts.rows;
    renameSync(model, `${model}.bak`);
    const r = await runCli(['predict', '--learn', '--model', model, '-q', DATA]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await readCheckpoint(model)).state.counts.rows, 2 * rows);
    assert.equal(existsSync(`${model}.bak`), false);
  });

  it('saves into an empty directory, and over its own checkpoint', async () => {
    const empty = fresh('empty');
    mkdirSync(empty);
    const a = await runCli(['train', DATA, '-q', '--save', empty]);
    assert.equal(a.code, 0, a.stderr);
    const before = await readCheckpoint(empty);
    const b = await runCli(['train', DATA, '-q', '--resume', empty]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await readCheckpoint(empty)).state.counts.rows, 2 * before.state.counts.rows);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(empty.slice(dir.length + 1))), [empty.slice(dir.length + 1)]);
  });
});

describe('the loader knows every key a save writes', () => {
  it('loads back the checkpoint of every kind of run (keys it does not know are refused)', async () => {
    const stagger = `${ROOT}datasets/stagger.csv`;
    const friedman = `${ROOT}datasets/friedman.csv`;
    const runs: string[][] = [
      [stagger, '--delay', '5', '--drift', 'adwin', '--window', '50'],
      [stagger, '--model', 'mlp', '--sampler', 'window', '--fading', '0.99', '--drift', 'ddm'],
      [stagger, '--sampler', 'shuffle', '--hash-bits', '4', '--drift', 'ph', '--optimizer', 'adam'],
      [stagger, '--sampler', 'balanced', '--class-weights', '0=1,1=2', '--holdout', '0.1'],
      [friedman, '--sampler', 'replay', '--optimizer', 'adagrad'],
      [friedman, '--sampler', 'bernoulli', '--sample-rate', '0.7', '--delay', '3'],
      [friedman, '--model', 'mlp', '--sampler', 'bernoulli', '--sample-rate', '0.5', '--epochs', '2'],
    ];
    for (const [input, ...flags] of runs) {
      const model = fresh('kind');
      const saved = await runCli(['train', input!, '-q', '--save', model, ...flags]);
      assert.equal(saved.code, 0, `${flags.join(' ')}: ${saved.stderr}`);
      const resumed = await runCli(['train', input!, '-q', '--resume', model]);
      assert.equal(resumed.code, 0, `${flags.join(' ')}: ${resumed.stderr}`);
    }
  });
});

describe('the checkpoint directory is claimed before the first row is read', () => {
  it('locks it for the whole run: a second writer fails at once naming the holder, in every command that writes', HANG_GUARD, async () => {
    const model = fresh('locked');
    await checkpointAt(model);
    const copy = fresh('copy');
    await checkpointAt(copy);
    for (const holder of [['train', '-', '--resume', model], ['train', '-', '--save', model], ['predict', '--learn', '--model', model, '-'], ['predict', '--learn', '--model', copy, '--save', model, '-']]) {
      const first = startCli(holder);
      await until(() => existsSync(`${model}.lock`));
      assert.equal(readFileSync(`${model}.lock`, 'utf8'), `${first.child.pid}\n`);
      for (const second of [['train', DATA, '--resume', model], ['train', DATA, '--save', model], ['predict', '--learn', '--model', model, DATA], ['train', DATA, '--resume', copy, '--save', model]]) {
        const r = await runCli(second);
        assertRefused(r, model, new RegExp(`the checkpoint is in use by another inc-learn run \\(process ${first.child.pid}, see .*locked-\\d+\\.lock\\)`));
      }
      // Reading does not lock: predict and evaluate run beside a writer.
      assert.equal((await runCli(['predict', '--model', model, DATA])).code, 0);
      first.child.stdin!.end(readFileSync(DATA));
      const ended = await first.done;
      assert.equal(ended.code, 0, `${holder.join(' ')}: ${ended.stderr}`);
      assert.equal(existsSync(`${model}.lock`), false, 'released at the end');
    }
  });

  it('keeps every row of two resumed runs started together: one of them fails at the start', HANG_GUARD, async () => {
    const model = fresh('both');
    await checkpointAt(model);
    const rows = (await readCheckpoint(model)).state.counts.rows;
    const runs = [startCli(['train', '-', '-q', '--resume', model]), startCli(['train', '-', '-q', '--resume', model])];
    const results: CliResult[] = [];
    // Whichever took the lock waits for its input; the other has already failed.
    const failed = await Promise.race(runs.map((r, i) => r.done.then((res) => ({ i, res }))));
    results[failed.i] = failed.res;
    const winner = runs[1 - failed.i]!;
    winner.child.stdin!.end(readFileSync(DATA));
    results[1 - failed.i] = await winner.done;
    assert.equal(results[failed.i]!.code, 1);
    assert.match(results[failed.i]!.stderr, new RegExp(`in use by another inc-learn run \\(process ${winner.child.pid},`));
    assert.equal(results[1 - failed.i]!.code, 0, results[1 - failed.i]!.stderr);
    assert.equal((await readCheckpoint(model)).state.counts.rows, 2 * rows);
  });

  it("takes over the lock of a process that is gone, and leaves a lock that is not inc-learn's", async () => {
    const model = fresh('stale');
    await checkpointAt(model);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${model}.lock`, `${gone.stdout}\n`);
    const r = await runCli(['train', DATA, '-q', '--resume', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(`${model}.lock`), false);
    writeFileSync(`${model}.lock`, 'my notes');
    assertRefused(await runCli(['train', DATA, '--resume', model]), model, /stale-\d+\.lock exists and is not an inc-learn lock/);
    assert.equal(readFileSync(`${model}.lock`, 'utf8'), 'my notes');
  });

  it('refuses a target that cannot be saved to at once, without waiting for input', HANG_GUARD, async () => {
    const foreign = fresh('foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const file = fresh('file');
    writeFileSync(file, 'a file');
    const model = fresh('real');
    await checkpointAt(model);
    const link = fresh('link');
    symlinkSync(model, link);
    const cases: [string[], string, RegExp][] = [
      [['train', '-', '--save', foreign], foreign, /it holds "notes\.txt"/],
      [['train', '-', '--save', file], file, /exists and is not a directory/],
      [['train', '-', '--save', join(file, 'model')], join(file, 'model'), /cannot create the directory the checkpoint goes in: a part of the path is a file/],
      [['train', '-', '--save', link], link, /is a symbolic link \(to .*real-\d+\), and a save replaces the directory by renaming; give the directory itself/],
      [['train', '-', '--resume', link], link, /is a symbolic link/],
      [['predict', '--learn', '--model', link, '-'], link, /is a symbolic link/],
      [['predict', '--learn', '--model', model, '--save', foreign, '-'], foreign, /it holds "notes\.txt"/],
    ];
    for (const [args, path, message] of cases) {
      const r = await startCli(args).done;
      assertRefused(r, path, message);
    }
    // A checkpoint read through a link and saved elsewhere is fine.
    const r = await runCli(['train', DATA, '-q', '--resume', link, '--save', fresh('elsewhere')]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('refuses a read-only location at once', HANG_GUARD, async (t) => {
    const ro = fresh('ro');
    mkdirSync(ro);
    if (process.getuid?.() === 0) {
      if (!mount(t, ro, 'ro,size=64k')) return;
    } else execFileSync('chmod', ['555', ro]);
    const r = await startCli(['train', '-', '--save', join(ro, 'model')]).done;
    assertRefused(r, join(ro, 'model'), /cannot write the checkpoint here: (the file system is read-only \(EROFS\)|permission denied \(EACCES\))/);
  });
});

/** Mounts a tmpfs (as root); skips the test with a note when mounting is not permitted. */
function mount(t: TestContext, at: string, options: string): boolean {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.skip(`skipped: cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()})`);
    return false;
  }
  mounts.push(at);
  return true;
}

/** Fills a file system but for `free` bytes. */
function fill(at: string, free: number): void {
  const s = statfsSync(at);
  const size = s.bavail * s.bsize - free;
  if (size > 0) writeFileSync(join(at, `fill-${++made}`), Buffer.alloc(size));
}

describe('a full disk', () => {
  it('train --save: one line in words, the previous checkpoint intact', HANG_GUARD, async (t) => {
    const disk = fresh('disk');
    mkdirSync(disk);
    if (!mount(t, disk, 'size=2m')) return;
    const model = join(disk, 'model');
    await checkpointAt(model);
    const before = await readCheckpoint(model);
    // Room for the lock (one page), not for a checkpoint.
    fill(disk, 4096);
    for (const extra of [[], ['--checkpoint-every', '500']]) {
      const r = await runCli(['train', DATA, '-q', '--json', '--resume', model, ...extra]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `inc-learn: ${model}: cannot save the checkpoint: no space left on the device (ENOSPC); the previous checkpoint there is intact\n`);
      assert.deepEqual((await readCheckpoint(model)).state, before.state);
      assert.deepEqual(readdirSync(disk).filter((f) => f.startsWith('model')), ['model']);
    }
    // No room for the lock either: refused before the first row.
    fill(disk, 0);
    assertRefused(await startCli(['train', '-', '--resume', model]).done, model, /cannot write the checkpoint here: no space left on the device \(ENOSPC\)/);
  });

  it('predict --learn writes the predictions it made, then the error', async (t) => {
    const disk = fresh('disk');
    mkdirSync(disk);
    if (!mount(t, disk, 'size=2m')) return;
    const model = join(disk, 'model');
    await checkpointAt(model);
    fill(disk, 4096);
    const rows = readFileSync(DATA, 'utf8').trimEnd().split('\n').length - 1;
    for (const [extra, lines] of [[[], rows], [['--checkpoint-every', '700'], 700]] as const) {
      const r = await runCli(['predict', '--learn', '--model', model, '--output', 'jsonl', DATA, ...extra]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(jsonLines(r.stdout).length, lines);
      assert.equal(r.stderr, `inc-learn: ${model}: cannot save the checkpoint: no space left on the device (ENOSPC); the previous checkpoint there is intact\n`);
      // The same predictions a run with room would have made.
      const free = await runCli(['predict', '--learn', '--model', model, '--output', 'jsonl', DATA, '--save', fresh('room')]);
      assert.deepEqual(jsonLines(r.stdout), jsonLines(free.stdout).slice(0, lines));
    }
  });
});
