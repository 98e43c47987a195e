/**
 * A damaged checkpoint is refused with a one-line DataError naming it and what is wrong: truncated,
 * flipped, deleted or appended files, edited versions, unsafe file names, and fields edited behind a
 * recomputed checksum (wrong lengths, NaN weights, unknown kinds). A seeded fuzz adds corruptions
 * nobody wrote down.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataError } from '../src/errors.js';
import { restoreModel } from '../src/persist/restore.js';
import { ARRAYS, MANIFEST, readCheckpoint, sealManifest } from '../src/persist/store.js';
import { Random } from '../src/util/random.js';
import { ROOT, runCli } from './helpers.js';

let dir: string;
/** A good checkpoint with long arrays in arrays.f64 (the window sampler's rows). */
let good: string;
let copies = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-corrupt-'));
  good = join(dir, 'good');
  const r = await runCli(['train', `${ROOT}datasets/stagger.csv`, '--json', '--save', good, '--sampler', 'window', '--buffer-size', '40', '--optimizer', 'adam']);
  assert.equal(r.code, 0, r.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function copy(): string {
  const to = join(dir, `c${++copies}`);
  cpSync(good, to, { recursive: true });
  return to;
}

/** Loads as predict does: files, fields, then the live objects. */
async function load(path: string): Promise<void> {
  const checkpoint = await readCheckpoint(path);
  const model = await restoreModel(checkpoint, checkpoint.state.config);
  model.learner.dispose();
}

async function assertRefused(path: string, what: string, message?: RegExp): Promise<void> {
  await assert.rejects(load(path), (err: unknown) => {
    assert.ok(err instanceof DataError, `${what}: expected a DataError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${path}: `), `${what}: the message names the checkpoint: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `${what}: one line: ${err.message}`);
    if (message) assert.match(err.message, message, what);
    return true;
  });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Edits the manifest (and optionally the binary file), then recomputes every checksum. */
function reseal(path: string, edit: (m: Record<string, any>, arrays: Buffer) => Buffer | void): void {
  const m = JSON.parse(readFileSync(join(path, MANIFEST), 'utf8')) as Record<string, any>;
  let arrays: Buffer = readFileSync(join(path, ARRAYS));
  arrays = edit(m, arrays) ?? arrays;
  if (m.files?.[ARRAYS]) m.files[ARRAYS] = { bytes: arrays.length, sha256: sha256(arrays) };
  writeFileSync(join(path, ARRAYS), arrays);
  writeFileSync(join(path, MANIFEST), sealManifest(m));
}

describe('corrupted checkpoints', () => {
  it('loads the good one, and a resealed copy of it (the test helper is sound)', async () => {
    await load(good);
    const c = copy();
    reseal(c, () => {});
    await load(c);
    assert.ok(readFileSync(join(good, ARRAYS)).length > 16 * 8, 'long arrays are stored as binary');
  });

  it('refuses truncated files, at several points', async () => {
    for (const file of [MANIFEST, ARRAYS]) {
      const size = readFileSync(join(good, file)).length;
      for (const at of [0, 1, 8, Math.floor(size / 3), Math.floor(size / 2), size - 8, size - 1]) {
        const c = copy();
        writeFileSync(join(c, file), readFileSync(join(good, file)).subarray(0, at));
        await assertRefused(c, `${file} cut at ${at}`);
      }
    }
  });

  it('refuses flipped bytes anywhere, appended bytes and replaced content', async () => {
    const random = new Random(11);
    for (const file of [MANIFEST, ARRAYS]) {
      const bytes = readFileSync(join(good, file));
      for (let k = 0; k < 25; k++) {
        const c = copy();
        const bad = Buffer.from(bytes);
        const at = random.int(bad.length);
        bad[at] = bad[at]! ^ [0x01, 0x80, 0xff, 0x20][k % 4]!;
        writeFileSync(join(c, file), bad);
        await assertRefused(c, `${file} byte ${at} flipped`);
      }
      const appended = copy();
      writeFileSync(join(appended, file), Buffer.concat([bytes, Buffer.from('\n{}')]));
      await assertRefused(appended, `${file} with bytes appended`);
    }
    const zeros = copy();
    writeFileSync(join(zeros, ARRAYS), Buffer.alloc(readFileSync(join(good, ARRAYS)).length));
    await assertRefused(zeros, 'arrays replaced by zeros', /arrays\.f64: checksum mismatch/);
  });

  it('refuses missing files and a missing directory', async () => {
    for (const file of [MANIFEST, ARRAYS]) {
      const c = copy();
      unlinkSync(join(c, file));
      await assertRefused(c, `${file} deleted`, new RegExp(`${file.replace('.', '\\.')}: is missing`));
    }
    await assertRefused(join(dir, 'none'), 'no directory', /no checkpoint here/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assertRefused(file, 'a file', /expected a directory/);
  });

  it('says so for a checkpoint from a newer inc-learn, and refuses other versions and formats', async () => {
    const newer = copy();
    reseal(newer, (m) => {
      m.version = 2;
    });
    await assertRefused(newer, 'version 2', /format version 2 was written by a newer inc-learn .*this one reads version 1: upgrade/);
    // An edit without a new checksum is caught too, but the version is read first.
    const edited = copy();
    writeFileSync(join(edited, MANIFEST), readFileSync(join(good, MANIFEST), 'utf8').replace('"version": 1', '"version": 7'));
    await assertRefused(edited, 'version edited', /format version 7 was written by a newer inc-learn/);
    for (const version of [0, '1', null, 1.5, undefined]) {
      const c = copy();
      reseal(c, (m) => {
        m.version = version;
      });
      await assertRefused(c, `version ${String(version)}`, /version: expected 1/);
    }
    const format = copy();
    reseal(format, (m) => {
      m.format = 'pickle';
    });
    await assertRefused(format, 'format', /not an inc-learn checkpoint/);
  });

  it('refuses file names that could leave the directory, and unknown files', async () => {
    for (const name of ['../arrays.f64', '/etc/passwd', 'sub/arrays.f64', 'sub\\arrays.f64', '..', '.', '', 'C:arrays', 'a\u0000b']) {
      const c = copy();
      reseal(c, (m) => {
        m.files = { [name]: m.files[ARRAYS] };
      });
      await assertRefused(c, `file name ${JSON.stringify(name)}`, /unsafe file name/);
    }
    const unknown = copy();
    reseal(unknown, (m) => {
      m.files['weights.bin'] = m.files[ARRAYS];
    });
    await assertRefused(unknown, 'unknown file', /unknown file "weights\.bin"/);
  });

  it('refuses edited fields even behind a valid checksum', async () => {
    const nanAt = (m: Record<string, any>, arrays: Buffer): Buffer => {
      const [offset] = m.sampler.buffer.x.$f64 as [number, number];
      const out = Buffer.from(arrays);
      out.writeDoubleLE(NaN, offset * 8);
      return out;
    };
    const edits: [string, (m: Record<string, any>, arrays: Buffer) => Buffer | void, RegExp][] = [
      ['NaN in a binary array', nanAt, /sampler\.buffer\.x\[0\]: expected a finite number, found NaN/],
      ['a weight that is null', (m) => void (m.learner.weights[0] = null), /learner\.weights\[0\]: expected a finite number, found null/],
      ['a weight missing', (m) => void m.learner.weights.pop(), /learner\.weights: expected 11 entries, found 10/],
      ['an adam moment too many', (m) => void m.learner.slot2.push(0), /learner\.slot2: expected 11 entries/],
      ['an unknown learner', (m) => void (m.learner.kind = 'forest'), /learner\.kind: expected one of linear, mlp/],
      ['a learner of another kind', (m) => void (m.learner.kind = 'mlp'), /learner\.kind: expected "linear" \(the config's model\)/],
      ['the wrong dimension', (m) => void (m.learner.dim = 9), /learner\.dim: expected 10/],
      ['a scaler too short', (m) => void m.featurizer.mean.pop(), /featurizer\.mean: expected 1 entries/],
      ['a duplicate category', (m) => void (m.featurizer.categories[0][1] = m.featurizer.categories[0][0]), /featurizer\.categories\[0\]: has duplicate entries/],
      ['a slot taken twice', (m) => void (m.featurizer.slots[0][1] = m.featurizer.slots[0][0]), /featurizer\.slots: expected each slot/],
      ['a target out of range', (m) => void (m.schema.target = 17), /schema\.target: expected an integer in \[0, 4\]/],
      ['a negative count', (m) => void (m.counts.rows = -1), /counts\.rows: expected an integer in/],
      ['more correct than scored', (m) => void (m.evaluator.correct = m.evaluator.rows + 1), /evaluator\.correct/],
      ['a short random state', (m) => void m.random.pop(), /random: expected 4 entries/],
      ['an unknown model in the config', (m) => void (m.config.model = 'forest'), /config\.model: expected one of linear, mlp/],
      ['a sampler of another kind', (m) => void (m.sampler.kind = 'all'), /sampler\.kind: expected "window"/],
      ['a class index out of range', (m) => void (m.carried.pending = { rows: 1, dim: 10, x: Array(10).fill(0), y: [5] }), /carried\.pending\.y\[0\]: expected a class index below 2/],
      ['a reference past the end', (m) => void (m.sampler.buffer.x.$f64[0] = 1e6), /sampler\.buffer\.x: refers to numbers/],
      ['a prototype key', (m) => void (m.learner = JSON.parse(`{"__proto__": ${JSON.stringify(m.learner)}}`)), /learner\.__proto__: unexpected key/],
      ['a missing section', (m) => void delete m.featurizer, /featurizer: expected an object, found undefined/],
      ['a string for a number', (m) => void (m.streamRows = '5000'), /streamRows: expected an integer, found "5000"/],
    ];
    for (const [what, edit, message] of edits) {
      const c = copy();
      reseal(c, edit);
      await assertRefused(c, what, message);
    }
  });

  it('refuses every one of 200 random corruptions (seeded fuzz: bytes, cuts, splices, swaps)', async () => {
    const random = new Random(2024);
    const files = [MANIFEST, ARRAYS].map((f) => ({ name: f, bytes: readFileSync(join(good, f)) }));
    for (let k = 0; k < 200; k++) {
      const c = copy();
      const { name, bytes } = files[random.int(2)]!;
      let bad: Buffer;
      const a = random.int(bytes.length);
      const b = Math.min(bytes.length, a + 1 + random.int(64));
      switch (k % 4) {
        case 0: // one byte set to a random different value
          bad = Buffer.from(bytes);
          bad[a] = (bad[a]! + 1 + random.int(255)) & 0xff;
          break;
        case 1: // cut anywhere
          bad = bytes.subarray(0, a);
          break;
        case 2: // a range removed
          bad = Buffer.concat([bytes.subarray(0, a), bytes.subarray(b)]);
          break;
        default: // a range duplicated
          bad = Buffer.concat([bytes.subarray(0, b), bytes.subarray(a)]);
      }
      writeFileSync(join(c, name), bad);
      await assertRefused(c, `fuzz ${k} on ${name} at ${a}..${b}`);
      rmSync(c, { recursive: true, force: true });
    }
  });

  it('gives the command line one line and exit 1, never a stack trace', async () => {
    const c = copy();
    writeFileSync(join(c, ARRAYS), readFileSync(join(good, ARRAYS)).subarray(0, 100));
    const nan = copy();
    reseal(nan, (m) => void (m.learner.weights[3] = 'NaN'));
    for (const path of [c, nan, join(dir, 'none')]) {
      for (const args of [['predict', '--model', path, `${ROOT}datasets/stagger.csv`], ['evaluate', '--model', path, `${ROOT}datasets/stagger.csv`], ['train', `${ROOT}datasets/stagger.csv`, '--resume', path]]) {
        const r = await runCli(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`^inc-learn: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\\n]+\\n$`));
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    }
  });
});
