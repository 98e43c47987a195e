/**
 * Stopping, on every kind of input: a file, a named pipe given as a path, a pipe, a socket and a
 * terminal on stdin. SIGINT or SIGTERM ends the run promptly with its rows learned, checkpointed and
 * reported; a second signal ends it at once; nothing is left in the temporary directory. No test
 * asserts on time: waits are for events (a line of output, a pipe drained), and the test's own
 * timeout bounds a run that would not stop.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../src/persist/store.js';
import { learners } from '../src/learners/registry.js';
import { BIN, jsonLines, runCli, unreadInPipe } from './helpers.js';

/**
 * The learners every input kind is tried with, and the options that make each one. Every other
 * learner of the registry runs in one side-by-side run (one reader, every learner behind it);
 * predict --learn takes one learner of such a checkpoint: arf, the slowest per row.
 */
const OTHERS = learners()
  .map((e) => e.name)
  .filter((name) => name !== 'linear' && name !== 'mlp');
const SIDE_BY_SIDE = 'every other learner, side by side';
const LEARNERS: Record<string, string[]> = {
  linear: [],
  mlp: ['--model', 'mlp', '--hidden', '4'],
  [SIDE_BY_SIDE]: ['--model', OTHERS.join(',')],
};
const PREDICT_LEARNER: Record<string, string[]> = { [SIDE_BY_SIDE]: ['--learner', 'arf'] };

let dir: string;
const children: ChildProcess[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-stopping-'));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[], stdio: ('pipe' | 'ignore' | number)[], env: Record<string, string> = {}): Run {
  const child = spawn(command, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin?.on('error', () => {});
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

const inc = (args: string[], stdio: ('pipe' | 'ignore' | number)[] = ['pipe', 'pipe', 'pipe'], env: Record<string, string> = {}): Run =>
  start(process.execPath, [BIN, ...args], stdio, env);

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: () => boolean): Promise<void> {
  while (!what()) await tick(20);
}

/** The inc-learn process among the children of `parent` (script's), once it has started. */
function runUnder(parent: number): string | undefined {
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(' ');
    // Not script's forked copy, nor the shell before its exec: node itself, on the terminal.
    return children.find((p) => p !== '' && readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ') === `${process.execPath} ${BIN}` && readlinkSync(`/proc/${p}/fd/0`).startsWith('/dev/pts/'));
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Rows of a small classification stream, after a header. */
function csvRows(n: number, from = 0): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += `${(i % 97) / 10},${(i * 7) % 13},${i % 2}\n`;
  return s;
}
const HEADER = 'a,b,label\n';

/** A named pipe, opened for reading and writing: the reading end for a child's stdin, the writing end for the test. */
function fifo(name: string): { path: string; read: number; write: number } {
  const path = join(dir, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  const read = openSync(path, 'r+');
  const write = openSync(path, 'w');
  return { path, read, write };
}


function summaryOf(run: Run): Record<string, any> {
  const summary = jsonLines(run.stdout()).at(-1)!;
  assert.equal(summary.event, 'summary', run.stdout());
  return summary;
}

/** The files a process has open under `root` (the spool is one, unlinked: "... (deleted)"). */
function openUnder(pid: number, root: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(root)) out.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

// The groups below run side by side: their runs mostly wait on input or signals, each in its own
// files (names, TMPDIR), and one after the other they made the suite's longest file.
describe('stopping a run', { concurrency: 4 }, () => {
  describe('Ctrl-C on train -: every row read is learned, scored and checkpointed', () => {
    for (const rows of [3, 6000]) {
      for (const thread of ['--parse-thread', '--no-parse-thread']) {
        it(`${rows} rows read from an idle pipe, ${thread}`, { timeout: 60_000 }, async () => {
          const pipe = fifo(`rows-${rows}${thread}`);
          const save = join(dir, `ck-${rows}${thread}`);
          const run = inc(['train', '-', '--json', '-q', '--save', save, thread], [pipe.read, 'pipe', 'pipe']);
          closeSync(pipe.read);
          writeSync(pipe.write, HEADER + csvRows(rows));
          // Every byte is in the process; the pipe stays open and silent.
          await until(() => unreadInPipe(pipe.path) === 0);
          run.child.kill('SIGINT');
          const { code } = await run.exit;
          closeSync(pipe.write);
          assert.equal(code, 130, run.stderr());
          const summary = summaryOf(run);
          assert.equal(summary.interrupted, true);
          assert.equal(summary.rows, rows);
          assert.equal(summary.evaluated, rows);
          assert.equal(summary.checkpoint, save);
          assert.equal((await readCheckpoint(save)).state.counts.rows, rows);
        });
      }
    }

    it('drops a line cut short by the signal instead of failing on it', { timeout: 60_000 }, async () => {
      const pipe = fifo('cut');
      const run = inc(['train', '-', '--json', '-q', '--no-parse-thread'], [pipe.read, 'pipe', 'pipe']);
      closeSync(pipe.read);
      writeSync(pipe.write, HEADER + csvRows(10) + '4.5,');
      await until(() => unreadInPipe(pipe.path) === 0);
      run.child.kill('SIGINT');
      const { code } = await run.exit;
      closeSync(pipe.write);
      assert.equal(code, 130, run.stderr());
      assert.equal(summaryOf(run).rows, 10);
    });
  });

  describe('the stdin spool', () => {
    for (const epochs of [1, 2]) {
      it(`exists only when a later epoch replays stdin, and never outlives the run (--epochs ${epochs})`, { timeout: 60_000 }, async () => {
        const tmp = join(dir, `tmp-${epochs}`);
        mkdirSync(tmp);
        const pipe = fifo(`spool-${epochs}`);
        const run = inc(['train', '-', '--json', '-q', '--epochs', String(epochs)], [pipe.read, 'pipe', 'pipe'], { TMPDIR: tmp });
        closeSync(pipe.read);
        writeSync(pipe.write, HEADER + csvRows(6000));
        await until(() => unreadInPipe(pipe.path) === 0 && run.stdout().includes('"event":"start"'));
        const spooled = openUnder(run.child.pid!, tmp);
        if (epochs === 1) assert.deepEqual(spooled, [], 'nothing spooled for a single pass');
        else assert.ok(spooled.length === 1 && spooled[0]!.endsWith('(deleted)'), `a spool without a name: ${spooled.join(', ')}`);
        assert.deepEqual(readdirSync(tmp), []);
        run.child.kill('SIGINT');
        run.child.kill('SIGINT');
        const { code } = await run.exit;
        closeSync(pipe.write);
        assert.equal(code, 130, run.stderr());
        assert.deepEqual(readdirSync(tmp), [], 'nothing left behind');
      });
    }
  });

  describe('Ctrl-C with the reader thread far ahead of a slow learner', () => {
    it('is handled during the epoch, and no empty epoch follows', { timeout: 120_000 }, async () => {
      const file = join(dir, 'long.csv');
      let text = HEADER;
      for (let k = 0; k < 40; k++) text += csvRows(10_000, k * 10_000);
      writeFileSync(file, text);
      const run = inc(['train', file, '--json', '-q', '--parse-thread', '--epochs', '2', ...LEARNERS.mlp!]);
      await until(() => run.stdout().includes('"event":"start"') || run.child.exitCode !== null);
      run.child.kill('SIGINT');
      const { code } = await run.exit;
      assert.equal(code, 130, run.stderr());
      const epochs = jsonLines(run.stdout()).filter((e) => e.event === 'epoch');
      assert.equal(epochs.length, 1, 'no epoch after the signal');
      assert.ok((epochs[0]!.rows as number) < 400_000, `stopped within the first epoch (${String(epochs[0]!.rows)} rows)`);
      assert.equal(summaryOf(run).interrupted, true);
    });
  });

  /** Each kind of input: how to start a run on it (`args` before the input), and what the input is once the run is started. */
  interface Kind {
    name: string;
    /** Starts the run; resolves once the run is under way (its rows read, or waiting for them). */
    run(args: string[]): Promise<{ run: Run; done: () => void }>;
  }

  /**
   * The run is under way, its signal handlers in place: train has read enough rows to infer the
   * schema (its start event), predict has answered a row.
   */
  const started = (r: Run): boolean => r.stdout().includes('"event":"start"') || /\n[01],/.test(r.stdout()) || r.child.exitCode !== null;
  /** Enough rows for train's first batch, so that it starts. */
  const ROWS = HEADER + csvRows(5000);

  const KINDS: Kind[] = [
    {
      name: 'a file',
      async run(args) {
        const file = join(dir, 'kind-file.csv');
        if (!existsSync(file)) writeFileSync(file, HEADER + csvRows(50_000));
        const run = inc([...args, file, '--epochs', '1000000']);
        await until(() => started(run));
        return { run, done: () => {} };
      },
    },
    {
      name: 'a named pipe given as a path, no writer yet',
      async run(args) {
        const path = join(dir, `kind-fifo-${children.length}`);
        assert.equal(spawnSync('mkfifo', [path]).status, 0);
        const run = inc([...args, path, '--format', 'csv']);
        // Waiting for a writer: the process is up once it has read its modules.
        await until(() => existsSync(`/proc/${run.child.pid}/fd`) && openUnder(run.child.pid!, path).length > 0);
        return { run, done: () => {} };
      },
    },
    {
      name: 'a named pipe given as a path, with an idle writer',
      async run(args) {
        const pipe = fifo(`kind-fifo-w-${children.length}`);
        const run = inc([...args, pipe.path]);
        writeSync(pipe.write, ROWS);
        await until(() => started(run));
        closeSync(pipe.read);
        return { run, done: () => closeSync(pipe.write) };
      },
    },
    {
      name: 'a pipe on stdin',
      async run(args) {
        const pipe = fifo(`kind-pipe-${children.length}`);
        const run = inc([...args, '-'], [pipe.read, 'pipe', 'pipe']);
        closeSync(pipe.read);
        writeSync(pipe.write, ROWS);
        await until(() => started(run));
        return { run, done: () => closeSync(pipe.write) };
      },
    },
    {
      name: 'a socket on stdin',
      async run(args) {
        const run = inc([...args, '-']);
        run.child.stdin!.write(ROWS);
        await until(() => started(run));
        return { run, done: () => run.child.stdin!.end() };
      },
    },
  ];

  /** Whether `script` (util-linux) can give a run a terminal here. */
  const SCRIPT = spawnSync('script', ['-qec', 'true', '/dev/null']).status === 0;

  async function stopsOn(kind: Kind, args: string[], signal: NodeJS.Signals, twice: boolean): Promise<void> {
    const { run, done } = await kind.run(args);
    run.child.kill(signal);
    if (twice) run.child.kill(signal);
    const { code } = await run.exit;
    done();
    assert.equal(code, signal === 'SIGINT' ? 130 : 143, `${kind.name}: ${run.stderr()}`);
  }

  // The learners' groups run side by side; each group in order (its terminal test uses the model its
  // predict test saves; a suite's tests would otherwise inherit its concurrency).
  describe('every input stops on SIGINT and SIGTERM, and at once on a second signal', { concurrency: Object.keys(LEARNERS).length }, () => {
    for (const [learner, options] of Object.entries(LEARNERS)) describe(learner, { concurrency: 1 }, () => {
      for (const kind of KINDS) {
        it(`train, ${learner}, ${kind.name}`, { timeout: 60_000 }, async () => {
          await stopsOn(kind, ['train', '--json', '-q', ...options], 'SIGINT', false);
          // SIGTERM and the second signal are the process's, whatever learns: tried with the default learner.
          if (learner !== 'linear') return;
          await stopsOn(kind, ['train', '--json', '-q', ...options], 'SIGTERM', false);
          await stopsOn(kind, ['train', '--json', '-q', ...options], 'SIGINT', true);
        });
      }
      const chosen = PREDICT_LEARNER[learner] ?? [];
      it(`predict --learn, ${learner}${chosen.length > 0 ? ` (${chosen[1]})` : ''}, on each input`, { timeout: 120_000 }, async () => {
        const model = join(dir, `model-${learner.replace(/\W+/g, '-')}`);
        if (!existsSync(model)) {
          writeFileSync(join(dir, 'fit.csv'), HEADER + csvRows(200));
          const fit = await runCli(['train', join(dir, 'fit.csv'), '-q', '--save', model, ...options]);
          assert.equal(fit.code, 0, fit.stderr);
        }
        for (const kind of KINDS.slice(1)) {
          const copy = join(dir, `model-${learner.replace(/\W+/g, '-')}-${children.length}`);
          spawnSync('cp', ['-r', model, copy]);
          await stopsOn(kind, ['predict', '--model', copy, '--learn', '-q', ...chosen], 'SIGINT', false);
          if (learner === 'linear') await stopsOn(kind, ['predict', '--model', copy, '--learn', '-q', ...chosen], 'SIGTERM', true);
        }
      });
      it(`train and predict --learn, ${learner}, a terminal on stdin: Ctrl-C`, { timeout: 60_000, skip: SCRIPT ? false : 'script (util-linux) is not installed' }, async () => {
        // A copy of the model the predict test saved, as that test uses, so that no other run's lock is met.
        const model = join(dir, `model-${learner.replace(/\W+/g, '-')}-terminal`);
        const saved = join(dir, `model-${learner.replace(/\W+/g, '-')}`);
        if (existsSync(saved)) spawnSync('cp', ['-r', saved, model]);
        for (const command of [['train', '-', '--json', ...options], ['predict', '--model', model, '--learn', '-', '--format', 'csv', ...chosen]]) {
          const inner = [process.execPath, BIN, ...command].map((a) => `'${a}'`).join(' ');
          // script gives the run a terminal; what is written to script's stdin is typed on it.
          const run = start('script', ['-qec', `exec ${inner}`, '/dev/null'], ['pipe', 'pipe', 'pipe']);
          run.child.stdin!.write(HEADER + csvRows(5).replace(/\n/g, '\r'));
          // The run has taken the typed rows: its handlers are in place (installed before it opens its
          // input). The terminal echoes them at once, before the run has even started: a Ctrl-C typed
          // then reached nobody, and the run waited for ever on a terminal whose input it flushed.
          let pid: string | undefined;
          await until(() => (pid = runUnder(run.child.pid!)) !== undefined || run.child.exitCode !== null);
          if (pid !== undefined) {
            const terminal = readlinkSync(`/proc/${pid}/fd/0`);
            // A terminal that is gone (the run ended already) has nothing left unread either.
            const taken = (): boolean => {
              try {
                return unreadInPipe(terminal) === 0;
              } catch {
                return true;
              }
            };
            await until(() => run.child.exitCode !== null || taken());
          }
          // Ctrl-C, typed: the terminal sends SIGINT to the run.
          run.child.stdin!.write('\x03');
          const { code } = await run.exit;
          assert.equal(code, 130, `${command[0]}: ${run.stdout()}`);
        }
      });
    });
  });
});
