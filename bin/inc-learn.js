#!/usr/bin/env node
// The executable: the compiled CLI does the work. `--version` is answered before loading anything,
// so start-up stays within a few milliseconds of `node -e 0`.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(pkg.version + '\n');
} else {
  // A reader that went away (`| head -1`) is not an error: stop quietly.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // Nobody reads the messages any more (`2>&1 >/dev/null | head -1`): the run goes on without them.
  process.stderr.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
  let main;
  try {
    // The CLI as `npm run build` bundles it (dist/src/bundle/: our own modules in a few files, the
    // packages left in node_modules): node's loader costs about half a millisecond a module, and a
    // run would otherwise load a hundred of them. The reader thread boots while the CLI loads,
    // instead of after (see reader-thread.ts).
    (await import('../dist/src/bundle/reader-thread.js')).startReaderThreadFor(args);
    ({ main } = await import('../dist/src/bundle/main.js'));
  } catch (error) {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    process.stderr.write('inc-learn: not built yet; run `npm run build` (npm ci does it) first\n');
    process.exit(2);
  }
  const code = await main(args);
  // Leave once the output is written, rather than when every handle has closed: a reader thread
  // blocked on an idle pipe (a stream stopped by Ctrl-C) cannot be woken, and would hold the process.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
  process.exit(code);
}
