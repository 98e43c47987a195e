/** Inputs a new user brings: other delimiters, quoted header names with line breaks, decimal commas. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sniffDelimiter } from '../src/io/delimiter.js';
import { jsonLines, ROOT, runCli } from './helpers.js';

const SEA = readFileSync(`${ROOT}datasets/sea_drift.csv`, 'utf8');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-input-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The epoch and summary events without timings and the process's memory. */
function metrics(stdout: string): unknown[] {
  return jsonLines(stdout)
    .filter((e) => e.event !== 'start')
    .map(({ rows_per_sec: _r, elapsed_ms: _e, peak_rss_bytes: _m, ...rest }) => rest);
}

describe('delimiter sniffing', () => {
  it('takes ;, tab or | when the first line does not split on commas and the next lines agree', () => {
    assert.equal(sniffDelimiter('a;b;c\n1;2;3\n4;5;6\n'), ';');
    assert.equal(sniffDelimiter('a\tb\n1\t2\n'), '\t');
    assert.equal(sniffDelimiter('a|b|c\r\n1|2|3\r\n'), '|');
    // Only the first line has arrived (a live input): it decides alone.
    assert.equal(sniffDelimiter('a;b\n'), ';');
    // A bar inside names, semicolons between them: the split the rows share wins.
    assert.equal(sniffDelimiter('a|x;b|y;c\n1;2;3\n4;5;6\n'), ';');
    // Quoted delimiters do not count.
    assert.equal(sniffDelimiter('"a;b"|c\n"1;2"|3\n'), '|');
  });

  it('leaves commas alone, and finds nothing where nothing fits', () => {
    assert.equal(sniffDelimiter('a,b;c\n1,2;3\n'), undefined);
    assert.equal(sniffDelimiter('"x;y"\n1\n'), undefined);
    assert.equal(sniffDelimiter('only\n1\n2\n'), undefined);
    // Rows that mostly disagree with the first line: not a delimiter.
    assert.equal(sniffDelimiter('a;b\n1\n2\n3;4\n5\n'), undefined);
  });

  it('trains on a ; , tab or | separated .csv as on the comma one, says so in the header, and --delimiter wins', async () => {
    const reference = await runCli(['train', write('comma.csv', SEA), '--json', '--quiet']);
    assert.equal(reference.code, 0, reference.stderr);
    for (const [name, d, shown] of [['semicolon.csv', ';', ';'], ['tab.csv', '\t', '\\t'], ['bar.csv', '|', '|']] as const) {
      const path = write(name, SEA.replace(/,/g, d));
      const note = `delimiter "${shown}" sniffed from the first lines, which do not split on commas (--delimiter to choose one)`;
      const variants = [[path], [path, '--parse-thread'], ['-']];
      const runs = await Promise.all(variants.map((args) => runCli(['train', ...args, '--json'], args[0] === '-' ? { stdin: readFileSync(path) } : {})));
      for (const [i, args] of variants.entries()) {
        const run = runs[i]!;
        assert.equal(run.code, 0, `${name} ${args.join(' ')}: ${run.stderr}`);
        assert.deepEqual(metrics(run.stdout), metrics(reference.stdout), `${name} ${args.join(' ')}`);
        assert.deepEqual((jsonLines(run.stdout)[0] as { schema: { notes: string[] } }).schema.notes, [note]);
        assert.ok(run.stderr.includes(`  note     ${note}\n`), run.stderr);
      }
      const inspected = await runCli(['inspect', path]);
      assert.match(inspected.stdout, /^attrib1 +numeric +feature$/m);
      assert.ok(inspected.stdout.includes(`note: ${note}`));
      // Predictions read the same file the same way.
      const model = join(dir, `${name}-model`);
      assert.equal((await runCli(['train', path, '--save', model, '--quiet'])).code, 0);
      const predicted = await runCli(['predict', '--model', model, path]);
      assert.equal(predicted.code, 0, predicted.stderr);
      assert.equal(predicted.stdout.split('\n').length, 10002);
    }
    const forced = await runCli(['train', join(dir, 'semicolon.csv'), '--delimiter', ',']);
    assert.equal(forced.code, 1);
    assert.equal(forced.stderr, `inc-learn: ${join(dir, 'semicolon.csv')}: found a single column, "attrib1;attrib2;attrib3;class", which is the target: no feature columns (another --delimiter?)\n`);
    // A comma file never gets a note.
    assert.equal('notes' in (jsonLines(reference.stdout)[0] as { schema: object }).schema, false);
  });
});

describe('quoted header names', () => {
  it('may hold a line break, as data cells may (RFC 4180)', async () => {
    const text = '"first\r\nsecond","x ""q""\ny",label\r\n1,2,a\r\n3,4,b\r\n5,6,a\r\n';
    const path = write('names.csv', text);
    for (const args of [[path], ['-']]) {
      const run = await runCli(['train', ...args, '--json', '--quiet'], args[0] === '-' ? { stdin: text } : {});
      assert.equal(run.code, 0, run.stderr);
      const start = jsonLines(run.stdout)[0] as { schema: { columns: { name: string; role: string }[] } };
      assert.deepEqual(start.schema.columns.map((c) => [c.name, c.role]), [['first\r\nsecond', 'feature'], ['x "q"\ny', 'feature'], ['label', 'target']]);
    }
    // inspect shows them on one line each.
    const inspected = await runCli(['inspect', path]);
    assert.match(inspected.stdout, /^first\\r\\nsecond +numeric +feature$/m);
    // A bare \r outside quotes is still an old Mac file.
    const mac = await runCli(['inspect', write('mac.csv', '"a\r\nb",c\r1,2\r3,4\r')]);
    assert.equal(mac.code, 1);
    assert.match(mac.stderr, /found \\r alone in the header/);
  });
});

describe('decimal commas', () => {
  const dots = SEA.split('\n').slice(0, 2001).join('\n') + '\n';
  const commas = dots.replace(/,/g, ';').replace(/\./g, ',');

  it('without --decimal: inspect and train refuse the column the same way, and suggest --decimal ,', async () => {
    const path = write('commas.csv', commas);
    const inspected = await runCli(['inspect', path]);
    const trained = await runCli(['train', path]);
    const message = `inc-learn: ${path}: field "attrib1": expected numbers, found "2,395531" (decimal comma? write 2.395531); give --decimal , when the comma is the decimal mark\n`;
    assert.equal(inspected.stderr, message);
    assert.equal(inspected.code, 1);
    assert.ok(trained.stderr.endsWith(message), trained.stderr);
    assert.equal(trained.code, 1);
  });

  it('with --decimal , they read as the numbers the decimal-point file holds, in train, inspect, predict and evaluate', async () => {
    const commaPath = write('commas.csv', commas);
    const dotPath = write('dots.csv', dots);
    const a = await runCli(['train', commaPath, '--decimal', ',', '--json', '--quiet', '--save', join(dir, 'comma-model')]);
    const b = await runCli(['train', dotPath, '--json', '--quiet', '--save', join(dir, 'dot-model')]);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(metrics(a.stdout).map((e: any) => ({ ...e, checkpoint: null })), metrics(b.stdout).map((e: any) => ({ ...e, checkpoint: null })));
    const inspected = await runCli(['inspect', commaPath, '--decimal', ',']);
    assert.match(inspected.stdout, /^attrib1 +numeric +feature$/m);
    const pa = await runCli(['predict', '--model', join(dir, 'comma-model'), commaPath, '--decimal', ',']);
    const pb = await runCli(['predict', '--model', join(dir, 'dot-model'), dotPath]);
    assert.equal(pa.code, 0, pa.stderr);
    assert.equal(pa.stdout, pb.stdout);
    const ea = await runCli(['evaluate', '--model', join(dir, 'comma-model'), commaPath, '--decimal', ',', '--json']);
    const eb = await runCli(['evaluate', '--model', join(dir, 'dot-model'), dotPath, '--json']);
    const drop = (s: string): unknown => jsonLines(s).map(({ elapsed_ms: _e, rows_per_sec: _r, input: _i, model: _m, ...rest }) => rest);
    assert.deepEqual(drop(ea.stdout), drop(eb.stdout));
    // The checkpoint remembers it: a resumed run and predict read decimal commas without the flag.
    const resumed = await runCli(['train', commaPath, '--resume', join(dir, 'comma-model'), '--json', '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const remembered = await runCli(['predict', '--model', join(dir, 'comma-model'), commaPath]);
    assert.equal(remembered.code, 0, remembered.stderr);
  });

  it('--decimal , with a comma delimiter is a usage error; another mark is refused', async () => {
    const comma = await runCli(['train', write('plain.csv', dots), '--decimal', ',']);
    assert.equal(comma.code, 2);
    assert.match(comma.stderr, /--decimal , needs a delimiter other than the comma \(.*plain\.csv's first line splits on commas\): give --delimiter, e.g. ';'/);
    const other = await runCli(['train', join(dir, 'plain.csv'), '--decimal', ':']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /--decimal must be one of \., ,; got ":"/);
  });
});
