// The bundles that bin/inc-learn.js runs, from tsc's output (dist/src): `npm run build` runs tsc, then this.
//
//   main.cjs         the CLI, with commander and chalk, as one CommonJS file; compiled from a V8 code
//                    cache (main.cjs.cache, made by code-cache.js below) at each start, see src/cli/boot.ts
//   boot.cjs         what the executable loads first: the reader thread's starter and the CLI's loader
//   threaded-worker.js, document.js (+ chunks)
//                    ES modules that node loads itself: the reader thread's worker, and the report's
//                    renderer (loaded through document-import.cjs) with the charting libraries
//
// The other packages stay in node_modules: tfjs, csv-parse and cli-progress are require()d only when
// a run uses them, the charting libraries imported only when a report is written.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist/src');
const out = join(src, 'bundle');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Bundled into main.cjs: small, and loaded by every run. */
const BUNDLED = new Set(['commander', 'chalk']);

rmSync(out, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node20', outdir: out, entryNames: '[name]', logLevel: 'warning' };
/** import.meta.url in a CommonJS bundle: the bundle's own file. */
const commonJs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** Modules that stay out of a CommonJS bundle, as `require('./<file>')` of the file the build makes of them. */
function siblings(files) {
  return {
    name: 'siblings',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = files[join(args.resolveDir, args.path)];
        return file === undefined ? undefined : { path: `./${file}`, external: true };
      });
    },
  };
}

await build({
  ...common,
  entryPoints: [join(src, 'io/threaded-worker.js'), join(src, 'report/document.js')],
  format: 'esm',
  splitting: true,
  packages: 'external',
  chunkNames: 'chunk-[hash]',
});
await build({
  ...commonJs,
  entryPoints: [join(src, 'cli/boot.js'), join(src, 'report/document-import.js')],
  packages: 'external',
  plugins: [siblings({ [join(src, 'report/document.js')]: 'document.js' })],
});
const main = await build({
  ...commonJs,
  entryPoints: [join(src, 'cli/main.js')],
  external: Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((name) => !BUNDLED.has(name)),
  plugins: [
    siblings({
      [join(src, 'io/reader-thread.js')]: 'boot.cjs',
      [join(src, 'report/document-import.js')]: 'document-import.cjs',
    }),
  ],
  write: false,
});
const [file] = main.outputFiles;
// Code compiled from a cache cannot import() (see src/cli/boot.ts): an import() here would fail only at run time.
if (/\bimport\s*\(/.test(file.text)) throw new Error(`${file.path}: import() in the CommonJS bundle; load ES modules the way document-import.ts does`);
writeFileSync(file.path, file.contents);

// The code cache, made by a plain `node` (the V8 flags must be those of a plain start, or V8 refuses the cache).
const env = { ...process.env };
delete env.NODE_OPTIONS;
const boot = JSON.stringify(join(out, 'boot.cjs'));
// The whole warm-up first; a cache V8 refuses (see code-cache.cjs) is made again with fewer commands.
let check;
for (const commands of ['all', 4, 2, 1, 0]) {
  const made = spawnSync(process.execPath, [join(root, 'scripts/code-cache.cjs'), ...(commands === 'all' ? [] : [String(commands)])], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (made.status !== 0) throw new Error(`the code cache was not made: the bundled CLI failed on a small file\n${made.stderr}`);
  check = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${boot}).loadCli(${JSON.stringify(out)}).cache)`], { env, encoding: 'utf8' });
  if (check.stdout === 'used') break;
}
// A cache V8 refuses costs nothing but the time it was meant to save: say so, and go on (test/boot.test.ts fails).
if (check.stdout !== 'used') process.stderr.write(`build: a plain start does not use the code cache (${check.stdout || check.stderr}): the CLI works, only starts slower\n`);
