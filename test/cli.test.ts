/** End to end: the built CLI spawned on files and on stdin, as a user runs it. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ROOT, SHARED_MISSING, jsonLines, runCli, sharedDataset } from './helpers.js';

const BUNDLED = `${ROOT}datasets/sea_drift.csv`;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The epoch and summary events without the timing and process memory fields, which differ from run to run. */
function metricsOf(stdout: string): unknown[] {
  return jsonLines(stdout)
    .filter((e) => e.event !== 'start')
    .map(({ rows_per_sec: _r, elapsed_ms: _e, peak_rss_bytes: _m, ...rest }) => rest);
}

describe('inc-learn train', () => {
  it('emits start, epoch and summary JSON lines with the documented fields', async () => {
    const { code, stdout, stderr } = await runCli(['train', BUNDLED, '--json']);
    assert.equal(code, 0, stderr);
    const events = jsonLines(stdout);
    assert.deepEqual(events.map((e) => e.event), ['start', 'epoch', 'summary']);
    const [start, epoch, summary] = events as [Record<string, any>, Record<string, any>, Record<string, any>];
    assert.equal(start.backend, 'js');
    assert.equal(start.seed, 1);
    assert.equal(start.schema.target, 'class');
    assert.match(start.learner, /^logistic\(sgd/);
    for (const key of ['epoch', 'rows', 'trained', 'loss', 'accuracy', 'rows_per_sec', 'elapsed_ms']) assert.ok(key in epoch, key);
    assert.equal(epoch.rows, 10000);
    assert.equal(epoch.trained, 10000);
    assert.ok(epoch.accuracy > 0.8, `accuracy ${epoch.accuracy}`);
    assert.equal(summary.rows, 10000);
    assert.equal(summary.interrupted, false);
    // The header went to stderr, so stdout stays pure JSON.
    assert.match(stderr, /learner +logistic/);
  });

  it('gives identical metrics for the same seed, from a file, from stdin and from gzip', async () => {
    const csv = readFileSync(BUNDLED);
    const gz = join(dir, 'data.csv.gz');
    writeFileSync(gz, gzipSync(csv));
    const args = ['--json', '--seed', '7', '--holdout', '0.2', '--epochs', '2'];
    const runs = await Promise.all([runCli(['train', BUNDLED, ...args]), runCli(['train', BUNDLED, ...args]), runCli(['train', '-', ...args], { stdin: csv }), runCli(['train', gz, ...args])]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const [first, ...others] = runs.map((r) => metricsOf(r.stdout));
    for (const other of others) assert.deepEqual(other, first);
    const epochs = first!.filter((e: any) => e.event === 'epoch') as Record<string, number>[];
    assert.equal(epochs.length, 2);
    assert.ok(epochs[0]!.held_out! > 1700 && epochs[0]!.held_out! < 2300);
    assert.ok(typeof epochs[0]!.val_accuracy === 'number' && typeof epochs[0]!.val_loss === 'number');
  });

  it('replays the data once per epoch', async () => {
    const { stdout } = await runCli(['train', BUNDLED, '--json', '--epochs', '3']);
    const epochs = jsonLines(stdout).filter((e) => e.event === 'epoch');
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.ok(epochs.every((e) => e.rows === 10000));
  });

  it('prints a table on stdout and a header on stderr for people', async () => {
    const { code, stdout, stderr } = await runCli(['train', BUNDLED, '--epochs', '2']);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0]!, /epoch +rows +trained +loss +accuracy/);
    assert.equal(lines.length, 3);
    assert.doesNotMatch(stdout, /\u001b\[/, 'NO_COLOR is honoured');
    assert.match(stderr, /schema +3 features \(3 numeric, 0 categorical\)/);
    assert.match(stderr, /backend +js/);
  });

  it('learns categorical features one-hot and reports regression metrics', async () => {
    const stagger = await runCli(['train', `${ROOT}datasets/stagger.csv`, '--json']);
    assert.equal(stagger.code, 0, stagger.stderr);
    const [, epoch, summary] = jsonLines(stagger.stdout) as Record<string, any>[];
    assert.equal(summary!.features, 10, 'weight + 3 sizes + 3 colours + 3 shapes');
    assert.ok(summary!.missing_imputed > 150, 'about 5% of 5000 weights are missing');
    assert.ok(epoch!.accuracy > 0.75, `stagger accuracy ${epoch!.accuracy}`);
    const friedman = await runCli(['train', `${ROOT}datasets/friedman.csv`, '--json']);
    assert.equal(friedman.code, 0, friedman.stderr);
    const events = jsonLines(friedman.stdout) as Record<string, any>[];
    assert.equal(events[0]!.schema.task, 'regression');
    assert.ok(events[1]!.rmse < 3.5 && events[1]!.mae < events[1]!.rmse, JSON.stringify(events[1]));
    assert.equal(events[1]!.accuracy, undefined);
  });

  it('reads JSONL from stdin', async () => {
    const jsonl = execFileSync(process.execPath, [`${ROOT}bin/inc-learn.js`, 'generate', 'sea', '--rows', '3000', '--format', 'jsonl']);
    const { code, stdout, stderr } = await runCli(['train', '-', '--json'], { stdin: jsonl });
    assert.equal(code, 0, stderr);
    const events = jsonLines(stdout) as Record<string, any>[];
    assert.equal(events[0]!.format, 'jsonl');
    assert.equal(events[1]!.rows, 3000);
  });

  it('trains the TensorFlow.js MLP on mini-batches', async () => {
    const { code, stdout, stderr } = await runCli(['train', BUNDLED, '--json', '--model', 'mlp', '--hidden', '16', '--batch-size', '32']);
    assert.equal(code, 0, stderr);
    const [start, epoch] = jsonLines(stdout) as Record<string, any>[];
    assert.match(start!.backend, /^(tensorflow|wasm|cpu)$/);
    assert.match(start!.learner, /^mlp\(/);
    assert.ok(epoch!.accuracy > 0.75, `mlp accuracy ${epoch!.accuracy}`);
  });
});

describe('inc-learn inspect', () => {
  it('prints the inferred schema without training, as text or JSON', async () => {
    const text = await runCli(['inspect', `${ROOT}datasets/stagger.csv`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /size +categorical +feature/);
    assert.match(text.stdout, /classes seen \(2\)/);
    const json = await runCli(['inspect', BUNDLED, '--json']);
    const [schema] = jsonLines(json.stdout) as Record<string, any>[];
    assert.equal(schema!.target, 'class');
    assert.equal(schema!.task, 'classification');
    assert.deepEqual(schema!.columns.map((c: { type: string }) => c.type), ['numeric', 'numeric', 'numeric', 'numeric']);
  });
});

describe('errors', () => {
  it('a missing file is one line naming it, exit 1, no stack trace', async () => {
    const { code, stdout, stderr } = await runCli(['train', 'no/such.csv']);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /no\/such\.csv/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  it('an unknown --target lists the columns that exist', async () => {
    const { code, stderr } = await runCli(['train', BUNDLED, '--target', 'price']);
    assert.equal(code, 1);
    assert.match(stderr, /--target "price" is not a column; the columns are: attrib1, attrib2, attrib3, class/);
  });

  it('a malformed row names the file, the line and the field', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'a,b,label\n1,2,0\n3,4,1\n5,oops,0\n');
    const { code, stderr } = await runCli(['train', file, '--infer-rows', '2']);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').at(-1), `inc-learn: ${file}:4: field "b": expected a number, found "oops"`);
  });

  it('bad flags exit 2 naming the flag and what it allows', async () => {
    for (const [args, pattern] of [
      [['--epochs', '0'], /--epochs must be an integer >= 1/],
      [['--model', 'xgboost'], /--model "xgboost" is not a learner; the learners are: linear, mlp/],
      [['--model', 'lienar'], /--model "lienar" is not a learner \(did you mean linear\?\)/],
      [['--model', 'MPL'], /did you mean mlp\?/],
      [['--sampler', 'bernoulli', '--sample-rate', '1.5'], /--sample-rate must be a number > 0 and <= 1/],
      [['--model', 'mlp', '--batch-size', '0'], /--batch-size must be an integer >= 1/],
      [['--no-such-flag'], /unknown option '--no-such-flag'/],
    ] as const) {
      const { code, stderr } = await runCli(['train', BUNDLED, ...args]);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, pattern);
    }
  });
});

describe('on the shared real streams', () => {
  const elec = sharedDataset('elec.csv');
  const sea = sharedDataset('sea_stream.csv');

  it('reaches the accuracy bars with default settings', { skip: elec && sea ? false : SHARED_MISSING }, async () => {
    for (const [file, bar] of [
      [elec!, 0.87],
      [sea!, 0.84],
    ] as const) {
      const { stdout } = await runCli(['train', file, '--json']);
      const epoch = jsonLines(stdout).find((e) => e.event === 'epoch') as Record<string, number>;
      assert.ok(epoch.accuracy! >= bar, `${file}: ${epoch.accuracy}`);
    }
  });

  it('learns exactly what the C reference learns with the same settings', { skip: elec ? false : SHARED_MISSING }, async (t) => {
    const exe = join(dir, 'ref_lr');
    try {
      execFileSync('gcc', ['-O2', '-o', exe, `${ROOT}../shared/bench/ref_lr.c`, '-lm']);
    } catch {
      t.skip('skipped: no C compiler');
      return;
    }
    const reference = execFileSync(exe, [elec!, '0.1'], { encoding: 'utf8' });
    const { stdout } = await runCli(['train', elec!, '--json', '--optimizer', 'sgd', '--lr', '0.1']);
    const epoch = jsonLines(stdout).find((e) => e.event === 'epoch') as Record<string, number>;
    assert.equal(reference.trim(), `rows ${epoch.rows} accuracy ${epoch.accuracy!.toFixed(4)}`);
  });
});

describe('inc-learn train on row-indexed CSV (pandas to_csv, R write.csv)', () => {
  /** Rows whose class is a + b > 1, sorted by class so that the row number would predict it. */
  function indexed(style: 'pandas' | 'r', n = 4000): string {
    const rows: [number, number, number][] = [];
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      const a = rand();
      const b = rand();
      rows.push([a, b, a + b > 1 ? 1 : 0]);
    }
    const out = [style === 'pandas' ? ',a,b,label' : '"","a","b","label"'];
    rows.forEach(([a, b, y], i) => out.push(`${style === 'pandas' ? i : `"${i + 1}"`},${a.toFixed(4)},${b.toFixed(4)},${y}`));
    return out.join('\n') + '\n';
  }

  it('names the empty header column, leaves the row index out with a note, and learns', async () => {
    for (const style of ['pandas', 'r'] as const) {
      const file = join(dir, `${style}.csv`);
      writeFileSync(file, indexed(style));
      const { code, stdout, stderr } = await runCli(['train', file, '--json']);
      assert.equal(code, 0, stderr);
      const from = style === 'pandas' ? '0, 1, 2' : '1, 2, 3';
      assert.ok(
        stderr.includes(`  ignored  "c1": no name in the header, named "c1"; the row number (${from}, ...), a row index like pandas' or R's: name it in --features to use it`),
        stderr,
      );
      const [start, , summary] = jsonLines(stdout) as Record<string, any>[];
      assert.deepEqual(start!.schema.columns.map((c: { name: string; role: string }) => [c.name, c.role]), [['c1', 'ignored'], ['a', 'feature'], ['b', 'feature'], ['label', 'target']]);
      assert.equal(summary!.rows, 4000);
      assert.equal(summary!.skipped, 0);
      assert.ok(summary!.accuracy > 0.95, `${style}: accuracy ${summary!.accuracy}`);
    }
  });

  it('uses the index when --features names it, and --ignore/--columns still work', async () => {
    const file = join(dir, 'pandas-flags.csv');
    writeFileSync(file, indexed('pandas', 500));
    const kept = await runCli(['train', file, '--json', '--features', 'c1,a,b']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.ok(kept.stderr.includes('  note     "c1": no name in the header, named "c1"\n'), kept.stderr);
    const start = jsonLines(kept.stdout)[0] as Record<string, any>;
    assert.equal(start.schema.columns[0].role, 'feature');
    const ignored = await runCli(['train', file, '--json', '--ignore', 'c1']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.equal((jsonLines(ignored.stdout)[0] as Record<string, any>).schema.columns[0].role, 'ignored');
    const renamed = await runCli(['train', file, '--json', '--columns', 'row,a,b,label', '--ignore', 'row']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal((jsonLines(renamed.stdout)[0] as Record<string, any>).schema.columns[0].name, 'row');
    assert.ok(!renamed.stderr.includes('no name in the header'), renamed.stderr);
  });
});

describe('inc-learn train on JSON lines with nested values', () => {
  /** {"a", "b", "meta": {...}, "tags": [...], "label"}: the label is a + b > 1; meta repeats, tags carry escapes. */
  function nested(n = 4000): string {
    let s = 11;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = Number(rand().toFixed(4));
      const b = Number(rand().toFixed(4));
      const meta = i % 3 === 0 ? '{"src": "web", "v": [1, {"k": "x\\"y"}]}' : '{"src":"app"}';
      lines.push(`{"a":${a},"meta":${meta},"b":${b},"tags":[${i % 5}, "t\\u00e9"],"label":${a + b > 1 ? 1 : 0}}`);
    }
    return lines.join('\n') + '\n';
  }

  it('keeps nested values as cells that the schema leaves out with a note, and learns from the rest', async () => {
    const file = join(dir, 'nested.jsonl');
    writeFileSync(file, nested());
    for (const thread of ['--parse-thread', '--no-parse-thread']) {
      const { code, stdout, stderr } = await runCli(['train', file, '--json', thread]);
      assert.equal(code, 0, stderr);
      for (const name of ['meta', 'tags']) {
        assert.ok(stderr.includes(`  ignored  "${name}": JSON objects or arrays: name it in --features to use each value's JSON text as a category\n`), stderr);
      }
      const [start, , summary] = jsonLines(stdout) as Record<string, any>[];
      assert.deepEqual(start!.schema.columns.map((c: { name: string; role: string }) => [c.name, c.role]), [
        ['a', 'feature'], ['meta', 'ignored'], ['b', 'feature'], ['tags', 'ignored'], ['label', 'target'],
      ]);
      assert.equal(summary!.rows, 4000);
      assert.equal(summary!.skipped, 0);
      assert.ok(summary!.accuracy > 0.95, `accuracy ${summary!.accuracy}`);
    }
    const ignored = await runCli(['train', file, '--json', '--ignore', 'meta,tags']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.ok(!ignored.stderr.includes('JSON objects or arrays'), ignored.stderr);
    assert.equal((jsonLines(ignored.stdout)[2] as Record<string, any>).accuracy, (jsonLines((await runCli(['train', file, '--json'])).stdout)[2] as Record<string, any>).accuracy);
  });

  it('uses a nested column named in --features as categories of its JSON text, and refuses it as the target', async () => {
    const file = join(dir, 'nested-asked.jsonl');
    writeFileSync(file, nested(600));
    const asked = await runCli(['train', file, '--json', '--features', 'a,b,meta']);
    assert.equal(asked.code, 0, asked.stderr);
    const [start, , summary] = jsonLines(asked.stdout) as Record<string, any>[];
    assert.deepEqual(start!.schema.columns[1], { name: 'meta', type: 'categorical', role: 'feature' });
    assert.equal(summary!.features, 4, 'a, b and a one-hot slot for each of the two meta values');
    assert.equal(summary!.skipped, 0);
    const target = await runCli(['train', file, '--target', 'tags']);
    assert.equal(target.code, 1);
    assert.equal(target.stderr, `inc-learn: ${file}: field "tags": expected numbers or text in the target column, found JSON objects or arrays (choose another with --target)\n`);
  });
});
