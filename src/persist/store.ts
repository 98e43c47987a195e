/**
 * Checkpoints on disk: a directory holding `checkpoint.json` (the state as JSON) and `arrays.f64`
 * (long number arrays as little-endian Float64, referenced from the JSON as {"$f64": [offset, length]},
 * in numbers). The JSON carries its own SHA-256 and the byte length and SHA-256 of every file it
 * names, so a truncated, flipped or missing byte anywhere is an error, never a different model.
 * Loading reads data only: nothing in a checkpoint is ever run.
 *
 * Writing is atomic: the files go into a temporary directory beside the target and are fsynced, then
 * the old checkpoint is renamed to DIR.bak, the new one renamed to DIR, and DIR.bak removed. At every
 * instant DIR or, between the two renames, DIR.bak holds a complete checkpoint; loading falls back
 * to DIR.bak when DIR is missing. Nothing is replaced or removed unless it is verifiably a checkpoint
 * (a checksummed checkpoint.json and its own files, nothing else), an empty directory, or the
 * temporary directory this save made.
 *
 * Reading is bounded by the files' sizes, checked with lstat before a byte is read: a hostile
 * checkpoint (symlinked files, deep nesting, ranges of arrays.f64 referenced many times, keys nobody
 * wrote) is refused with one line, whatever its checksums say.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, systemErrorText } from '../errors.js';
import { Check, type Json } from './check.js';
import { validateState, type CheckpointState } from './state.js';

export const CHECKPOINT_FORMAT = 'inc-learn-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MANIFEST = 'checkpoint.json';
export const ARRAYS = 'arrays.f64';
/** The checksum field's value while the checksum is computed. */
const PLACEHOLDER = `sha256:${'0'.repeat(64)}`;
/** Number arrays at least this long (or holding NaN or infinities) go to the binary file. */
const BINARY_MIN_LENGTH = 16;
/** The parts of the state whose number arrays may be stored as binary. */
const PACKED_KEYS = ['featurizer', 'learner', 'sampler', 'carried'] as const;
/** The files a checkpoint directory holds: nothing else may be in a directory a save replaces. */
const OWN_FILES: readonly string[] = [MANIFEST, ARRAYS];
/** Limits of what is read: checkpoint.json's size, arrays.f64's (2^27 numbers), and how deep the JSON nests. */
export const MAX_MANIFEST_BYTES = 256 * 2 ** 20;
export const MAX_ARRAYS_BYTES = 2 ** 30;
/**
 * A tree learner's state nests about three levels per level of the tree (node, split, children), so
 * the limit admits trees far deeper than streams grow while staying well inside the stack of the
 * recursive code that reads and checks them.
 */
export const MAX_DEPTH = 512;

export interface LoadedCheckpoint {
  /** The directory as the user named it. */
  name: string;
  /** The directory actually read: `name`, or its backup after an interrupted save. */
  path: string;
  recovered: boolean;
  state: CheckpointState;
  /** The inc-learn version that wrote it. */
  writtenBy: string;
}

/** A name inside a checkpoint: one plain file name, nothing that could leave the directory. */
export function isSafeName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    !name.includes('..') &&
    !/^[a-zA-Z]:/.test(name)
  );
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

// ---------------------------------------------------------------------------------------------
// Packing number arrays into one binary blob and back

interface Packer {
  arrays: Float64Array[];
  length: number;
}

function isNumberArray(v: unknown[]): v is number[] {
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}

function pack(v: unknown, p: Packer): unknown {
  if (Array.isArray(v)) {
    if (v.length > 0 && isNumberArray(v) && (v.length >= BINARY_MIN_LENGTH || !v.every(Number.isFinite))) {
      const ref = { $f64: [p.length, v.length] };
      p.arrays.push(Float64Array.from(v));
      p.length += v.length;
      return ref;
    }
    return v.map((x) => pack(x, p));
  }
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = pack(x, p);
    return out;
  }
  return v;
}

/**
 * Expands {"$f64": [offset, length]} references. `budget` holds how many numbers may still be
 * expanded: a checkpoint inc-learn wrote refers to each number of arrays.f64 once, so all references
 * together never hold more numbers than the file, and a range referenced over and over is refused
 * before it is copied.
 */
function unpack(v: unknown, data: Float64Array, c: Check, path: string, budget: { numbers: number }): unknown {
  if (Array.isArray(v)) return v.map((x, i) => unpack(x, data, c, `${path}[${i}]`, budget));
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$f64') {
      const ref = (v as { $f64: unknown }).$f64;
      const [offset, length] = c.nums(ref, `${path}.$f64`, 2, { integer: true, min: 0 });
      if (offset! + length! > data.length) c.fail(path, `refers to numbers ${offset}..${offset! + length!} of ${ARRAYS}, which holds ${data.length}`);
      if (length! > budget.numbers) c.fail(path, `refers to more numbers of ${ARRAYS} than it holds in all (ranges referenced more than once)`);
      budget.numbers -= length!;
      return Array.from(data.subarray(offset!, offset! + length!));
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // Plain data only: a key that would reach an object's prototype is never copied.
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') c.fail(`${path}.${k}`, 'unexpected key');
      out[k] = unpack(x, data, c, `${path}.${k}`, budget);
    }
    return out;
  }
  return v;
}

function toLittleEndian(arrays: Float64Array[], length: number): Buffer {
  const buf = Buffer.alloc(length * 8);
  const all = new Float64Array(buf.buffer, buf.byteOffset, length);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  if (endianness() === 'BE') buf.swap64();
  return buf;
}

function fromLittleEndian(bytes: Buffer): Float64Array {
  // A large file's buffer is its own, 8-byte aligned: viewed in place; a small one is copied.
  let aligned = bytes;
  if (bytes.byteOffset % 8 !== 0 || endianness() === 'BE') {
    aligned = Buffer.alloc(bytes.length);
    bytes.copy(aligned);
  }
  if (endianness() === 'BE') aligned.swap64();
  return new Float64Array(aligned.buffer, aligned.byteOffset, aligned.length / 8);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** The checkpoint's files as bytes: what writeCheckpoint puts on disk (tests re-seal edited copies with sealManifest). */
export function serialize(state: CheckpointState, writtenBy: string): { manifest: Buffer; arrays: Buffer } {
  const packer: Packer = { arrays: [], length: 0 };
  const body: Record<string, unknown> = { ...state };
  for (const key of PACKED_KEYS) body[key] = pack(body[key], packer);
  const arrays = toLittleEndian(packer.arrays, packer.length);
  const manifest = sealManifest({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    checksum: PLACEHOLDER,
    written_by: writtenBy,
    files: { [ARRAYS]: { bytes: arrays.length, sha256: sha256(arrays) } },
    ...body,
  });
  return { manifest, arrays };
}

/** JSON text of a manifest with its checksum filled in (the SHA-256 of the text with the placeholder). */
export function sealManifest(manifest: Record<string, unknown>): Buffer {
  const text = JSON.stringify({ ...manifest, checksum: PLACEHOLDER }, null, 1) + '\n';
  return Buffer.from(text.replace(PLACEHOLDER, `sha256:${sha256(text)}`), 'utf8');
}

async function writeFileSynced(path: string, data: Buffer): Promise<void> {
  const handle = await fsp.open(path, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await fsp.open(path, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    if ((err as { code?: string }).code !== 'EINVAL' && (err as { code?: string }).code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return false;
    throw err;
  }
}

/** A save failed: one line saying why in words and what became of the previous checkpoint. */
export class SaveError extends DataError {
  constructor(dir: string, why: string, previous: 'intact' | 'in-backup' | 'none') {
    const after = {
      intact: 'the previous checkpoint there is intact',
      'in-backup': `the previous checkpoint is intact in ${dir}.bak, which loading uses`,
      none: 'nothing was saved',
    }[previous];
    super({ source: dir }, `cannot save the checkpoint: ${why}; ${after}`, 'unwritable');
  }
}

/** What is at a path a save may replace or remove. */
export type Ownership = 'missing' | 'empty' | 'checkpoint';

/**
 * What `path` holds, refusing (DataError naming `shown`) anything a save may not replace or remove:
 * a symbolic link, a file, a directory holding anything but a checkpoint's own files, or a
 * checkpoint.json that is not a checksummed inc-learn manifest naming exactly those files.
 */
export async function ownership(path: string, shown: string): Promise<Ownership> {
  const refuse = (what: string): never => {
    throw new DataError({ source: shown }, `${what}: inc-learn replaces or removes only what it wrote; move it away or choose another directory`, 'not-a-checkpoint');
  };
  let stats;
  try {
    stats = await fsp.lstat(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return 'missing';
    throw new DataError({ source: shown }, `cannot check the checkpoint directory: ${systemErrorText(err)}`, 'unwritable');
  }
  if (stats.isSymbolicLink()) refuse(`is a symbolic link (to ${await fsp.readlink(path)}), and a save replaces the directory by renaming; give the directory itself`);
  if (!stats.isDirectory()) refuse('exists and is not a directory');
  const entries = await fsp.readdir(path);
  if (entries.length === 0) return 'empty';
  const foreign = entries.find((e) => !OWN_FILES.includes(e));
  if (foreign !== undefined) refuse(`is not an inc-learn checkpoint (it holds ${JSON.stringify(foreign)})`);
  if (!entries.includes(MANIFEST)) refuse(`is not an inc-learn checkpoint (no ${MANIFEST})`);
  const c = new Check(shown, 'is not an inc-learn checkpoint');
  try {
    const manifest = checkHeader(await readOwnFile(join(path, MANIFEST), c, MANIFEST, MAX_MANIFEST_BYTES), c);
    const files = c.obj(manifest['files'], `${MANIFEST}: files`);
    if (Object.keys(files).join() !== ARRAYS) c.fail(`${MANIFEST}: files`, `expected ${ARRAYS} alone`);
    if (entries.includes(ARRAYS)) {
      const declared = c.obj(files[ARRAYS], `${MANIFEST}: files.${ARRAYS}`)['bytes'];
      const arrays = await fsp.lstat(join(path, ARRAYS));
      if (!arrays.isFile() || arrays.size !== declared) c.fail(ARRAYS, `is not the file ${MANIFEST} names`);
    }
  } catch (err) {
    if (err instanceof DataError) refuse(err.detail);
    throw err;
  }
  return 'checkpoint';
}

/**
 * Removes a checkpoint's own files and its directory; anything else in it stays, and so does the
 * directory. checkpoint.json goes last: a removal cut short leaves a directory that is still
 * recognisably a checkpoint (or empty).
 */
async function removeOwn(path: string): Promise<void> {
  for (const file of [ARRAYS, MANIFEST]) await fsp.rm(join(path, file), { force: true });
  await fsp.rmdir(path);
}

let saves = 0;

/**
 * Writes the state to `dir` atomically (see the file comment). Throws a SaveError when the state
 * would not load back (a diverged model's weights are not finite), when DIR or DIR.bak holds
 * something else than a checkpoint, or when the files cannot be written; the previous checkpoint
 * then stays as it was.
 */
export async function writeCheckpoint(dir: string, state: CheckpointState, writtenBy: string): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  const backup = `${target}.bak`;
  // Checked at every save, not only at the start: something may have appeared since.
  const current = await ownership(target, dir);
  const previous = await ownership(backup, `${dir}.bak`);
  const had = current === 'checkpoint' || previous === 'checkpoint' ? 'intact' : 'none';
  try {
    validateState(state, new Check(dir, 'the model'));
  } catch (err) {
    if (err instanceof DataError && /finite/.test(err.detail) && /^the model: (learner|evaluator)/.test(err.detail)) {
      throw new SaveError(dir, `${err.detail.replace(/^the model: /, '')} (the model diverged; try a smaller --lr)`, had);
    }
    if (err instanceof DataError) throw new SaveError(dir, err.detail, had);
    throw err;
  }
  const tmp = join(parent, `${basename(target)}.tmp-${process.pid}-${++saves}`);
  let moved = false;
  try {
    const { manifest, arrays } = serialize(state, writtenBy);
    if (arrays.length > MAX_ARRAYS_BYTES) throw new Error(`the model is too large: ${arrays.length / 8} numbers, at most ${MAX_ARRAYS_BYTES / 8} are saved`);
    await fsp.mkdir(parent, { recursive: true });
    await fsp.mkdir(tmp);
    await writeFileSynced(join(tmp, ARRAYS), arrays);
    await writeFileSynced(join(tmp, MANIFEST), manifest);
    await syncDir(tmp);
    if (current !== 'missing') {
      // DIR is complete, so an older backup is not needed; DIR becomes the backup until the new one is in place.
      if (previous !== 'missing') await removeOwn(backup);
      await fsp.rename(target, backup);
      moved = true;
      await syncDir(parent);
    }
    await fsp.rename(tmp, target);
    moved = false;
    await syncDir(parent);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (moved) moved = !(await fsp.rename(backup, target).then(() => true, () => false));
    throw new SaveError(dir, systemErrorText(err), moved ? 'in-backup' : had);
  }
  // The new checkpoint is in place; the old one goes (something put beside its files since stays).
  if (current !== 'missing' || previous !== 'missing') await removeOwn(backup).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * A checkpoint's file, its size checked with lstat before a byte is read: at most `limit`, and
 * `expected` when the manifest names it. A symbolic link is refused (a checkpoint's files are its own).
 */
async function readOwnFile(path: string, c: Check, what: string, limit: number, expected?: number): Promise<Buffer> {
  let stats;
  try {
    stats = await fsp.lstat(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') c.fail(what, 'is missing (the checkpoint is incomplete)');
    c.fail(what, `cannot be read: ${systemErrorText(err)}`);
  }
  if (stats.isSymbolicLink()) c.fail(what, 'is a symbolic link (a checkpoint holds its own files)');
  if (!stats.isFile()) c.fail(what, 'is not a file');
  if (expected !== undefined && stats.size !== expected) c.fail(what, `expected ${expected} bytes, found ${stats.size} (truncated or replaced)`);
  if (stats.size > limit) c.fail(what, `is ${stats.size} bytes, more than the ${limit} a checkpoint may hold`);
  try {
    const handle = await fsp.open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    try {
      // Read no more than was checked, whatever the file became since.
      const buffer = Buffer.alloc(stats.size);
      for (let at = 0; at < stats.size; ) {
        const { bytesRead } = await handle.read(buffer, at, stats.size - at, at);
        if (bytesRead === 0) c.fail(what, `changed while it was read (${at} of ${stats.size} bytes)`);
        at += bytesRead;
      }
      return buffer;
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    c.fail(what, `cannot be read: ${systemErrorText(err)}`);
  }
}

/**
 * How deep arrays and objects nest in JSON text, checked on the bytes before parsing: JSON nested
 * thousands deep would exhaust the stack of what reads it.
 */
function checkDepth(text: Uint8Array, c: Check): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const b = text[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > MAX_DEPTH) c.fail(MANIFEST, `nests arrays or objects more than ${MAX_DEPTH} deep`);
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
}

/** The manifest's JSON with its format, version and checksum checked. */
function checkHeader(text: Buffer, c: Check): Json {
  checkDepth(text, c);
  let decoded: string;
  let raw: unknown;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(text);
    raw = JSON.parse(decoded);
  } catch {
    c.fail(MANIFEST, 'is not valid JSON (truncated or corrupted)');
  }
  const m = c.obj(raw, MANIFEST);
  if (m['format'] !== CHECKPOINT_FORMAT) c.fail(`${MANIFEST}: format`, `expected "${CHECKPOINT_FORMAT}": not an inc-learn checkpoint`);
  const version = m['version'];
  if (typeof version === 'number' && Number.isInteger(version) && version > CHECKPOINT_VERSION) {
    throw new DataError(
      { source: c.where },
      `checkpoint format version ${version} was written by a newer inc-learn (${typeof m['written_by'] === 'string' ? m['written_by'] : 'unknown'}); this one reads version ${CHECKPOINT_VERSION}: upgrade inc-learn`,
      'bad-checkpoint',
    );
  }
  if (version !== CHECKPOINT_VERSION) c.fail(`${MANIFEST}: version`, `expected ${CHECKPOINT_VERSION}, found ${JSON.stringify(version)}`);
  const checksum = c.str(m['checksum'], `${MANIFEST}: checksum`);
  if (!/^sha256:[0-9a-f]{64}$/.test(checksum)) c.fail(`${MANIFEST}: checksum`, 'expected "sha256:" and 64 hex digits');
  if (`sha256:${sha256(decoded!.replace(checksum, PLACEHOLDER))}` !== checksum) c.fail(MANIFEST, 'checksum mismatch (the file was modified or corrupted)');
  return m;
}

/** The manifest's own keys, besides the state's. */
const HEADER_KEYS = ['format', 'version', 'checksum', 'written_by', 'files'];

/** Reads and checks a checkpoint: files, checksums, and every field. Throws DataError naming `dir`. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  // A save may swap the directory while we read it: read again when it changed underneath.
  for (let attempt = 1; ; attempt++) {
    const path = await locate(dir);
    const before = await identity(path);
    let loaded: LoadedCheckpoint | undefined;
    let error: unknown;
    try {
      loaded = await readFrom(dir, path);
    } catch (err) {
      error = err;
    }
    if (attempt >= 3 || (await identity(path)) === before) {
      if (loaded === undefined) throw error;
      return loaded;
    }
  }
}

async function identity(path: string): Promise<string> {
  try {
    const s = await fsp.stat(path);
    return `${s.dev}:${s.ino}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** DIR, or DIR.bak when a save was interrupted between its two renames. */
async function locate(dir: string): Promise<string> {
  const target = resolve(dir);
  let stats;
  try {
    stats = await fsp.stat(target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (await exists(`${target}.bak`)) return `${target}.bak`;
      throw new DataError({ source: dir }, 'no checkpoint here: no such directory', 'no-checkpoint');
    }
    throw new DataError({ source: dir }, `cannot read the checkpoint (${code ?? String(err)})`, 'no-checkpoint');
  }
  if (!stats.isDirectory()) throw new DataError({ source: dir }, 'not a checkpoint: expected a directory', 'no-checkpoint');
  return target;
}

async function readFrom(name: string, path: string): Promise<LoadedCheckpoint> {
  const c = new Check(name);
  // Neither of a checkpoint's files: some other directory, not a damaged checkpoint.
  if (!(await exists(join(path, MANIFEST))) && !(await exists(join(path, ARRAYS)))) {
    throw new DataError({ source: name }, `not a checkpoint: no ${MANIFEST} in this directory (a checkpoint is the directory train --save writes)`, 'no-checkpoint');
  }
  const m = checkHeader(await readOwnFile(join(path, MANIFEST), c, MANIFEST, MAX_MANIFEST_BYTES), c);
  const writtenBy = c.str(m['written_by'], `${MANIFEST}: written_by`);

  const files = c.obj(m['files'], `${MANIFEST}: files`);
  let data: Float64Array = new Float64Array(0);
  for (const [file, info] of Object.entries(files)) {
    if (!isSafeName(file)) c.fail(`${MANIFEST}: files`, `unsafe file name ${JSON.stringify(file)} (names must stay inside the checkpoint directory)`);
    if (file !== ARRAYS) c.fail(`${MANIFEST}: files`, `unknown file ${JSON.stringify(file)}`);
    const entry = c.only(c.obj(info, `${MANIFEST}: files.${file}`), `${MANIFEST}: files.${file}`, ['bytes', 'sha256']);
    const bytes = c.int(entry['bytes'], `${MANIFEST}: files.${file}.bytes`);
    const digest = c.str(entry['sha256'], `${MANIFEST}: files.${file}.sha256`);
    if (bytes % 8 !== 0) c.fail(file, `expected a multiple of 8 bytes, found ${bytes}`);
    const content = await readOwnFile(join(path, file), c, file, MAX_ARRAYS_BYTES, bytes);
    if (sha256(content) !== digest) c.fail(file, 'checksum mismatch (the file was modified or corrupted)');
    data = fromLittleEndian(content);
  }
  if (!(ARRAYS in files)) c.fail(`${MANIFEST}: files`, `expected an entry for ${ARRAYS}`);

  const state: Record<string, unknown> = {};
  const budget = { numbers: data.length };
  for (const [k, v] of Object.entries(m)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') c.fail(`${MANIFEST}: ${k}`, 'unexpected key');
    if (HEADER_KEYS.includes(k)) continue;
    state[k] = (PACKED_KEYS as readonly string[]).includes(k) ? unpack(v, data, c, k, budget) : v;
  }
  return { name, path, recovered: path !== resolve(name), state: validateState(state, c), writtenBy };
}
