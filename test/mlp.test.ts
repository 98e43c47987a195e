/** The tfjs MLP and its backend loader. Backends: tfjs-node is not installable here, so wasm is the default. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { createMlp, restoreMlp, type MlpLearner } from '../src/learners/mlp.js';
import { loadTensorflow } from '../src/learners/tfjs.js';
import type { LearnerOptions } from '../src/learners/types.js';
import { Random } from '../src/util/random.js';
import { mlpOptions } from './helpers.js';

const BACKEND = 'wasm' as const;

const options = (over: Partial<LearnerOptions> = {}): LearnerOptions => mlpOptions({ backend: BACKEND, ...over });

/** Gaussian blobs around well separated random centres: a problem any MLP should learn. */
function blobs(seed: number, dim: number, classes: number) {
  const random = new Random(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => 3 * random.normal()));
  return (rows: number, only?: number) => {
    const x = new Float64Array(rows * dim);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const c = only ?? random.int(classes);
      y[r] = c;
      for (let j = 0; j < dim; j++) x[r * dim + j] = centres[c]![j]! + 0.7 * random.normal();
    }
    return { x, y };
  };
}

function argmax(p: Float64Array, row: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (p[row * k + c]! > p[row * k + best]!) best = c;
  return best;
}

async function accuracy(m: MlpLearner, x: Float64Array, y: Float64Array): Promise<number> {
  const out = new Float64Array(y.length * m.outputs);
  await m.predict(x, y.length, out);
  let right = 0;
  for (let r = 0; r < y.length; r++) if (argmax(out, r, m.outputs) === y[r]) right++;
  return right / y.length;
}

async function predictions(m: MlpLearner, x: Float64Array, rows: number): Promise<Float64Array> {
  const out = new Float64Array(rows * m.outputs);
  await m.predict(x, rows, out);
  return out;
}

const MLP_URL = new URL('../src/learners/mlp.js', import.meta.url).href;

/** Runs an ES module snippet in a fresh node (the backend loaded once per process), with createMlp in scope. */
function runNode(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { createMlp } = await import(${JSON.stringify(MLP_URL)});\n${body}`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

const SNIPPET_OPTIONS = `{ task: 'classification', dim: 2, classes: 2, optimizer: 'adam', lr: 0.01, l2: 0, batchSize: 2, hidden: [3], activation: 'relu', seed: 1 }`;
const SNIPPET_USE = `await m.learn(new Float64Array([1, 2, 3, 4]), new Float64Array([0, 1]), 2); await m.predict(new Float64Array([1, 2]), 1, new Float64Array(2));`;

async function tfjsNodeInstalled(): Promise<boolean> {
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe('loadTensorflow', () => {
  it('forcing cpu works, and neither loading nor the first cpu tensor prints anything (no tfjs-node banner)', async () => {
    const { code, stdout, stderr } = await runNode(
      `const m = await createMlp({ ...${SNIPPET_OPTIONS}, backend: 'cpu' }); ${SNIPPET_USE} console.log(m.backend);`,
    );
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'cpu\n');
    assert.equal(stderr, '');
    const { tf, backend } = await loadTensorflow('cpu');
    assert.equal(backend, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('forcing tensorflow without @tensorflow/tfjs-node is a UsageError naming the package', async (t) => {
    if (await tfjsNodeInstalled()) return t.skip('@tensorflow/tfjs-node is installed here');
    await assert.rejects(loadTensorflow('tensorflow'), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, /^--backend tensorflow: @tensorflow\/tfjs-node /);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  it('without a preference uses wasm when tfjs-node is absent, silently', async (t) => {
    if (await tfjsNodeInstalled()) return t.skip('@tensorflow/tfjs-node is installed here');
    const { code, stdout, stderr } = await runNode(`const m = await createMlp(${SNIPPET_OPTIONS}); ${SNIPPET_USE} console.log(m.backend);`);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'wasm\n');
    assert.equal(stderr, '');
  });

  it('leaves no wasm process handlers behind: an uncaught error still exits 1, not 7', async () => {
    const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const { tf } = await loadTensorflow('wasm');
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
    assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], before);
    const { code, stderr } = await runNode(`const m = await createMlp({ ...${SNIPPET_OPTIONS}, backend: 'wasm' }); ${SNIPPET_USE} throw new Error('boom');`);
    assert.equal(code, 1);
    assert.match(stderr, /Error: boom/);
    assert.doesNotMatch(stderr, /tf-backend-wasm/);
  });

  it('rejects an unknown backend name', async () => {
    await assert.rejects(loadTensorflow('gpu' as never), UsageError);
    await loadTensorflow(BACKEND);
  });
});

describe('mlp', () => {
  it('describes itself and reports its shape', async () => {
    const m = await createMlp(options({ hidden: [64, 32], lr: 0.001, classes: 1 }));
    assert.equal(m.description, 'mlp(hidden=64,32, relu, adam lr=0.001, batch=32)');
    assert.equal(m.outputs, 2, 'at least two class probabilities');
    assert.equal(m.dim, 4);
    assert.equal(m.batchSize, 32);
    m.dispose();
    const r = await createMlp(options({ task: 'regression' }));
    assert.equal(r.outputs, 1);
    r.dispose();
  });

  for (const optimizer of ['adam', 'sgd', 'adagrad'] as const) {
    it(`learns separable blobs (${optimizer}): accuracy far above chance`, async () => {
      const lr = optimizer === 'adam' ? 0.01 : 0.1;
      const m = await createMlp(options({ optimizer, lr }));
      const data = blobs(1, 4, 3);
      const test = data(600);
      const before = await accuracy(m, test.x, test.y);
      for (let b = 0; b < 150; b++) {
        const { x, y } = data(32);
        await m.learn(x, y, 32);
      }
      const after = await accuracy(m, test.x, test.y);
      assert.ok(after > 0.9, `accuracy ${before} -> ${after}`);
      m.dispose();
    });
  }

  it('predicts probabilities that sum to one', async () => {
    const m = await createMlp(options());
    const { x } = blobs(2, 4, 3)(10);
    const p = await predictions(m, x, 10);
    for (let r = 0; r < 10; r++) {
      const sum = p[3 * r]! + p[3 * r + 1]! + p[3 * r + 2]!;
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
    }
    m.dispose();
  });

  it('regression: mean squared error falls', async () => {
    const random = new Random(3);
    const make = (rows: number) => {
      const x = new Float64Array(rows * 3);
      const y = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < 3; j++) x[r * 3 + j] = 2 * random.next() - 1;
        y[r] = 2 * x[r * 3]! - x[r * 3 + 1]! + Math.sin(3 * x[r * 3 + 2]!) + 0.05 * random.normal();
      }
      return { x, y };
    };
    const mse = async (m: MlpLearner, x: Float64Array, y: Float64Array) => {
      const p = await predictions(m, x, y.length);
      let s = 0;
      for (let r = 0; r < y.length; r++) s += (p[r]! - y[r]!) ** 2;
      return s / y.length;
    };
    const m = await createMlp(options({ task: 'regression', dim: 3, hidden: [32], lr: 0.01 }));
    const test = make(500);
    const before = await mse(m, test.x, test.y);
    for (let b = 0; b < 300; b++) {
      const { x, y } = make(32);
      await m.learn(x, y, 32);
    }
    const after = await mse(m, test.x, test.y);
    assert.ok(after < 0.1 && after < before / 5, `mse ${before} -> ${after}`);
    m.dispose();
  });

  it('handles batches smaller and larger than batchSize', async () => {
    const m = await createMlp(options({ batchSize: 8 }));
    const data = blobs(4, 4, 3);
    for (const rows of [1, 8, 5, 100]) {
      const { x, y } = data(rows);
      await m.learn(x, y, rows);
      const p = await predictions(m, x, rows);
      assert.ok(p.every(Number.isFinite));
    }
    m.dispose();
  });

  it('rejects a label that is not a known class', async () => {
    const m = await createMlp(options({ classes: 2 }));
    assert.throws(() => m.learn(new Float64Array(4), new Float64Array([2]), 1), /label 2/);
    m.dispose();
  });

  it('is deterministic: the same seed gives identical predictions, another seed different ones', async () => {
    const run = async (seed: number) => {
      const m = await createMlp(options({ seed }));
      const data = blobs(5, 4, 3);
      for (let b = 0; b < 20; b++) {
        const { x, y } = data(32);
        await m.learn(x, y, 32);
      }
      const p = await predictions(m, data(50).x, 50);
      m.dispose();
      return p;
    };
    const a = await run(11);
    assert.deepEqual(await run(11), a);
    assert.notDeepEqual(await run(12), a);
  });

  it('does not leak tensors across predict, learn, grow, state and dispose', async () => {
    const { tf } = await loadTensorflow(BACKEND);
    const start = tf.memory().numTensors;
    const m = await createMlp(options({ l2: 1e-4 }));
    const data = blobs(6, 4, 3);
    const warm = data(32);
    await m.learn(warm.x, warm.y, 32); // the optimizer creates its slots on the first step
    const steady = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) {
      const { x, y } = data(32);
      await predictions(m, x, 32);
      await m.learn(x, y, 32);
    }
    await m.state();
    assert.equal(tf.memory().numTensors, steady);
    await m.grow(6, 4);
    await m.learn(new Float64Array(6 * 2), new Float64Array([3, 0]), 2);
    assert.equal(tf.memory().numTensors, steady);
    m.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('mlp grow', () => {
  for (const optimizer of ['adam', 'sgd', 'adagrad'] as const) {
    it(`new features leave predictions unchanged; a new class barely changes them and is then learned (${optimizer})`, async () => {
      const lr = optimizer === 'adam' ? 0.01 : 0.1;
      const m = await createMlp(options({ optimizer, lr, dim: 3, classes: 2 }));
      const old = blobs(8, 3, 2);
      for (let b = 0; b < 30; b++) {
        const { x, y } = old(32);
        await m.learn(x, y, 32);
      }
      const probe = old(40);
      const before = await predictions(m, probe.x, 40);

      // Two new features: whatever their values, the zero weights keep predictions as they were.
      await m.grow(5, 2);
      assert.equal(m.dim, 5);
      const wide = new Float64Array(40 * 5);
      for (let r = 0; r < 40; r++) {
        for (let j = 0; j < 3; j++) wide[r * 5 + j] = probe.x[r * 3 + j]!;
        wide[r * 5 + 3] = 5 * Math.sin(r);
        wide[r * 5 + 4] = -3;
      }
      const afterDim = await predictions(m, wide, 40);
      for (let i = 0; i < before.length; i++) assert.ok(Math.abs(afterDim[i]! - before[i]!) < 1e-6, `value ${i}: ${before[i]} -> ${afterDim[i]}`);

      // A third class: the old probabilities move by well under 1%.
      await m.grow(5, 3);
      assert.equal(m.outputs, 3);
      const afterClass = await predictions(m, wide, 40);
      for (let r = 0; r < 40; r++) {
        assert.ok(afterClass[3 * r + 2]! < 0.01, `new class starts at ${afterClass[3 * r + 2]}`);
        for (let c = 0; c < 2; c++) assert.ok(Math.abs(afterClass[3 * r + c]! - before[2 * r + c]!) < 0.01);
        assert.equal(argmax(afterClass, r, 3), argmax(before, r, 2));
      }

      // Rows of the new class live where the new feature is large; it is learned.
      const random = new Random(9);
      const batch = () => {
        const x = new Float64Array(32 * 5);
        const y = new Float64Array(32);
        const o = old(32);
        for (let r = 0; r < 32; r++) {
          const isNew = r % 3 === 0;
          for (let j = 0; j < 3; j++) x[r * 5 + j] = o.x[r * 3 + j]!;
          x[r * 5 + 3] = isNew ? 3 + random.normal() : random.normal() - 3;
          x[r * 5 + 4] = random.normal();
          y[r] = isNew ? 2 : o.y[r]!;
        }
        return { x, y };
      };
      for (let b = 0; b < 150; b++) {
        const { x, y } = batch();
        await m.learn(x, y, 32);
      }
      const test = batch();
      const p = await predictions(m, test.x, 32);
      let newRight = 0;
      let newRows = 0;
      for (let r = 0; r < 32; r++) {
        if (test.y[r] !== 2) continue;
        newRows++;
        if (argmax(p, r, 3) === 2) newRight++;
      }
      assert.ok(newRight / newRows > 0.8, `new class recall ${newRight}/${newRows}`);
      assert.ok((await accuracy(m, test.x, test.y)) > 0.85);
      m.dispose();
    });
  }

  it('refuses to shrink', async () => {
    const m = await createMlp(options());
    await assert.rejects(Promise.resolve(m.grow(2, 3)), /remove features/);
    m.dispose();
  });
});

describe('mlp state', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const optimizer of ['adam', 'adagrad', 'sgd'] as const) {
      it(`round-trips exactly through JSON (${optimizer}, ${backend}): same predictions now and after the same next batch`, async () => {
        const m = await createMlp(options({ optimizer, backend, hidden: [8, 6], l2: 1e-3 }));
        const data = blobs(10, 4, 3);
        for (let b = 0; b < 25; b++) {
          const { x, y } = data(32);
          await m.learn(x, y, 32);
        }
        await m.grow(5, 4); // state after a grow, with padded optimizer slots
        const wide = (d: { x: Float64Array; y: Float64Array }) => {
          const x = new Float64Array(d.y.length * 5);
          for (let r = 0; r < d.y.length; r++) for (let j = 0; j < 4; j++) x[r * 5 + j] = d.x[r * 4 + j]!;
          return { x, y: d.y };
        };
        const first = wide(data(32));
        await m.learn(first.x, first.y, 32);

        const state = JSON.parse(JSON.stringify(await m.state()));
        assert.equal(state.kind, 'mlp');
        assert.deepEqual(state.shapes, [[5, 8], [8], [8, 6], [6], [6, 4], [4]]);
        const r = await restoreMlp(state, backend);
        assert.equal(r.description, m.description);
        assert.equal(r.dim, 5);
        assert.equal(r.outputs, 4);

        const probe = wide(data(50));
        assert.deepEqual(await predictions(r, probe.x, 50), await predictions(m, probe.x, 50));
        for (let b = 0; b < 3; b++) {
          const next = wide(data(32));
          await m.learn(next.x, next.y, 32);
          await r.learn(next.x, next.y, 32);
        }
        assert.deepEqual(await predictions(r, probe.x, 50), await predictions(m, probe.x, 50));
        assert.deepEqual(await r.state(), await m.state());
        m.dispose();
        r.dispose();
      });
    }
  }

  it('restores a learner that has not learned yet', async () => {
    const m = await createMlp(options());
    const r = await restoreMlp(await m.state(), BACKEND);
    const { x, y } = blobs(12, 4, 3)(32);
    await m.learn(x, y, 32);
    await r.learn(x, y, 32);
    assert.deepEqual(await predictions(r, x, 32), await predictions(m, x, 32));
    m.dispose();
    r.dispose();
  });

  it('rejects a state of another kind or with mismatched weights', async () => {
    await assert.rejects(restoreMlp({ kind: 'logistic' }), /cannot restore a 'logistic'/);
    const m = await createMlp(options());
    const state = await m.state();
    m.dispose();
    const broken = { ...state, weights: (state.weights as number[][]).slice(1) };
    await assert.rejects(restoreMlp(broken, BACKEND), /do not match/);
  });
});
