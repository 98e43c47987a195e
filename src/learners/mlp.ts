/**
 * A multilayer perceptron on TensorFlow.js, trained one mini-batch per learn() call.
 *
 * Raw tf.variables and optimizer.minimize inside tf.tidy: measured 2-3x cheaper per batch than
 * tf.LayersModel.trainOnBatch at small batches. Layers: dense(hidden[i], activation) for each hidden
 * size, then a dense output: softmax with cross-entropy for classification (outputs = max(2,
 * classes)), linear with mean squared error for regression. L2 adds l2/2 * sum(W^2) over the
 * kernels (not the biases), so its gradient is l2 * W.
 *
 * Learning rates (measured prequentially on elec.csv, 45k rows, 32 relu hidden units, online
 * standardized inputs, batch 32; accuracy): adam 0.001 -> 0.736, 0.002 -> 0.766, 0.005 -> 0.779
 * (0.778-0.782 over 5 seeds), 0.01 -> 0.780, 0.05 -> 0.756. Recommended: adam with lr 0.005 (the
 * CLI default); 0.002-0.01 is safe. sgd wants 0.05-0.1 (0.786), adagrad 0.05-0.1 (0.787-0.794).
 * Larger batches take fewer steps and want a larger lr: at batch 256 adam 0.005 gives 0.721 but
 * 0.02 gives 0.756.
 *
 * Initialisation: Glorot (Xavier) uniform kernels, U(-a, a) with a = sqrt(6 / (fanIn + fanOut)),
 * drawn in layer order from a Random seeded with opts.seed; zero biases. Same seed, same weights.
 *
 * TensorFlow.js is imported only through loadTensorflow() (dynamic import); this file uses tfjs types
 * only.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Learner, LearnerOptions, LearnerState, Task } from './types.js';
import { Random } from '../util/random.js';
import { loadTensorflow, type BackendName, type Tfjs } from './tfjs.js';

type Activation = LearnerOptions['activation'];
type OptimizerName = LearnerOptions['optimizer'];

/** What createMlp returns: a Learner, plus the tfjs backend it runs on (for the run header). */
export interface MlpLearner extends Learner {
  readonly backend: string;
}

/**
 * The optimizer's weights (optimizer.getWeights()) as plain data: 'iter' (the step count) first,
 * then its slots, each flat like the parameter vector (Adam: m then v; Adagrad: the accumulator;
 * SGD: none). Slots appear after the first learn().
 */
export interface MlpOptimizerState {
  names: string[];
  shapes: number[][];
  values: number[][];
  /** Adam's running beta1^t and beta2^t: setWeights recomputes them with pow(), which can differ in the last bit. */
  accBeta?: [number, number];
}

export interface MlpState extends LearnerState {
  kind: 'mlp';
  version: 1;
  task: Task;
  dim: number;
  outputs: number;
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  l2: number;
  batchSize: number;
  /** Informational: the backend the state was taken on (float results can differ across backends). */
  backend: string;
  /** [W0, b0, W1, b1, ...]: kernels are [in, out] row-major, biases [out]. */
  shapes: number[][];
  weights: number[][];
  optimizerState: MlpOptimizerState;
}

/**
 * A new class's output unit starts with zero weights and a bias this far below the lowest existing
 * output bias: its probability starts around e^-7 (about 0.1%) of an existing class's, so existing
 * predictions barely move, while the softmax cross-entropy gradient for a row of the new class
 * (p - 1 on its logit) does not vanish, so it is still learned.
 */
const NEW_CLASS_BIAS_MARGIN = 7;

/** How many slot variables the optimizer keeps (for our one parameter vector), and what a fresh slot holds. */
function slotLayout(optimizer: OptimizerName): { count: number; fill: number } {
  switch (optimizer) {
    case 'adam':
      return { count: 2, fill: 0 }; // first and second moments
    case 'adagrad':
      return { count: 1, fill: ADAGRAD_INITIAL_ACCUMULATOR }; // accumulated squared gradients
    case 'sgd':
      return { count: 0, fill: 0 };
  }
}

const ADAGRAD_INITIAL_ACCUMULATOR = 0.1;

function makeOptimizer(tf: Tfjs, name: OptimizerName, lr: number): TF.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'adagrad':
      return tf.train.adagrad(lr, ADAGRAD_INITIAL_ACCUMULATOR);
    case 'adam':
      return tf.train.adam(lr);
  }
}

/** Copies a row-major [rows, cols] block into a larger [newRows, newCols] one filled with `fill`. */
function pad(values: ArrayLike<number>, shape: readonly number[], newShape: readonly number[], fill: number): Float32Array {
  if (shape.length === 1) {
    const out = new Float32Array(newShape[0]!).fill(fill);
    for (let i = 0; i < shape[0]!; i++) out[i] = values[i]!;
    return out;
  }
  const [rows, cols] = shape as [number, number];
  const [newRows, newCols] = newShape as [number, number];
  const out = new Float32Array(newRows * newCols).fill(fill);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * newCols + c] = values[r * cols + c]!;
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function describe(hidden: readonly number[], activation: Activation, optimizer: OptimizerName, lr: number, l2: number, batchSize: number): string {
  const l2Part = l2 > 0 ? `, l2=${l2}` : '';
  return `mlp(hidden=${hidden.join(',') || 'none'}, ${activation}, ${optimizer} lr=${lr}${l2Part}, batch=${batchSize})`;
}

interface Config {
  task: Task;
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  l2: number;
  batchSize: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Splits a flat parameter vector into per-layer arrays following shapes. */
function unpack(flat: ArrayLike<number>, shapes: readonly (readonly number[])[]): Float32Array[] {
  const parts: Float32Array[] = [];
  let at = 0;
  for (const shape of shapes) {
    const n = size(shape);
    parts.push(Float32Array.from({ length: n }, (_, i) => flat[at + i]!));
    at += n;
  }
  return parts;
}

function pack(parts: readonly ArrayLike<number>[]): Float32Array {
  const flat = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    flat.set(p, at);
    at += p.length;
  }
  return flat;
}

class Mlp implements MlpLearner {
  description: string;
  readonly batchSize: number;
  dim: number;
  outputs: number;

  /**
   * All weights in one variable, [W0, b0, W1, b1, ...] flattened (kernels [in, out] row-major), cut
   * into layers with one split per forward pass. One variable instead of one per layer makes the
   * optimizer's update a handful of ops instead of a handful per layer: measured 25-30% off an Adam
   * step at batch 32.
   */
  private theta: TF.Variable;
  /** Shapes of the parts of theta. */
  private shapes: number[][];
  private sizes: number[];
  private optimizer: TF.Optimizer;
  /** Softmax cross-entropy with the gradient (softmax - labels) / rows written directly. */
  private readonly crossEntropy: (logits: TF.Tensor, labels: TF.Tensor) => TF.Tensor;
  /** Scratch inputs and targets, grown as needed. */
  private xScratch: Float32Array;
  private yScratch: Float32Array;
  private disposed = false;

  constructor(
    private readonly tf: Tfjs,
    readonly backend: string,
    private readonly cfg: Config,
    dim: number,
    outputs: number,
    weights: Float32Array,
  ) {
    this.batchSize = cfg.batchSize;
    this.dim = dim;
    this.outputs = outputs;
    this.shapes = layerShapes(dim, cfg.hidden, outputs);
    this.sizes = this.shapes.map(size);
    this.theta = makeVariable(tf, weights);
    this.optimizer = makeOptimizer(tf, cfg.optimizer, cfg.lr);
    this.description = describe(cfg.hidden, cfg.activation, cfg.optimizer, cfg.lr, cfg.l2, cfg.batchSize);
    this.xScratch = new Float32Array(Math.max(1, cfg.batchSize) * Math.max(1, dim));
    this.yScratch = new Float32Array(Math.max(1, cfg.batchSize) * outputs);
    this.crossEntropy = tf.customGrad(((logits: TF.Tensor, labels: TF.Tensor, save: (t: TF.Tensor[]) => void) => {
      const rows = logits.shape[0]!;
      const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
      save([logits, labels]);
      return {
        value: tf.div(tf.neg(tf.sum(tf.mul(labels, logp))), rows),
        gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
          const [lg, lb] = saved as [TF.Tensor, TF.Tensor];
          return [tf.mul(tf.sub(tf.softmax(lg), lb), tf.div(dy, rows)), tf.zerosLike(lb)];
        },
      };
    }) as unknown as Parameters<Tfjs['customGrad']>[0]) as unknown as (logits: TF.Tensor, labels: TF.Tensor) => TF.Tensor;
  }

  /** A [rows, dim] tensor over the scratch buffer (the caller disposes it, e.g. by tidy). */
  private input(x: Float64Array, rows: number): TF.Tensor2D {
    const n = rows * this.dim;
    if (x.length < n) throw new Error(`mlp: x holds ${x.length} values, expected ${rows} rows * ${this.dim}`);
    if (this.xScratch.length < n) this.xScratch = new Float32Array(Math.max(n, this.xScratch.length * 2));
    const buf = this.xScratch.subarray(0, n);
    buf.set(x.subarray(0, n));
    return this.tf.tensor2d(buf, [rows, this.dim], 'float32');
  }

  /** Logits (classification) or values (regression), [rows, outputs]; the kernels, for L2. */
  private forward(x: TF.Tensor2D): { out: TF.Tensor; kernels: TF.Tensor[] } {
    const tf = this.tf;
    const parts = tf.split(this.theta, this.sizes);
    const layers = parts.length / 2;
    const kernels: TF.Tensor[] = [];
    let h: TF.Tensor = x;
    for (let l = 0; l < layers; l++) {
      const W = tf.reshape(parts[2 * l]!, this.shapes[2 * l]!);
      const b = parts[2 * l + 1]!;
      kernels.push(W);
      if (l === layers - 1) return { out: tf.fused.matMul({ a: h as TF.Tensor2D, b: W as TF.Tensor2D, bias: b }), kernels };
      switch (this.cfg.activation) {
        case 'relu': // fused matMul + bias + relu has a gradient in tfjs; the other activations do not
          h = tf.fused.matMul({ a: h as TF.Tensor2D, b: W as TF.Tensor2D, bias: b, activation: 'relu' });
          break;
        case 'tanh':
          h = tf.tanh(tf.fused.matMul({ a: h as TF.Tensor2D, b: W as TF.Tensor2D, bias: b }));
          break;
        case 'sigmoid':
          h = tf.sigmoid(tf.fused.matMul({ a: h as TF.Tensor2D, b: W as TF.Tensor2D, bias: b }));
          break;
        case 'elu':
          h = tf.elu(tf.fused.matMul({ a: h as TF.Tensor2D, b: W as TF.Tensor2D, bias: b }));
          break;
      }
    }
    throw new Error('mlp: no layers');
  }

  private check(): void {
    if (this.disposed) throw new Error('mlp: used after dispose()');
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    this.check();
    if (rows <= 0) return;
    if (out.length < rows * this.outputs) throw new Error(`mlp: out holds ${out.length} values, expected ${rows * this.outputs}`);
    const tf = this.tf;
    tf.tidy(() => {
      const y = this.forward(this.input(x, rows)).out;
      const p = this.cfg.task === 'classification' ? tf.softmax(y) : y;
      out.set(p.dataSync());
    });
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    this.check();
    if (rows <= 0) return;
    const tf = this.tf;
    const classification = this.cfg.task === 'classification';
    const k = classification ? this.outputs : 1;
    if (this.yScratch.length < rows * k) this.yScratch = new Float32Array(Math.max(rows * k, this.yScratch.length * 2));
    const target = this.yScratch.subarray(0, rows * k);
    if (classification) {
      target.fill(0);
      for (let r = 0; r < rows; r++) {
        const c = y[r]!;
        if (!(c >= 0 && c < k && Number.isInteger(c))) {
          throw new Error(`mlp: label ${c} is not a class index in [0, ${k}); grow() first`);
        }
        target[r * k + c] = 1; // one-hot, built here: cheaper than tf.oneHot on an int tensor
      }
    } else {
      for (let r = 0; r < rows; r++) target[r] = y[r]!;
    }
    const l2 = this.cfg.l2;
    tf.tidy(() => {
      const input = this.input(x, rows);
      const t = tf.tensor2d(target, [rows, k], 'float32');
      this.optimizer.minimize(
        () => {
          const { out, kernels } = this.forward(input);
          let loss = classification ? this.crossEntropy(out, t) : tf.mean(tf.squaredDifference(out, t));
          if (l2 > 0) {
            const squares = kernels.map((W) => tf.sum(tf.square(W)));
            loss = tf.add(loss, tf.mul(squares.length === 1 ? squares[0]! : tf.addN(squares), l2 / 2));
          }
          return loss as TF.Scalar;
        },
        false,
        [this.theta],
      );
    });
  }

  async grow(dim: number, classes: number): Promise<void> {
    this.check();
    const outputs = this.cfg.task === 'classification' ? Math.max(2, classes, this.outputs) : 1;
    if (dim < this.dim) throw new Error(`mlp: grow(${dim}) would remove features (have ${this.dim})`);
    if (dim === this.dim && outputs === this.outputs) return;
    const tf = this.tf;
    const oldShapes = this.shapes;
    const newShapes = layerShapes(dim, this.cfg.hidden, outputs);
    const last = newShapes.length - 1; // the output bias

    // The first kernel gains rows (zero weights: new features change nothing), the output kernel and
    // bias gain columns (zero weights, a very negative bias, see NEW_CLASS_BIAS_MARGIN).
    const parts = unpack(this.theta.dataSync(), oldShapes);
    let minBias = 0;
    for (const b of parts[last]!) minBias = Math.min(minBias, b);
    const grown = parts.map((p, i) => pad(p, oldShapes[i]!, newShapes[i]!, 0));
    grown[last]!.fill(minBias - NEW_CLASS_BIAS_MARGIN, oldShapes[last]![0]!);

    // The optimizer's state is kept for the old weights; each slot (Adam moments, Adagrad
    // accumulator: flat like theta) is padded the way a fresh slot starts (0, resp. 0.1), as if the
    // new weights had always been there with zero gradient. The optimizer object is recreated and
    // given the padded slots with setWeights; its iteration count carries over.
    const slots = await readOptimizer(this.optimizer);
    const { fill } = slotLayout(this.cfg.optimizer);
    if (slots.values.length !== 1 && slots.values.length !== 1 + slotLayout(this.cfg.optimizer).count) {
      throw new Error(`mlp: unexpected optimizer state (${slots.names.join(', ')})`);
    }
    for (let j = 1; j < slots.values.length; j++) {
      const slotParts = unpack(slots.values[j]!, oldShapes).map((p, i) => pad(p, oldShapes[i]!, newShapes[i]!, fill));
      const flat = pack(slotParts);
      slots.values[j] = Array.from(flat);
      slots.shapes[j] = [flat.length];
    }

    this.theta.dispose();
    this.theta = makeVariable(tf, pack(grown));
    this.optimizer.dispose();
    this.optimizer = makeOptimizer(tf, this.cfg.optimizer, this.cfg.lr);
    await writeOptimizer(tf, this.optimizer, slots);

    this.shapes = newShapes;
    this.sizes = newShapes.map(size);
    this.dim = dim;
    this.outputs = outputs;
  }

  async state(): Promise<MlpState> {
    this.check();
    return {
      kind: 'mlp',
      version: 1,
      task: this.cfg.task,
      dim: this.dim,
      outputs: this.outputs,
      hidden: this.cfg.hidden.slice(),
      activation: this.cfg.activation,
      optimizer: this.cfg.optimizer,
      lr: this.cfg.lr,
      l2: this.cfg.l2,
      batchSize: this.cfg.batchSize,
      backend: this.backend,
      shapes: this.shapes.map((s) => s.slice()),
      weights: unpack(this.theta.dataSync(), this.shapes).map((p) => Array.from(p)),
      optimizerState: await readOptimizer(this.optimizer),
    };
  }

  /** Replaces the optimizer's slots and iteration count (restore). */
  async loadOptimizerState(state: MlpOptimizerState): Promise<void> {
    await writeOptimizer(this.tf, this.optimizer, state);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.theta.dispose();
    this.optimizer.dispose();
  }
}

function makeVariable(tf: Tfjs, values: Float32Array): TF.Variable {
  const t = tf.tensor1d(values, 'float32');
  const v = tf.variable(t, true);
  t.dispose(); // the variable holds its own reference to the data
  return v;
}

/** Adam's private running products beta1^t, beta2^t (tfjs 4.x field names); undefined elsewhere. */
function adamAccBeta(optimizer: TF.Optimizer): [TF.Variable, TF.Variable] | undefined {
  const o = optimizer as unknown as { accBeta1?: TF.Variable; accBeta2?: TF.Variable };
  return o.accBeta1 !== undefined && o.accBeta2 !== undefined ? [o.accBeta1, o.accBeta2] : undefined;
}

async function readOptimizer(optimizer: TF.Optimizer): Promise<MlpOptimizerState> {
  const named = await optimizer.getWeights();
  const state: MlpOptimizerState = { names: [], shapes: [], values: [] };
  for (const { name, tensor } of named) {
    state.names.push(name);
    state.shapes.push(tensor.shape.slice());
    state.values.push(Array.from(tensor.dataSync()));
  }
  // getWeights() makes a fresh scalar for 'iter'; the slots are the optimizer's own variables.
  if (named.length > 0 && named[0]!.name === 'iter') named[0]!.tensor.dispose();
  const acc = adamAccBeta(optimizer);
  if (acc !== undefined) state.accBeta = [acc[0].dataSync()[0]!, acc[1].dataSync()[0]!];
  return state;
}

async function writeOptimizer(tf: Tfjs, optimizer: TF.Optimizer, state: MlpOptimizerState): Promise<void> {
  const named = state.names.map((name, i) => ({
    name,
    tensor: i === 0 ? tf.scalar(state.values[0]![0]!, 'int32') : tf.tensor(state.values[i]!, state.shapes[i]!, 'float32'),
  }));
  await optimizer.setWeights(named);
  for (const { tensor } of named) tensor.dispose(); // slot variables keep their own reference
  const acc = adamAccBeta(optimizer);
  if (acc !== undefined && state.accBeta !== undefined) {
    const [b1, b2] = state.accBeta;
    tf.tidy(() => {
      acc[0].assign(tf.scalar(b1));
      acc[1].assign(tf.scalar(b2));
    });
  }
}

function layerShapes(dim: number, hidden: readonly number[], outputs: number): number[][] {
  const shapes: number[][] = [];
  let fanIn = dim;
  for (const units of [...hidden, outputs]) {
    shapes.push([fanIn, units], [units]);
    fanIn = units;
  }
  return shapes;
}

function validateConfig(c: Config, dim: number, outputs: number): void {
  const bad = (what: string) => {
    throw new Error(`mlp: ${what}`);
  };
  if (c.task !== 'classification' && c.task !== 'regression') bad(`unknown task ${String(c.task)}`);
  if (!Number.isInteger(dim) || dim < 1) bad(`dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(outputs) || outputs < 1) bad(`outputs must be a positive integer, got ${outputs}`);
  if (!Array.isArray(c.hidden) || !c.hidden.every((h) => Number.isInteger(h) && h >= 1)) bad(`hidden sizes must be positive integers`);
  if (!['relu', 'tanh', 'sigmoid', 'elu'].includes(c.activation)) bad(`unknown activation ${String(c.activation)}`);
  if (!['sgd', 'adagrad', 'adam'].includes(c.optimizer)) bad(`unknown optimizer ${String(c.optimizer)}`);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`lr must be a positive number, got ${c.lr}`);
  if (!(c.l2 >= 0 && Number.isFinite(c.l2))) bad(`l2 must be a non-negative number, got ${c.l2}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) bad(`batchSize must be a positive integer, got ${c.batchSize}`);
}

/** A fresh MLP with Glorot-uniform weights from Random(opts.seed), on the backend loadTensorflow picks. */
export async function createMlp(opts: LearnerOptions): Promise<MlpLearner> {
  const cfg: Config = {
    task: opts.task,
    hidden: opts.hidden.slice(),
    activation: opts.activation,
    optimizer: opts.optimizer,
    lr: opts.lr,
    l2: opts.l2,
    batchSize: opts.batchSize,
  };
  const outputs = opts.task === 'classification' ? Math.max(2, opts.classes) : 1;
  validateConfig(cfg, opts.dim, outputs);
  const { tf, backend } = await loadTensorflow(opts.backend);
  const random = new Random(opts.seed);
  const parts = layerShapes(opts.dim, cfg.hidden, outputs).map((shape) => {
    const values = new Float32Array(size(shape));
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
    }
    return values;
  });
  return new Mlp(tf, backend, cfg, opts.dim, outputs, pack(parts));
}

/**
 * Rebuilds an MLP from state(): same weights and optimizer state, so it predicts and learns exactly
 * as the original would have (on the same backend).
 */
export async function restoreMlp(state: LearnerState, backendPreference?: BackendName): Promise<MlpLearner> {
  if (state.kind !== 'mlp') throw new Error(`mlp: cannot restore a '${state.kind}' state`);
  const s = state as MlpState;
  if (s.version !== 1) throw new Error(`mlp: unsupported state version ${String(s.version)}`);
  const cfg: Config = {
    task: s.task,
    hidden: Array.isArray(s.hidden) ? s.hidden.slice() : s.hidden,
    activation: s.activation,
    optimizer: s.optimizer,
    lr: s.lr,
    l2: s.l2,
    batchSize: s.batchSize,
  };
  validateConfig(cfg, s.dim, s.outputs);
  const expected = layerShapes(s.dim, cfg.hidden, s.outputs);
  if (
    !Array.isArray(s.shapes) ||
    !Array.isArray(s.weights) ||
    s.shapes.length !== expected.length ||
    s.weights.length !== expected.length ||
    !expected.every((shape, i) => sameShape(shape, s.shapes[i]!) && Array.isArray(s.weights[i]) && s.weights[i]!.length === size(shape))
  ) {
    throw new Error('mlp: state weights do not match its dim, hidden and outputs');
  }
  const o = s.optimizerState;
  if (
    o === null ||
    typeof o !== 'object' ||
    !Array.isArray(o.names) ||
    o.names.length === 0 ||
    o.names[0] !== 'iter' ||
    o.names.length !== o.shapes.length ||
    o.names.length !== o.values.length
  ) {
    throw new Error('mlp: state has no usable optimizerState');
  }
  const total = expected.reduce((a, shape) => a + size(shape), 0);
  const slots = o.names.length - 1;
  if (
    (slots !== 0 && slots !== slotLayout(cfg.optimizer).count) ||
    !o.values.every((v, i) => Array.isArray(v) && (i === 0 ? v.length === 1 : v.length === total))
  ) {
    throw new Error(`mlp: optimizerState does not fit a ${cfg.optimizer} optimizer over ${total} weights`);
  }
  const { tf, backend } = await loadTensorflow(backendPreference);
  const mlp = new Mlp(tf, backend, cfg, s.dim, s.outputs, pack(s.weights));
  try {
    await mlp.loadOptimizerState(o);
  } catch (err) {
    mlp.dispose();
    throw err;
  }
  return mlp;
}
