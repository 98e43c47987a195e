/**
 * What the executable (bin/inc-learn.js) loads before anything else: the reader thread's starter
 * (so that the thread boots while the CLI loads, see reader-thread.ts) and the loader of the CLI.
 *
 * `npm run build` bundles the CLI into one CommonJS file, dist/src/bundle/main.cjs, and saves V8's
 * compiled code for it beside it (main.cjs.cache, written by scripts/code-cache.cjs after running a
 * few commands). Each start reads that instead of compiling half a megabyte of JavaScript and then
 * each function a run calls, which was a third of the CPU time of a short run.
 *
 * A cache made by another V8 (another node) or under other V8 flags (`node --some-flag`,
 * NODE_OPTIONS) is refused by V8: the CLI is then compiled from its source, slower and otherwise the
 * same. V8 checks only the source's length, so the cache file starts with a hash of the source the
 * cache was made from, and a cache of another source is not used.
 *
 * Code compiled this way cannot import(): V8 does not keep node's module loader with cached code.
 * The bundle holds no import() (the build checks); the one ES module loaded lazily goes through
 * report/document-import.ts, which the build leaves to node's loader.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export * from '../io/reader-thread.js';

/** The bundled CLI's file in the bundle directory, and the file of its code cache. */
export const CLI_FILE = 'main.cjs';
export const CACHE_FILE = 'main.cjs.cache';

/** Bytes of the source's hash at the start of the cache file. */
const HASH_BYTES = 20;

export interface LoadedCli {
  main: (argv: string[]) => Promise<number>;
  /** The compiled bundle: its createCachedData() is what the build saves. */
  script: Script;
  /** Whether the code cache was used: 'none' when there is no cache file, 'stale' when it was made from another source, 'rejected' when V8 refused it. */
  cache: 'used' | 'none' | 'stale' | 'rejected';
  /** The hash the cache file starts with. */
  sourceHash: Buffer;
}

/** Loads the CLI bundled in `dir` (dist/src/bundle), from its code cache when one fits. */
export function loadCli(dir: string): LoadedCli {
  const file = join(dir, CLI_FILE);
  const bytes = readFileSync(file);
  const sourceHash = createHash('sha1').update(bytes).digest();
  let cachedData: Buffer | undefined;
  let cache: LoadedCli['cache'] = 'none';
  try {
    const saved = readFileSync(join(dir, CACHE_FILE));
    if (saved.subarray(0, HASH_BYTES).equals(sourceHash)) cachedData = saved.subarray(HASH_BYTES);
    else cache = 'stale';
  } catch {
    // No cache: compiled from the source.
  }
  // The wrapper of node's CommonJS loader, on the source's first line so that stack traces keep their line numbers.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  if (cachedData !== undefined) cache = script.cachedDataRejected === true ? 'rejected' : 'used';
  const module = { exports: {} as { main: LoadedCli['main'] } };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { main: module.exports.main, script, cache, sourceHash };
}

/** The contents of the cache file for a loaded CLI: the source's hash, then V8's data. */
export function cacheFileData(cli: LoadedCli): Buffer {
  return Buffer.concat([cli.sourceHash, cli.script.createCachedData()]);
}
