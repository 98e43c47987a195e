/** Messages for the mistakes a new user makes in the first hour: each names the fix. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonLines, ROOT, runCli } from './helpers.js';

const SEA = `${ROOT}datasets/sea_drift.csv`;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-messages-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--model in predict and evaluate', () => {
  it('a learner name that is no directory: says these commands take the directory train --save writes', async () => {
    for (const [command, learner] of [['predict', 'mlp'], ['evaluate', 'linear']] as const) {
      const { code, stdout, stderr } = await runCli([command, '--model', learner, SEA]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`^inc-learn: --model ${learner}: no such directory; ${command} takes the checkpoint directory that train --save writes, not a learner: e.g. inc-learn train data.csv --model ${learner} --save ${learner}-model\\b`));
    }
    // Any other missing directory keeps the plain message.
    const other = await runCli(['predict', '--model', join(dir, 'nothing'), SEA]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /nothing: no checkpoint here: no such directory\n$/);
  });

  it('a directory that is not a checkpoint is "not a checkpoint", not a corrupt one', async () => {
    const foreign = join(dir, 'photos');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'cat.jpg'), 'x');
    for (const target of [foreign, dir]) {
      const { code, stderr } = await runCli(['evaluate', '--model', target, SEA]);
      assert.equal(code, 1);
      assert.equal(stderr, `inc-learn: ${target}: not a checkpoint: no checkpoint.json in this directory (a checkpoint is the directory train --save writes)\n`);
    }
  });
});

describe('column names', () => {
  it('--target, --features and --ignore suggest the column that differs only in case', async () => {
    for (const [flag, value, expected] of [
      ['--target', 'Class', /--target "Class" is not a column; did you mean "class"\? \(names are case-sensitive\); the columns are: attrib1, attrib2, attrib3, class\n$/],
      ['--features', 'ATTRIB1', /--features: column "ATTRIB1" does not exist; did you mean "attrib1"\?/],
      ['--ignore', 'Attrib3', /--ignore: column "Attrib3" does not exist; did you mean "attrib3"\?/],
    ] as const) {
      const { code, stderr } = await runCli(['train', SEA, flag, value]);
      assert.equal(code, 1, `${flag} ${value}`);
      assert.match(stderr, expected);
    }
    const typo = await runCli(['train', SEA, '--target', 'klass']);
    assert.doesNotMatch(typo.stderr, /did you mean/);
  });

  it('a header of numbers gets a note suggesting --no-header, in inspect and in the run header', async () => {
    const file = join(dir, 'numbers.csv');
    writeFileSync(file, '0.5,1.5,0\n0.25,2.5,1\n0.75,3.5,0\n');
    const inspected = await runCli(['inspect', file]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, /note: every header name is a number \(0\.5, 1\.5, 0\): if the first line is data, give --no-header\n/);
    const trained = await runCli(['train', file, '--json']);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /\n {2}note {5}every header name is a number/);
    const start = jsonLines(trained.stdout)[0] as { schema: { notes?: string[] } };
    assert.deepEqual(start.schema.notes, ['every header name is a number (0.5, 1.5, 0): if the first line is data, give --no-header']);
    // Not with --no-header, nor for a header of names.
    const noHeader = await runCli(['inspect', file, '--no-header', '--json']);
    assert.equal((jsonLines(noHeader.stdout)[0] as { notes?: string[] }).notes, undefined);
    const named = await runCli(['train', SEA, '--json', '--quiet']);
    assert.equal('notes' in (jsonLines(named.stdout)[0] as { schema: object }).schema, false);
  });
});
