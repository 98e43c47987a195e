/** Each command's --help: its examples are shown, and every one of them runs as written. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES, type ExampleCommand } from '../src/cli/examples.js';
import { BIN, ROOT, runCli } from './helpers.js';

let dir: string;
let bin: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-help-'));
  bin = join(dir, 'bin');
  // `inc-learn` on PATH, as `npm link` puts it there.
  mkdirSync(bin);
  writeFileSync(join(bin, 'inc-learn'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'inc-learn'), 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a shell line in `cwd` with the bin shim first on PATH; a failing stage of a pipe fails it. */
function shell(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('running the bare name', () => {
  it('npx inc-learn finds the clone\'s own executable, from its root and from a subfolder, offline', async () => {
    for (const cwd of [ROOT, join(ROOT, 'test')]) {
      // --offline: were npx to look for a package on the registry, this fails instead of downloading one.
      // --ignore-scripts: npx installs the clone into its cache as a linked `file:` dependency and runs
      // its `prepare` script, a rebuild that rewrote dist/ while other test files were loading it.
      const result = await shell('npx --offline --ignore-scripts inc-learn --help', cwd);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Usage: inc-learn /);
    }
  });
});

describe('help text', () => {
  it('inspect --help offers nothing that only applies to learning', async () => {
    const { stdout } = await runCli(['inspect', '--help']);
    assert.doesNotMatch(stdout, /while learning|progress bar|parse-thread|--quiet|--hash-bits/);
    // Still accepted, for scripts that pass the same flags to every command.
    const run = await runCli(['inspect', 'datasets/sea_drift.csv', '--no-parse-thread', '--quiet', '--hash-bits', '8']);
    assert.equal(run.code, 0, run.stderr);
  });

  it('generate --help describes each generator: task, columns and drift', async () => {
    const { stdout } = await runCli(['generate', '--help']);
    for (const name of ['sea', 'stagger', 'friedman', 'hyperplane']) assert.match(stdout, new RegExp(`^  ${name}\n.*\n    columns: .+\n    drift: .+`, 'm'));
    assert.match(stdout, /theta is 8, 9, 7, 9\.5 in the four quarters/);
  });

  it('generate refuses a label-noise fraction above 1, and takes any sd for regression', async () => {
    const sea = await runCli(['generate', 'sea', '--noise', '2', '--rows', '5']);
    assert.equal(sea.code, 2);
    assert.equal(sea.stderr, 'inc-learn: --noise for sea is the fraction of labels flipped, from 0 to 1; got 2\n');
    const friedman = await runCli(['generate', 'friedman', '--noise', '2', '--rows', '5']);
    assert.equal(friedman.code, 0, friedman.stderr);
    assert.equal(friedman.stdout.trim().split('\n').length, 6);
  });
});

describe('--help examples', { concurrency: true }, () => {
  for (const command of Object.keys(EXAMPLES) as ExampleCommand[]) {
    it(`${command} --help ends with examples that run as written`, async () => {
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0, help.stderr);
      const examples = EXAMPLES[command];
      assert.ok(examples.length >= 3, `${command} has ${examples.length} examples`);
      const tail = help.stdout.slice(help.stdout.indexOf('Examples'));
      for (const e of examples) assert.ok(tail.includes(`$ ${e.run}`) && tail.includes(`# ${e.what}`), `${command} --help shows: ${e.run}`);
      const cwd = mkdtempSync(join(dir, `${command}-`));
      symlinkSync(join(ROOT, 'datasets'), join(cwd, 'datasets'));
      for (const e of examples) {
        const result = await shell(e.run, cwd);
        assert.equal(result.code, 0, `${e.run}\n${result.stderr}`);
        assert.doesNotMatch(result.stderr, /inc-learn: /, `${e.run} printed an error`);
      }
    });
  }
});
