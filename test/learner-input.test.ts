/**
 * What the learner reads: the start event gives its row layout and width (a learner of category
 * codes reads one number per feature, not the one-hot slots), and --hash-bits, which only the
 * one-hot and sparse rows have, is refused for a learner of category codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runConfig } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import type { StartEvent } from '../src/run/events.js';
import { train } from '../src/run/train.js';
import { runCli } from './helpers.js';

let dir: string;
let path: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-input-'));
  path = join(dir, 'mixed.csv');
  // Two numeric features and two categorical ones, with three and two categories.
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${['red', 'green', 'blue'][i % 3]},${i % 2 ? 'x' : 'y'},${i % 4 < 2 ? 'a' : 'b'}`);
  writeFileSync(path, ['n1,n2,colour,shape,label', ...rows].join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function start(options: Record<string, string>): Promise<StartEvent> {
  for await (const e of train(runConfig(path, options))) if (e.event === 'start') return e;
  throw new Error('no start event');
}

describe('the start event says what the learner reads', () => {
  it('the default learner: the one-hot row, `features` wide (unchanged)', async () => {
    const e = await start({});
    assert.equal(e.learner_input, 'dense');
    assert.equal(e.learner_features, e.features);
  });

  it('a learner of category codes: one number per feature; hashed rows: the sparse pairs; several learners: each its own', async () => {
    const nb = await start({ model: 'nb' });
    assert.equal(nb.learner_input, 'raw');
    assert.equal(nb.learner_features, 4);
    const hashed = await start({ hashBits: '6' });
    assert.equal(hashed.learner_input, 'sparse');
    assert.equal(hashed.learner_features, 2 + 2 * 2, 'the numeric features, then an (index, value) pair per categorical feature');
    const both = await start({ model: 'linear,ht' });
    assert.deepEqual(
      both.models!.map((m) => [m.model, m.learner_input, m.learner_features]),
      [
        ['linear', 'dense', both.features],
        ['ht', 'raw', 4],
      ],
    );
  });
});

describe('--hash-bits with a learner of category codes', () => {
  it('is refused, alone or beside another learner, naming the learner', () => {
    for (const model of ['nb', 'ht', 'hat', 'arf', 'majority', 'linear,nb']) {
      assert.throws(() => runConfig(path, { model, hashBits: '8' }), (e: unknown) => e instanceof UsageError && /--hash-bits applies to learners that read the one-hot row; --model (nb|ht|hat|arf|majority) reads each category as a category/.test(e.message), model);
    }
  });

  it('on the command line: one line on stderr, exit 2', async () => {
    const r = await runCli(['train', path, '--model', 'linear,arf', '--hash-bits', '8']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'inc-learn: --hash-bits applies to learners that read the one-hot row; --model arf reads each category as a category\n');
  });
});
