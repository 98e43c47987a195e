/**
 * The executable's start (src/cli/boot.ts): the bundled CLI compiled from the V8 code cache that
 * `npm run build` made, and compiled from its source when that cache does not fit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CACHE_FILE, loadCli, type LoadedCli } from '../src/cli/boot.js';
import { ROOT } from './helpers.js';

const BUNDLE = join(ROOT, 'dist/src/bundle');

test('a plain node, as the executable starts, takes the code cache the build made', () => {
  // A process of its own: V8 takes a cache only under the V8 flags it was made with, a plain start's.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const script = `process.stdout.write(require(${JSON.stringify(join(BUNDLE, 'boot.cjs'))}).loadCli(${JSON.stringify(BUNDLE)}).cache)`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }), 'used');
});

const tmp = mkdtempSync(join(tmpdir(), 'inc-learn-boot-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The bundle's CommonJS files in a copy of their own (with package.json, for the version), with `cache` as the cache file (none when undefined). */
function bundleWith(name: string, cache: (saved: Buffer) => Buffer | undefined): string {
  const dir = join(tmp, name, 'dist/src/bundle');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(tmp, name, 'package.json'));
  for (const file of readdirSync(BUNDLE).filter((f) => f.endsWith('.cjs'))) copyFileSync(join(BUNDLE, file), join(dir, file));
  const data = cache(readFileSync(join(BUNDLE, CACHE_FILE)));
  if (data !== undefined) writeFileSync(join(dir, CACHE_FILE), data);
  return dir;
}

/** Runs the loaded CLI on a file that does not exist: it answers as the CLI does, one line and exit code 1. */
async function answersAbsentFile(cli: LoadedCli): Promise<void> {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((text: string) => lines.push(text) > 0) as typeof process.stderr.write;
  try {
    assert.equal(await cli.main(['train', join(tmp, 'absent.csv')]), 1);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(lines, [`inc-learn: ${join(tmp, 'absent.csv')}: no such file\n`]);
}

test('without a cache, with a cache of another source or one V8 refuses, the CLI is compiled from its source', async () => {
  const none = loadCli(bundleWith('none', () => undefined));
  assert.equal(none.cache, 'none');
  await answersAbsentFile(none);
  // V8 would take this one (it checks only the length of the source): the hash in front tells it apart.
  const stale = loadCli(bundleWith('stale', (saved) => Buffer.concat([Buffer.alloc(20), saved.subarray(20)])));
  assert.equal(stale.cache, 'stale');
  await answersAbsentFile(stale);
  const refused = loadCli(bundleWith('refused', (saved) => Buffer.concat([saved.subarray(0, 20), Buffer.alloc(saved.length - 20, 7)])));
  assert.equal(refused.cache, 'rejected');
  await answersAbsentFile(refused);
});
