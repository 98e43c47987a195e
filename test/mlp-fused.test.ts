/**
 * The MLP's fast paths give exactly the results of the plain ones: predictAndLearn() against
 * predict() then learn(), the direct kernel dispatch against the engine's, and the training pass's
 * fused step (sampler 'all') against the same rows offered through a sampler that is not pass-through.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMlp, restoreMlp, type Dispatch, type MlpLearner } from '../src/learners/mlp.js';
import { loadTensorflow } from '../src/learners/tfjs.js';
import type { LearnerOptions } from '../src/learners/types.js';
import { Random } from '../src/util/random.js';
import { jsonLines, runCli, mlpOptions } from './helpers.js';

const options = (over: Partial<LearnerOptions> = {}): LearnerOptions => mlpOptions({ batchSize: 16, hidden: [8, 6], seed: 3, ...over });

function data(seed: number, dim: number, classes: number, task: LearnerOptions['task']) {
  const random = new Random(seed);
  return (rows: number) => {
    const x = new Float64Array(rows * dim);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        x[r * dim + j] = random.normal();
        s += x[r * dim + j]! * (j + 1);
      }
      y[r] = task === 'classification' ? random.int(classes) : s + 0.1 * random.normal();
    }
    return { x, y };
  };
}

const variants: [string, Partial<LearnerOptions>][] = [
  ['adam relu', {}],
  ['adam tanh l2', { activation: 'tanh', l2: 1e-3 }],
  ['adagrad sigmoid', { optimizer: 'adagrad', activation: 'sigmoid', lr: 0.1 }],
  ['sgd elu', { optimizer: 'sgd', activation: 'elu', lr: 0.1 }],
  ['regression adam', { task: 'regression', hidden: [5] }],
  ['cpu adam relu l2', { backend: 'cpu', l2: 1e-3 }],
];

describe('mlp predictAndLearn', () => {
  for (const [name, over] of variants) {
    it(`gives bit for bit the predictions and weights of predict then learn (${name})`, async () => {
      const opts = options(over);
      const a = await createMlp(opts);
      const b = await createMlp(opts);
      const next = data(1, opts.dim, opts.classes, opts.task);
      for (let step = 0; step < 30; step++) {
        const rows = step % 7 === 6 ? 5 : opts.batchSize; // partial batches too
        const { x, y } = next(rows);
        const pa = new Float64Array(rows * a.outputs);
        const pb = new Float64Array(rows * b.outputs);
        await a.predict(x, rows, pa);
        await a.learn(x, y, rows);
        await b.predictAndLearn!(x, y, rows, pb);
        assert.deepEqual(pb, pa, `step ${step}`);
      }
      assert.deepEqual(await b.state(), await a.state());
      a.dispose();
      b.dispose();
    });
  }
});

describe('mlp kernel dispatch', () => {
  for (const [name, over] of variants) {
    it(`direct and engine dispatch agree bit for bit, across grow and restore (${name})`, async () => {
      const opts = options(over);
      const run = async (dispatch: Dispatch) => {
        let m: MlpLearner = await createMlp(opts, dispatch);
        const outs: Float64Array[] = [];
        let next = data(2, opts.dim, opts.classes, opts.task);
        for (let step = 0; step < 40; step++) {
          if (step === 20) {
            await m.grow(opts.dim + 1, opts.classes + 1);
            const restored = await restoreMlp(JSON.parse(JSON.stringify(await m.state())), opts.backend, dispatch);
            m.dispose();
            m = restored;
            next = data(3, opts.dim + 1, opts.classes + 1, opts.task);
          }
          const { x, y } = next(opts.batchSize);
          const p = new Float64Array(opts.batchSize * m.outputs);
          await m.predictAndLearn!(x, y, opts.batchSize, p);
          outs.push(p);
        }
        const state = await m.state();
        m.dispose();
        return { outs, state };
      };
      const direct = await run('direct');
      const engine = await run('engine');
      assert.deepEqual(direct.outs, engine.outs);
      assert.deepEqual(direct.state, engine.state);
    });
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`direct dispatch frees every backend buffer it makes (${backend})`, async () => {
      const { tf } = await loadTensorflow(backend);
      const start = tf.backend().numDataIds();
      const opts = options({ backend, l2: 1e-4 });
      const m = await createMlp(opts, 'direct');
      const next = data(4, 4, 3, 'classification');
      const p = new Float64Array(16 * 3);
      const warm = next(16);
      m.learn(warm.x, warm.y, 16); // per-row-count constants are made on the first step
      const steady = tf.backend().numDataIds();
      for (let i = 0; i < 50; i++) {
        const { x, y } = next(16);
        m.predict(x, 16, p);
        m.learn(x, y, 16);
        m.predictAndLearn!(x, y, 16, p);
      }
      await m.state();
      assert.equal(tf.backend().numDataIds(), steady);
      assert.throws(() => m.predictAndLearn!(warm.x, new Float64Array(16).fill(7), 16, p), /label 7/);
      assert.equal(tf.backend().numDataIds(), steady, 'a rejected label leaves nothing behind');
      await m.grow(6, 4);
      m.dispose();
      assert.equal(tf.backend().numDataIds(), start);
    });
  }
});

describe('training pass with the fused step', () => {
  it("sampler 'all' (fused) gives exactly the metrics of the same rows through a non-pass-through sampler", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlp-fused-'));
    try {
      // A third class and a new category (a new feature slot) appear mid-stream: the pass flushes
      // partial blocks and grows the learner between full ones.
      const random = new Random(5);
      const lines = ['a,b,c,kind,label'];
      for (let r = 0; r < 700; r++) {
        const late = r >= 300;
        const label = late && r % 5 === 0 ? 'z' : random.next() < 0.5 ? 'x' : 'y';
        const a = random.normal() + (label === 'x' ? 1 : label === 'z' ? -2 : 0);
        lines.push(`${a.toFixed(4)},${random.normal().toFixed(4)},${(random.next() * 10).toFixed(3)},${late && r % 3 === 0 ? 'k2' : 'k1'},${label}`);
      }
      const file = join(dir, 'data.csv');
      writeFileSync(file, lines.join('\n') + '\n');
      const train = async (sampler: string[]) => {
        const { code, stdout, stderr } = await runCli(['train', file, '--model', 'mlp', '--batch-size', '16', '--epochs', '2', '--hidden', '8', '--json', '--quiet', ...sampler]);
        assert.equal(code, 0, stderr);
        return jsonLines(stdout)
          .filter((e) => e['event'] === 'epoch' || e['event'] === 'summary')
          .map((e) => [e['loss'], e['accuracy'], e['trained'], e['evaluated'], e['features'], e['classes']]);
      };
      const fused = await train(['--sampler', 'all']);
      const plain = await train(['--sampler', 'bernoulli', '--sample-rate', '1']); // trains on every row as offered, not pass-through
      assert.deepEqual(fused, plain);
      assert.equal(fused[0]![2], 700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
