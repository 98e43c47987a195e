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
 * to DIR.bak when DIR is missing.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { Check } from './check.js';
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
const MAX_MANIFEST_BYTES = 1 << 30;

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

function unpack(v: unknown, data: Float64Array, c: Check, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => unpack(x, data, c, `${path}[${i}]`));
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$f64') {
      const ref = (v as { $f64: unknown }).$f64;
      const [offset, length] = c.nums(ref, `${path}.$f64`, 2, { integer: true, min: 0 });
      if (offset! + length! > data.length) c.fail(path, `refers to numbers ${offset}..${offset! + length!} of ${ARRAYS}, which holds ${data.length}`);
      return Array.from(data.subarray(offset!, offset! + length!));
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // Plain data only: a key that would reach an object's prototype is never copied.
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') c.fail(`${path}.${k}`, 'unexpected key');
      out[k] = unpack(x, data, c, `${path}.${k}`);
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
  const copy = Buffer.alloc(bytes.length);
  bytes.copy(copy);
  if (endianness() === 'BE') copy.swap64();
  return new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8);
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

let saves = 0;

/**
 * Writes the state to `dir` atomically (see the file comment). Throws DataError when the state would
 * not load back (a diverged model's weights are not finite) or the directory cannot be written.
 */
export async function writeCheckpoint(dir: string, state: CheckpointState, writtenBy: string): Promise<void> {
  try {
    validateState(state, new Check(dir, 'cannot save the checkpoint'));
  } catch (err) {
    if (err instanceof DataError && /finite/.test(err.detail) && /^cannot save the checkpoint: (learner|evaluator)/.test(err.detail)) {
      throw new DataError(err.location, `${err.detail} (the model diverged; try a smaller --lr)`, err.reason);
    }
    throw err;
  }
  const { manifest, arrays } = serialize(state, writtenBy);
  const target = resolve(dir);
  const parent = dirname(target);
  const base = basename(target);
  const backup = `${target}.bak`;
  const tmp = join(parent, `${base}.tmp-${process.pid}-${++saves}`);
  try {
    await fsp.mkdir(parent, { recursive: true });
    await refuseForeign(dir, target);
    await removeStaleTemps(parent, base);
    await fsp.mkdir(tmp);
    await writeFileSynced(join(tmp, ARRAYS), arrays);
    await writeFileSynced(join(tmp, MANIFEST), manifest);
    await syncDir(tmp);
    if (await exists(target)) {
      // DIR is complete, so an older backup is not needed; DIR becomes the backup until the new one is in place.
      await fsp.rm(backup, { recursive: true, force: true });
      await fsp.rename(target, backup);
      await syncDir(parent);
    }
    await fsp.rename(tmp, target);
    await syncDir(parent);
    await fsp.rm(backup, { recursive: true, force: true });
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (err instanceof DataError) throw err;
    const code = (err as { code?: string }).code;
    throw new DataError({ source: dir }, `cannot save the checkpoint: ${code ?? (err as Error).message}`, 'unwritable');
  }
}

/** A directory that exists, is not empty and is not a checkpoint is someone else's: never replace it. */
async function refuseForeign(name: string, target: string): Promise<void> {
  let stats;
  try {
    stats = await fsp.lstat(target);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isDirectory()) throw new DataError({ source: name }, 'cannot save the checkpoint: exists and is not a directory', 'unwritable');
  const entries = await fsp.readdir(target);
  if (entries.length > 0 && !entries.includes(MANIFEST)) {
    throw new DataError({ source: name }, `cannot save the checkpoint: the directory exists and is not an inc-learn checkpoint (no ${MANIFEST}); choose another directory`, 'unwritable');
  }
}

/** Temporary directories left by a process that died while saving. */
async function removeStaleTemps(parent: string, base: string): Promise<void> {
  const prefix = `${base}.tmp-`;
  for (const entry of await fsp.readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || !alive(pid))) {
      await fsp.rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

async function readIfThere(path: string, c: Check, what: string): Promise<Buffer> {
  try {
    const stats = await fsp.stat(path);
    if (!stats.isFile()) c.fail(what, 'is not a file');
    if (stats.size > MAX_MANIFEST_BYTES * 8) c.fail(what, `is implausibly large (${stats.size} bytes)`);
    return await fsp.readFile(path);
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') c.fail(what, 'is missing (the checkpoint is incomplete)');
    c.fail(what, `cannot be read (${code ?? String(err)})`);
  }
}

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
  const text = await readIfThere(join(path, MANIFEST), c, MANIFEST);
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
      { source: name },
      `checkpoint format version ${version} was written by a newer inc-learn (${typeof m['written_by'] === 'string' ? m['written_by'] : 'unknown'}); this one reads version ${CHECKPOINT_VERSION}: upgrade inc-learn`,
      'bad-checkpoint',
    );
  }
  if (version !== CHECKPOINT_VERSION) c.fail(`${MANIFEST}: version`, `expected ${CHECKPOINT_VERSION}, found ${JSON.stringify(version)}`);
  const checksum = c.str(m['checksum'], `${MANIFEST}: checksum`);
  if (!/^sha256:[0-9a-f]{64}$/.test(checksum)) c.fail(`${MANIFEST}: checksum`, 'expected "sha256:" and 64 hex digits');
  if (`sha256:${sha256(decoded!.replace(checksum, PLACEHOLDER))}` !== checksum) c.fail(MANIFEST, 'checksum mismatch (the file was modified or corrupted)');
  const writtenBy = c.str(m['written_by'], `${MANIFEST}: written_by`);

  const files = c.obj(m['files'], `${MANIFEST}: files`);
  let data: Float64Array = new Float64Array(0);
  for (const [file, info] of Object.entries(files)) {
    if (!isSafeName(file)) c.fail(`${MANIFEST}: files`, `unsafe file name ${JSON.stringify(file)} (names must stay inside the checkpoint directory)`);
    if (file !== ARRAYS) c.fail(`${MANIFEST}: files`, `unknown file ${JSON.stringify(file)}`);
    const entry = c.obj(info, `${MANIFEST}: files.${file}`);
    const bytes = c.int(entry['bytes'], `${MANIFEST}: files.${file}.bytes`);
    const digest = c.str(entry['sha256'], `${MANIFEST}: files.${file}.sha256`);
    const content = await readIfThere(join(path, file), c, file);
    if (content.length !== bytes) c.fail(file, `expected ${bytes} bytes, found ${content.length} (truncated or replaced)`);
    if (bytes % 8 !== 0) c.fail(file, `expected a multiple of 8 bytes, found ${bytes}`);
    if (sha256(content) !== digest) c.fail(file, 'checksum mismatch (the file was modified or corrupted)');
    data = fromLittleEndian(content);
  }
  if (!(ARRAYS in files)) c.fail(`${MANIFEST}: files`, `expected an entry for ${ARRAYS}`);

  const state: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') c.fail(`${MANIFEST}: ${k}`, 'unexpected key');
    if (k === 'format' || k === 'version' || k === 'checksum' || k === 'written_by' || k === 'files') continue;
    state[k] = (PACKED_KEYS as readonly string[]).includes(k) ? unpack(v, data, c, k) : v;
  }
  return { name, path, recovered: path !== resolve(name), state: validateState(state, c), writtenBy };
}
