/** The tree learners from the command line: accuracy on the shared streams, and inspect --model. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, SHARED_MISSING, cliOk, jsonLines, runCli, sharedDataset } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-trees-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const summaryOf = (stdout: string): Record<string, any> => jsonLines(stdout).find((e) => e.event === 'summary') as Record<string, any>;

describe('tree learners on the shared streams (prequential, default flags)', { concurrency: 2 }, () => {
  // Floors a little under what docs/learners.md reports (measured at seed 1).
  const floors: [string, string, number][] = [
    ['sea_stream.csv', 'ht', 0.86],
    ['sea_stream.csv', 'arf', 0.87],
    ['elec.csv', 'ht', 0.77],
    ['elec.csv', 'hat', 0.79],
    ['elec.csv', 'arf', 0.86],
  ];
  for (const [name, model, floor] of floors) {
    it(`${model} on ${name}: accuracy at least ${floor}`, async (t) => {
      const path = sharedDataset(name);
      if (!path) return t.skip(SHARED_MISSING);
      const summary = summaryOf((await cliOk(['train', path, '--model', model, '--json', '-q'])).stdout);
      assert.ok(summary.accuracy >= floor, `${model} on ${name}: ${summary.accuracy}`);
    });
  }
});

describe('inspect --model', () => {
  it('draws a saved tree: its splits on named attributes, categories by name, class shares at the leaves', async () => {
    const model = join(dir, 'stagger-ht');
    await cliOk(['train', `${ROOT}datasets/stagger.csv`, '--model', 'ht', '--save', model, '-q']);
    const text = (await cliOk(['inspect', '--model', model, '--no-color'])).stdout;
    assert.match(text, /^.*stagger-ht: ht, classification of label, [\d,]+ rows learned\nht: depth \d+, \d+ nodes, \d+ leaves/);
    assert.match(text, /split on (size|color|shape): [\d,]+ rows\n├─ (size|color|shape) = (small|medium|large|red|green|blue|square|circle|triangle): /);
    assert.match(text, /leaf: [\d,]+ rows, (yes|no) \d+%/);
    const json = jsonLines((await cliOk(['inspect', '--model', model, '--json'])).stdout)[0]!;
    assert.equal(json.event, 'model');
    assert.equal(json.learner, 'ht');
    assert.ok((json.depth as number) >= 1);
    const first = (json.splits as Record<string, unknown>[])[0]!;
    assert.ok(Array.isArray(first.categories) && (first.categories as string[]).every((c) => typeof c === 'string' && !/^\d+$/.test(c)), JSON.stringify(first));
  });

  it('summarizes a saved forest: drifts and background trees per tree', async () => {
    const model = join(dir, 'stagger-arf');
    await cliOk(['train', `${ROOT}datasets/stagger.csv`, '--model', 'arf', '--trees', '3', '--save', model, '-q']);
    const json = jsonLines((await cliOk(['inspect', '--model', model, '--json'])).stdout)[0]!;
    assert.equal(json.learner, 'arf');
    assert.equal((json.members as unknown[]).length, 3);
    assert.equal(typeof json.drifts, 'number');
    assert.match((await cliOk(['inspect', '--model', model])).stdout, /arf: 3 trees/);
  });

  it('says what it cannot draw, and refuses a dataset and --model together', async () => {
    const model = join(dir, 'linear');
    await cliOk(['train', `${ROOT}datasets/stagger.csv`, '--save', model, '-q']);
    assert.match((await cliOk(['inspect', '--model', model])).stdout, /linear has no structure to draw/);
    const both = await runCli(['inspect', `${ROOT}datasets/stagger.csv`, '--model', model]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
  });
});
