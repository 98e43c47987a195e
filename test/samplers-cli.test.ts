/** The samplers through the CLI, on the checks the tracker names. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, jsonLines, runCli } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-samplers-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A bundled dataset with its rows sorted by the label column (stable), like a stream sorted by class. */
function sortedByLabel(name: string): string {
  const [header, ...rows] = readFileSync(`${ROOT}datasets/${name}`, 'utf8').trim().split('\n');
  const label = (row: string) => row.slice(row.lastIndexOf(',') + 1);
  const sorted = rows.map((row, i) => ({ row, i })).sort((a, b) => (label(a.row) < label(b.row) ? -1 : label(a.row) > label(b.row) ? 1 : a.i - b.i));
  const path = join(dir, `sorted-${name}`);
  writeFileSync(path, [header, ...sorted.map((s) => s.row)].join('\n') + '\n');
  return path;
}

async function epochs(args: string[]): Promise<Record<string, number>[]> {
  const { code, stdout, stderr } = await runCli(['train', ...args, '--json']);
  assert.equal(code, 0, stderr);
  return jsonLines(stdout).filter((e) => e.event === 'epoch') as Record<string, number>[];
}

describe('samplers end to end', () => {
  it('bernoulli trains on about half the rows, different ones each epoch, the same under the same seed', async () => {
    const args = [`${ROOT}datasets/sea_drift.csv`, '--sampler', 'bernoulli', '--sample-rate', '0.5', '--epochs', '3', '--seed', '1'];
    const first = await epochs(args);
    const second = await epochs(args);
    const strip = (es: Record<string, number>[]) => es.map(({ rows_per_sec: _r, elapsed_ms: _e, ...rest }) => rest);
    assert.deepEqual(strip(second), strip(first));
    assert.equal(first.length, 3);
    // 10,000 rows at p = 0.5: sd 50, so 4.5 sd is ±225.
    for (const e of first) assert.ok(Math.abs(e.trained! - 5000) < 225, `trained ${e.trained}`);
    const counts = new Set(first.map((e) => e.trained));
    assert.ok(counts.size > 1, 'a fresh draw each epoch');
  });

  for (const name of ['hyperplane.csv', 'sea_drift.csv']) {
    it(`replay and shuffle remember early classes of a stream sorted by class (${name})`, async () => {
      const path = sortedByLabel(name);
      const holdout = async (sampler: string[]) => (await epochs([path, '--holdout', '0.2', ...sampler]))[0]!.val_accuracy!;
      const all = await holdout([]);
      const replay = await holdout(['--sampler', 'replay']);
      const shuffle = await holdout(['--sampler', 'shuffle', '--buffer-size', '2000']);
      assert.ok(replay > all + 0.1, `replay ${replay} vs all ${all}`);
      assert.ok(shuffle > all + 0.1, `shuffle ${shuffle} vs all ${all}`);
    });
  }

  it('names the sampler in the start event and reports buffer fill', async () => {
    const { stdout } = await runCli(['train', `${ROOT}datasets/sea_drift.csv`, '--json', '--sampler', 'window', '--buffer-size', '300', '--replay-ratio', '0.5']);
    const [start, epoch] = jsonLines(stdout) as Record<string, any>[];
    assert.match(start!.sampler, /^window\(/);
    assert.equal(epoch!.buffer_fill, 300);
    assert.equal(epoch!.buffer_capacity, 300);
    assert.equal(epoch!.trained, 10000 + 5000 - 1);
  });

  it('works with the mini-batch MLP too', async () => {
    const [epoch] = await epochs([`${ROOT}datasets/sea_drift.csv`, '--model', 'mlp', '--hidden', '8', '--sampler', 'replay', '--buffer-size', '500']);
    assert.equal(epoch!.rows, 10000);
    assert.ok(epoch!.trained! > 19000, `trained ${epoch!.trained}`);
  });
});
