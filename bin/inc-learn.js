#!/usr/bin/env node
// The executable: the CLI as `npm run build` bundles it (dist/src/bundle/) does the work. CommonJS
// (bin/package.json), as the bundle is: node starts it without its ES module loader. `--version` is
// answered before loading anything, so start-up stays within a few milliseconds of `node -e 0`.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8'));
  process.stdout.write(pkg.version + '\n');
} else {
  // A reader that went away (`| head -1`) is not an error: stop quietly; a run that writes a checkpoint
  // or a report listens (src/cli/signals.ts, OUTPUT_CLOSED), stops as on a signal, writes them and
  // then exits 0. A terminal that went away (EIO, after its SIGHUP) is not an error either: the run
  // goes on to its checkpoint without its output.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') {
      if (!process.emit('inc-learn:output-closed')) process.exit(0);
      return;
    }
    if (error.code !== 'EIO' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
  // Nobody reads the messages any more (`2>&1 >/dev/null | head -1`, or a closed terminal): the run
  // goes on without them.
  process.stderr.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
  const bundle = join(__dirname, '../dist/src/bundle');
  let main;
  try {
    // The reader thread boots while the CLI loads, instead of after (see reader-thread.ts); the CLI
    // loads from its code cache (see boot.ts).
    const boot = require(join(bundle, 'boot.cjs'));
    boot.startReaderThreadFor(args);
    ({ main } = boot.loadCli(bundle));
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ENOENT') throw error;
    process.stderr.write('inc-learn: not built yet; run `npm run build` (npm ci does it) first\n');
    process.exit(2);
  }
  main(args).then(async (code) => {
    // Leave once the output is written, rather than when every handle has closed: a reader thread
    // blocked on an idle pipe (a stream stopped by Ctrl-C) cannot be woken, and would hold the process.
    await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
    process.exit(code);
  });
}
