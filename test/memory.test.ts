/**
 * What a learner's model holds (Learner.memoryBytes, the events' model_bytes): every learner of the
 * registry reports it, it follows what the model keeps (more classes, a tree that splits), it is the
 * same for the same rows; and the events carry it, with the run's peak and the process's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { createLearner } from '../src/learners/index.js';
import { learners } from '../src/learners/registry.js';
import type { FeatureInfo, Learner, Task } from '../src/learners/types.js';
import { TableReporter } from '../src/report/table.js';
import type { ModelConfig } from '../src/run/config.js';
import type { RunEvent } from '../src/run/events.js';
import { Random } from '../src/util/random.js';
import { cliOk, jsonLines } from './helpers.js';

/** Two numeric features and one categorical (codes 0..2): 3 slots raw, 2 + 3 one-hot slots dense. */
const FEATURES: FeatureInfo[] = [
  { name: 'a', kind: 'numeric' },
  { name: 'b', kind: 'numeric' },
  { name: 'c', kind: 'categorical' },
];
const DENSE = 5;

const config = (model: string): ModelConfig => ({ model, optimizer: 'sgd', l2: 0, batchSize: 8, hidden: [4], activation: 'relu', backend: 'cpu' });

function build(model: string, task: Task, classes: number, input: 'dense' | 'raw'): Promise<Learner> {
  const dim = input === 'raw' ? FEATURES.length : DENSE;
  return createLearner(config(model), { task, dim, classes, features: FEATURES }, 7).then((c) => c.learner);
}

/** Rows in the learner's layout with a learnable target: class 0/1 by the sign of a + b (then class 2 for c = 2), or a + 2b. */
function rows(n: number, task: Task, input: 'dense' | 'raw', third: boolean, seed: number): { x: Float64Array; y: Float64Array; dim: number } {
  const random = new Random(seed);
  const dim = input === 'raw' ? FEATURES.length : DENSE;
  const x = new Float64Array(n * dim);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const a = random.next() * 2 - 1;
    const b = random.next() * 2 - 1;
    const c = random.int(3);
    x[r * dim] = a;
    x[r * dim + 1] = b;
    if (input === 'raw') x[r * dim + 2] = c;
    else x[r * dim + 2 + c] = 1;
    y[r] = task === 'regression' ? a + 2 * b : third && c === 2 ? 2 : a + b > 0 ? 1 : 0;
  }
  return { x, y, dim };
}

async function feed(learner: Learner, data: { x: Float64Array; y: Float64Array; dim: number }): Promise<void> {
  const n = data.y.length;
  const b = learner.batchSize;
  for (let r = 0; r + b <= n; r += b) await learner.learn(data.x.subarray(r * data.dim), data.y.subarray(r), b);
}

const whole = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

describe('memoryBytes: every learner of the registry', () => {
  for (const entry of learners()) {
    for (const task of entry.tasks) {
      it(`${entry.name} (${task}): a positive whole number, the same for the same rows, and growing with the classes`, async () => {
        const input = entry.input === 'raw' ? 'raw' : 'dense';
        const [one, two] = await Promise.all([build(entry.name, task, 2, input), build(entry.name, task, 2, input)]);
        try {
          const fresh = one.memoryBytes();
          assert.ok(whole(fresh), `fresh: ${fresh}`);
          await feed(one, rows(400, task, input, false, 1));
          await feed(two, rows(400, task, input, false, 1));
          const learned = one.memoryBytes();
          assert.ok(whole(learned), `after 400 rows: ${learned}`);
          assert.equal(two.memoryBytes(), learned, 'the same rows, the same bytes');
          if (task === 'classification' && entry.name !== 'no-change') {
            // A third class: every per-class array widens, at grow() or once the class is learned.
            // (no-change keeps three numbers whatever the classes. A forest may also replace a tree
            // that drifted on the new class by a smaller fresh one: hence the larger of the two.)
            await one.grow(one.dim, 3);
            const widened = one.memoryBytes();
            await feed(one, rows(400, task, input, true, 2));
            const most = Math.max(widened, one.memoryBytes());
            assert.ok(most > learned, `a third class: ${widened} at grow, ${one.memoryBytes()} once learned, after ${learned}`);
          }
        } finally {
          one.dispose();
          two.dispose();
        }
      });
    }
  }

  it('counts what the model keeps, by hand: a logistic model, knn, no-change', async () => {
    // Logistic on 5 slots: one head of 5 weights and a bias, and 2 class scratch numbers, 8 bytes each.
    const logistic = await build('linear', 'classification', 2, 'dense');
    assert.equal(logistic.memoryBytes(), 8 * (5 + 1) + 8 * 2);
    // Softmax over 3 classes: three heads.
    await logistic.grow(5, 3);
    assert.equal(logistic.memoryBytes(), 8 * 3 * (5 + 1) + 8 * 3);
    // knn (k 5, window 1000): the window's raw rows (3 numbers) and targets, a weight per numeric
    // feature, the k best distances (8 bytes) and rows (4), the class votes.
    const knn = await build('knn', 'classification', 2, 'raw');
    assert.equal(knn.memoryBytes(), 8 * 1000 * 3 + 8 * 1000 + 8 * 2 + 8 * 5 + 4 * 5 + 8 * 2);
    const noChange = await build('no-change', 'classification', 2, 'raw');
    assert.equal(noChange.memoryBytes(), 24);
  });

  it('a tree grows as it splits', async () => {
    const tree = await build('ht', 'classification', 2, 'raw');
    const leaf = tree.memoryBytes();
    await feed(tree, rows(3000, 'classification', 'raw', false, 3));
    const state = (await tree.state()) as unknown as { tree: { splits: number } };
    assert.ok(state.tree.splits > 0, 'the stream is learnable: the tree splits');
    assert.ok(tree.memoryBytes() > 2 * leaf, `${tree.memoryBytes()} after splits, ${leaf} for the root leaf`);
  });
});

describe('memory in the events', () => {
  let dir: string;
  let data: string;
  /** The events of the side-by-side run, which the terminal's test prints. */
  let sideBySide: Record<string, unknown>[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'inc-learn-memory-'));
    const random = new Random(5);
    const lines = ['x1,x2,label'];
    for (let i = 0; i < 3000; i++) {
      const x1 = random.next() * 2 - 1;
      const x2 = random.next() * 2 - 1;
      lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${x1 + x2 > 0 ? 'up' : 'down'}`);
    }
    data = join(dir, 'memory.csv');
    writeFileSync(data, lines.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('report, epoch and summary carry model_bytes and its peak so far; the summary the process peak; the ranking each peak', async () => {
    const events = jsonLines((await cliOk(['train', data, '--json', '--quiet', '--model', 'linear,ht', '--epochs', '2', '--report-every', '500'])).stdout);
    sideBySide = events;
    for (const model of ['linear', 'ht']) {
      const own = events.filter((e) => e.model === model && ['report', 'epoch', 'summary'].includes(e.event as string));
      let peak = 0;
      for (const e of own) {
        assert.ok(whole(e.model_bytes as number), JSON.stringify(e));
        peak = Math.max(peak, e.model_bytes as number);
        assert.equal(e.peak_model_bytes, peak, `${model} ${String(e.event)} at ${String(e.rows)}`);
      }
      const summary = own.at(-1)!;
      assert.equal(summary.event, 'summary');
      assert.ok((summary.peak_rss_bytes as number) > 10 * 2 ** 20, `peak RSS ${String(summary.peak_rss_bytes)}`);
      const epochs = own.filter((e) => e.event === 'epoch');
      assert.equal(epochs.some((e) => 'peak_rss_bytes' in e), false, 'the process peak is the summary\'s');
      // The summary's learner time is the run's, not its last epoch's.
      const sum = epochs.reduce((s, e) => s + (e.learner_ms as number), 0);
      assert.ok(Math.abs((summary.learner_ms as number) - sum) < 0.2 * epochs.length + 1e-9, `${String(summary.learner_ms)} vs ${sum}`);
      const ranked = (events.at(-1)!.models as Record<string, unknown>[]).find((m) => m.model === model)!;
      assert.equal(ranked.peak_model_bytes, summary.peak_model_bytes);
    }
    const tree = events.filter((e) => e.model === 'ht' && e.event === 'report').map((e) => e.model_bytes as number);
    assert.ok(tree.at(-1)! > tree[0]!, `the tree grows: ${tree.join(', ')}`);
  });

  it('the terminal shows them: a memory column side by side, a memory line in the summary', () => {
    const print = (events: Record<string, unknown>[]): { out: string; err: string } => {
      const text = { out: '', err: '' };
      const to = (key: 'out' | 'err') => ({ write: (t: string) => ((text[key] += t), true) }) as unknown as NodeJS.WritableStream;
      const plain = new Chalk({ level: 0 });
      const reporter = new TableReporter({ stream: to('out'), style: plain }, to('err'), plain, false);
      for (const e of events) reporter.on(e as unknown as RunEvent);
      return text;
    };
    const several = print(sideBySide);
    const [header, ...lines] = several.out.trimEnd().split('\n');
    assert.match(header!, /rows\/s\s+time\s+model mem$/);
    assert.ok(lines.length >= 4, several.out);
    for (const line of lines) assert.match(line, /\d(\.\d+)? (B|KiB|MiB)$/);
    assert.match(several.err, /\n {2}memory: process peak \d+(\.\d+)? MiB resident, every learner\n/);
    assert.match(several.err, /1\. \S+ .* model \d+(\.\d+)? (B|KiB) at most/);
    // The linear learner alone: its events without the model field.
    const { models: _m, ...start } = sideBySide[0]!;
    const alone = [start, ...sideBySide.filter((e) => e.model === 'linear' && e.event !== 'report').map(({ model: _n, ...e }) => e)];
    const one = print(alone);
    assert.doesNotMatch(one.out, /model mem/);
    assert.match(one.err, /\n {2}memory: model 40 B; process peak \d+(\.\d+)? MiB resident\n/);
  });
});
