// Writes dist/src/bundle/main.cjs.cache (see src/cli/boot.ts): loads the bundled CLI, runs the commands
// most starts run on a small file, so that V8 has compiled the functions they call, and saves the
// compiled code. Run by build.js in a plain `node`, with the output of the commands thrown away.
// CommonJS, as bin/inc-learn.js is: the same warm-up in a process started as an ES module made a cache
// that V8 then refused (the cause was not found); build.js checks that a plain start takes the cache.
// V8 also refuses a cache made after a longer warm-up, it seems once it optimized some of the code (the
// same warm-up under --no-opt on both sides is taken), sooner with a larger bundle: `node
// code-cache.cjs N` runs the first N commands only, and build.js asks for fewer until the cache is taken.
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bundle = join(root, 'dist/src/bundle');
const { loadCli, cacheFileData, CACHE_FILE } = require(join(bundle, 'boot.cjs'));

/** The commands of the warm-up, and how many of them to run (all unless argv says). */
async function warmUp(cli, count) {
  const tmp = mkdtempSync(join(tmpdir(), 'inc-learn-cache-'));
  try {
    const csv = join(tmp, 'sea.csv');
    writeFileSync(csv, readFileSync(join(root, 'datasets/sea_drift.csv'), 'utf8').split('\n').slice(0, 301).join('\n') + '\n');
    const model = join(tmp, 'model');
    for (const [args, code] of [
      [['train', csv, '--save', model], 0],
      [['train', csv, '--json'], 0],
      [['predict', '--model', model, csv], 0],
      [['evaluate', '--model', model, csv], 0],
      [['inspect', csv], 0],
      [['generate', 'sea', '--rows', '100'], 0],
      [['train', join(tmp, 'absent.csv')], 1],
    ].slice(0, count)) {
      if ((await cli.main(args)) !== code) throw new Error(`inc-learn ${args.join(' ')}: not exit code ${code}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const cli = loadCli(bundle);
warmUp(cli, process.argv[2] === undefined ? Infinity : Number(process.argv[2])).then(() => writeFileSync(join(bundle, CACHE_FILE), cacheFileData(cli)));
