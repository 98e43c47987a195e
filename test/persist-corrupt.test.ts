/**
 * A damaged checkpoint is refused with a one-line DataError naming it and what is wrong: truncated,
 * flipped, deleted or appended files, edited versions, unsafe file names, and fields edited behind a
 * recomputed checksum (wrong lengths, NaN weights, unknown kinds). A seeded fuzz adds corruptions
 * nobody wrote down.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataError } from '../src/errors.js';
import { restoreModel } from '../src/persist/restore.js';
import { ARRAYS, MANIFEST, MAX_ARRAYS_BYTES, readCheckpoint, sealManifest } from '../src/persist/store.js';
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

/** Edits the manifest and seals it, leaving its file entries as edited (reseal recomputes them). */
function sealAsIs(path: string, edit: (m: Record<string, any>) => void): void {
  const m = JSON.parse(readFileSync(join(path, MANIFEST), 'utf8')) as Record<string, any>;
  edit(m);
  writeFileSync(join(path, MANIFEST), sealManifest(m));
}

/** One line, exit 1, from every command that loads a checkpoint. */
async function assertCliRefuses(path: string, message: RegExp, env: Record<string, string> = {}): Promise<void> {
  for (const args of [['predict', '--model', path, `${ROOT}datasets/stagger.csv`], ['train', `${ROOT}datasets/stagger.csv`, '--resume', path, '--save', join(dir, 'unused')]]) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^inc-learn: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\\n]+\\n$`));
    assert.match(r.stderr, message);
  }
}

/** Loads in a fresh process; returns its message and the most memory it held (kB). */
function loadMeasured(path: string): { message: string; maxRssKb: number } {
  const store = new URL('../src/persist/store.js', import.meta.url).href;
  const script = `import { readCheckpoint } from ${JSON.stringify(store)};
let message = 'loaded';
try { await readCheckpoint(${JSON.stringify(path)}); } catch (err) { message = err.message; }
process.stdout.write(JSON.stringify({ message, maxRssKb: process.resourceUsage().maxRSS }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { message: string; maxRssKb: number };
}

describe('hostile checkpoints, checksums recomputed', () => {
  it('refuses one range of arrays.f64 referenced many times, in bounded memory', async () => {
    const c = copy();
    reseal(c, (m, arrays) => {
      const n = 2 ** 20; // 8 MB of numbers, expanded 600 times: 4.8 GB
      m.learner.weights = Array.from({ length: 600 }, () => ({ $f64: [arrays.length / 8, n] }));
      return Buffer.concat([arrays, Buffer.alloc(n * 8)]);
    });
    // In a small heap first: expanding it would run this process out of memory.
    await assertCliRefuses(c, /refers to more numbers/, { NODE_OPTIONS: '--max-old-space-size=256' });
    await assertRefused(c, 'a range referenced 600 times', /learner\.weights\[1\]: refers to more numbers of arrays\.f64 than it holds in all/);
  });

  it('refuses deep nesting before parsing it', async () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
    for (const [where, edit] of [
      ['learner', (m: Record<string, any>) => void (m.learner.weights = deep(2000))],
      ['config', (m: Record<string, any>) => void (m.config.columns = deep(2000))],
      ['sampler', (m: Record<string, any>) => void (m.sampler.buffer.x = { a: deep(2000) })],
    ] as const) {
      const c = copy();
      reseal(c, edit);
      await assertRefused(c, `nesting in ${where}`, /checkpoint\.json: nests arrays or objects more than 512 deep/);
      if (where === 'sampler') await assertCliRefuses(c, /nests arrays or objects more than 512 deep/);
    }
  });

  it('checks the size of arrays.f64 before reading it: a huge sparse file is refused in bounded memory', async () => {
    const huge = 1.9e9 - (1.9e9 % 8);
    const same = copy();
    truncateSync(join(same, ARRAYS), huge);
    const declared = copy();
    sealAsIs(declared, (m) => void (m.files[ARRAYS].bytes = huge));
    truncateSync(join(declared, ARRAYS), huge);
    for (const [c, message] of [
      [same, /arrays\.f64: expected \d+ bytes, found 1900000000 \(truncated or replaced\)/],
      [declared, new RegExp(`arrays\\.f64: is 1900000000 bytes, more than the ${MAX_ARRAYS_BYTES} a checkpoint may hold`)],
    ] as const) {
      const { message: got, maxRssKb } = loadMeasured(c);
      assert.match(got, message);
      assert.ok(maxRssKb < 400 * 1024, `read in bounded memory: ${maxRssKb} kB`);
      rmSync(c, { recursive: true });
    }
  });

  it('refuses symbolic links among its files, even to a good copy', async () => {
    for (const file of [ARRAYS, MANIFEST]) {
      const c = copy();
      unlinkSync(join(c, file));
      symlinkSync(join(good, file), join(c, file));
      await assertRefused(c, `${file} a link`, new RegExp(`${file.replace('.', '\\.')}: is a symbolic link \\(a checkpoint holds its own files\\)`));
    }
  });

  it('refuses keys nobody wrote', async () => {
    const edits: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['at the top', (m) => void (m.extra = 1), /: extra: unknown key/],
      ['in the config', (m) => void (m.config.script = 'rm -rf /'), /config\.script: unknown key/],
      ['in the learner', (m) => void (m.learner.bias = [1]), /learner\.bias: unknown key/],
      ['in the sampler', (m) => void (m.sampler.extra = 0), /sampler\.extra: unknown key/],
      ['in the sampler buffer', (m) => void (m.sampler.buffer.extra = 0), /sampler\.buffer\.extra: unknown key/],
      ['in a schema column', (m) => void (m.schema.columns[0].extra = 0), /schema\.columns\[0\]\.extra: unknown key/],
      ['in the featurizer', (m) => void (m.featurizer.extra = 0), /featurizer\.extra: unknown key/],
      ['in the counts', (m) => void (m.counts.extra = 0), /counts\.extra: unknown key/],
      ['in the carried rows', (m) => void (m.carried.pending.extra = 0), /carried\.pending\.extra: unknown key/],
    ];
    for (const [what, edit, message] of edits) {
      const c = copy();
      reseal(c, edit);
      await assertRefused(c, `a key ${what}`, message);
    }
    const c = copy();
    sealAsIs(c, (m) => void (m.files[ARRAYS].mode = 0o755));
    await assertRefused(c, 'a key in a file entry', /files\.arrays\.f64\.mode: unknown key/);
  });
});
