/**
 * A multilayer perceptron on TensorFlow.js, trained one mini-batch per learn() call.
 *
 * Layers: dense(hidden[i], activation) for each hidden size, then a dense output: softmax with
 * cross-entropy for classification (outputs = max(2, classes)), linear with mean squared error for
 * regression. L2 adds l2/2 * sum(W^2) over the kernels (not the biases), so its gradient is l2 * W.
 *
 * The training step is written out as tfjs kernels run through the engine (tf.engine().runKernel):
 * the forward pass (_FusedMatMul with bias and activation per layer), the backward pass by hand
 * (for an MLP the gradient is two matMuls and a sum per layer), and the optimizer (sgd, adagrad or
 * adam, tfjs's formulas and defaults) on one flat parameter vector. No gradient tape, no tidy scopes,
 * no optimizer objects: at batch 32 a step is per-op overhead, not arithmetic, and this runs ~25
 * kernels per step where optimizer.minimize ran ~60 plus the tape (measured on elec.csv, wasm:
 * ~45 us predict + ~270 us learn before, ~80-100 us for both now). predictAndLearn() also takes the
 * predictions from the step's own forward pass (the pre-update weights), saving a forward and a read.
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
import type * as TF from '@tensorflow/tfjs-core';
import type { Learner, LearnerOptions, LearnerState, Task } from './types.js';
import { Random } from '../util/random.js';
import { loadTensorflow, type BackendName, type Tfjs } from './tfjs.js';
import { arrayBytes } from './memory.js';

type Activation = LearnerOptions['activation'];
type OptimizerName = LearnerOptions['optimizer'];

/** What createMlp returns: a Learner, plus the tfjs backend it runs on (for the run header). */
export interface MlpLearner extends Learner {
  readonly backend: string;
}

/**
 * The optimizer's state as plain data, laid out as tfjs's optimizer.getWeights() was: 'iter' (the
 * step count) first, then its slots, each flat like the parameter vector (Adam: m then v; Adagrad:
 * the accumulator; SGD: none). States written before the first learn() by earlier versions have no slots.
 */
export interface MlpOptimizerState {
  names: string[];
  shapes: number[][];
  values: number[][];
  /** Adam's running beta1^(t+1) and beta2^(t+1) (the next step's bias corrections), kept exactly rather than recomputed with pow(). */
  accBeta?: [number, number];
}

/** What the network is and how it learns; a checkpoint's state carries it. */
interface Config {
  task: Task;
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  l2: number;
  batchSize: number;
}

export interface MlpState extends LearnerState, Config {
  kind: 'mlp';
  version: 1;
  dim: number;
  outputs: number;
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

/** How many slots the optimizer keeps (each flat like the parameter vector), and what a fresh slot holds. */
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
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
/** tfjs's optimizer epsilon on its float32 backends (backend.epsilon()), as tf.train.adam/adagrad used. */
const EPSILON = 1e-7;

/** The optimizer's slot names in MlpOptimizerState (after 'iter'). */
function slotNames(optimizer: OptimizerName): string[] {
  switch (optimizer) {
    case 'adam':
      return ['theta/m', 'theta/v'];
    case 'adagrad':
      return ['theta/accumulator'];
    case 'sgd':
      return [];
  }
}

type T = TF.TensorInfo;
type KernelInputs = Record<string, T> | T[];

/**
 * How kernels are run. 'engine': tf.engine().runKernel, tensors tracked by the engine (tf.memory()),
 * any backend. 'direct': the backend's registered kernel function called as the engine would call
 * it, minus the engine's bookkeeping (Tensor objects, tracking, profiling hooks): about half the
 * per-kernel cost on wasm. Its tensors are plain TensorInfos the learner frees itself; used on the
 * wasm and cpu backends, whose kernels are plain functions of their inputs (tested both ways).
 */
export type Dispatch = 'engine' | 'direct';

interface Kernels {
  run(kernel: string, inputs: KernelInputs, attrs: TF.NamedAttrMap): T | T[];
  make(values: Float32Array, shape: number[]): T;
  read(t: T): Float32Array;
  free(t: T): void;
}

function engineKernels(tf: Tfjs): Kernels {
  const engine = tf.engine();
  return {
    run: (kernel, inputs, attrs) => engine.runKernel(kernel, inputs as TF.NamedTensorMap, attrs) as TF.Tensor | TF.Tensor[],
    make: (values, shape) => tf.tensor(values, shape, 'float32'),
    read: (t) => (t as TF.Tensor).dataSync() as Float32Array,
    free: (t) => (t as TF.Tensor).dispose(),
  };
}

function directKernels(tf: Tfjs): Kernels {
  const backend = tf.backend();
  const name = tf.getBackend();
  const found = new Map<string, TF.KernelFunc>();
  const kernelFunc = (kernel: string): TF.KernelFunc => {
    let f = found.get(kernel);
    if (f === undefined) {
      const config = tf.getKernel(kernel, name);
      if (config === undefined) throw new Error(`mlp: the ${name} backend has no ${kernel} kernel`);
      f = config.kernelFunc;
      found.set(kernel, f);
    }
    return f;
  };
  return {
    run: (kernel, inputs, attrs) => kernelFunc(kernel)({ inputs: inputs as TF.NamedTensorInfoMap, backend, attrs }) as T | T[],
    make: (values, shape) => ({ dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' }),
    read: (t) => backend.readSync(t.dataId) as Float32Array,
    free: (t) => {
      backend.disposeData(t.dataId);
    },
  };
}

/** Fused activations of the _FusedMatMul kernel for a hidden layer; tanh is not one (a Tanh kernel follows). */
const NO_ATTRS: TF.NamedAttrMap = {};

const FUSED_ACTIVATION: Record<Activation, string> = { relu: 'relu', sigmoid: 'sigmoid', elu: 'elu', tanh: 'linear' };

/**
 * Constants of an update for a given number of rows. The gradient is computed unscaled (G = the sum
 * over rows of (p - t) x h, without the mean's 1/rows, or 2/rows for squared error) and that scale
 * `gs` is folded into these constants, which saves an op per step.
 */
interface StepConstants {
  tensors: T[];
  /** Adam: beta1, (1 - beta1) gs, beta2, (1 - beta2) gs^2. Adagrad: gs^2, epsilon, -lr gs. Sgd: -lr gs. */
  c: T[];
  /** l2 > 0: l2 / gs on kernel weights, 0 on biases (G += theta * this is l2 * W in gradient units). */
  l2?: T;
}

class Mlp implements MlpLearner {
  description: string;
  readonly batchSize: number;
  dim: number;
  outputs: number;

  /**
   * All weights in one tensor, [W0, b0, W1, b1, ...] flattened (kernels [in, out] row-major), cut
   * into layers with one SplitV per step; the optimizer updates it (and its slots, flat like it)
   * with a handful of whole-vector ops instead of a handful per layer.
   */
  private theta: T;
  /** The optimizer's slots, each flat like theta: Adam's m and v, Adagrad's accumulator, none for sgd. */
  private slots: T[];
  /** Steps taken ('iter' in the state). */
  private iter = 0;
  /** Adam's beta1^(t+1), beta2^(t+1) after t steps (tfjs's accBeta1/2: the bias corrections of the next step). */
  private accBeta: [number, number] = [ADAM_BETA1, ADAM_BETA2];
  /** Shapes of the parts of theta. */
  private shapes: number[][];
  private sizes: number[];
  /** StepConstants by row count (nearly always batchSize); rebuilt after grow(). */
  private constants = new Map<number, StepConstants>();
  private readonly one: T;
  /** Tensors of the call under way, disposed when it ends. */
  private scratch: T[] = [];
  private readonly kernels: Kernels;
  /** Scratch inputs and targets, grown as needed. */
  private xScratch: Float32Array;
  private yScratch: Float32Array;
  private disposed = false;

  constructor(
    tf: Tfjs,
    readonly backend: string,
    private readonly cfg: Config,
    dim: number,
    outputs: number,
    weights: Float32Array,
    dispatch: Dispatch,
  ) {
    this.batchSize = cfg.batchSize;
    this.dim = dim;
    this.outputs = outputs;
    this.shapes = layerShapes(dim, cfg.hidden, outputs);
    this.sizes = this.shapes.map(size);
    this.kernels = dispatch === 'direct' ? directKernels(tf) : engineKernels(tf);
    this.theta = this.kernels.make(weights, [weights.length]);
    const { count, fill } = slotLayout(cfg.optimizer);
    this.slots = Array.from({ length: count }, () => this.kernels.make(new Float32Array(weights.length).fill(fill), [weights.length]));
    this.one = this.scalar(1);
    this.description = describe(cfg.hidden, cfg.activation, cfg.optimizer, cfg.lr, cfg.l2, cfg.batchSize);
    this.xScratch = new Float32Array(Math.max(1, cfg.batchSize) * Math.max(1, dim));
    this.yScratch = new Float32Array(Math.max(1, cfg.batchSize) * outputs);
  }

  /** Runs a kernel; its output lives until the call ends. */
  private k(kernel: string, inputs: KernelInputs, attrs: TF.NamedAttrMap = {}): T {
    const t = this.kernels.run(kernel, inputs, attrs) as T;
    this.scratch.push(t);
    return t;
  }

  /** A scalar the learner keeps. */
  private scalar(v: number): T {
    return this.kernels.make(Float32Array.of(v), []);
  }

  /** Runs a kernel whose output the learner keeps (new weights and slots). */
  private keep(kernel: string, inputs: KernelInputs): T {
    return this.kernels.run(kernel, inputs, NO_ATTRS) as T;
  }

  private release(): void {
    for (const t of this.scratch) this.kernels.free(t);
    this.scratch.length = 0;
  }

  /** A [1, rows, dim] tensor over the scratch buffer. */
  private inputTensor(x: Float64Array, rows: number): T {
    const n = rows * this.dim;
    if (this.xScratch.length < n) this.xScratch = new Float32Array(Math.max(n, this.xScratch.length * 2));
    const buf = this.xScratch.subarray(0, n);
    buf.set(x.subarray(0, n));
    const t = this.kernels.make(buf, [1, rows, this.dim]);
    this.scratch.push(t);
    return t;
  }

  /**
   * The forward pass from theta. Matrices are [1, rows, n]: the BatchMatMul and _FusedMatMul kernels
   * take rank 3, so no reshapes are needed between layers.
   */
  private forward(x: T): { inputs: T[]; kernels: T[]; out: T } {
    // One Slice per part: cheaper than one SplitV on wasm (measured 10.6 vs 14.9 us for 4 parts).
    const parts: T[] = [];
    let at = 0;
    for (const n of this.sizes) {
      parts.push(this.k('Slice', { x: this.theta }, { begin: [at], size: [n] }));
      at += n;
    }
    const layers = parts.length / 2;
    const inputs: T[] = [];
    const kernels: T[] = [];
    let h = x;
    for (let l = 0; l < layers; l++) {
      const [fanIn, units] = this.shapes[2 * l] as [number, number];
      const W = this.k('Reshape', { x: parts[2 * l]! }, { shape: [1, fanIn, units] });
      inputs.push(h);
      kernels.push(W);
      const last = l === layers - 1;
      const activation = last ? 'linear' : FUSED_ACTIVATION[this.cfg.activation];
      h = this.k('_FusedMatMul', { a: h, b: W, bias: parts[2 * l + 1]! }, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 });
      if (!last && this.cfg.activation === 'tanh') h = this.k('Tanh', { x: h });
    }
    return { inputs, kernels, out: h };
  }

  /** dL/dz of a hidden layer from dL/dh and its output h = act(z). */
  private activationGrad(dh: T, h: T): T {
    switch (this.cfg.activation) {
      case 'relu':
        return this.k('Multiply', { a: dh, b: this.k('Step', { x: h }, { alpha: 0 }) });
      case 'elu':
        return this.k('EluGrad', { dy: dh, y: h });
      case 'sigmoid': // h (1 - h)
        return this.k('Multiply', { a: dh, b: this.k('Multiply', { a: h, b: this.k('Sub', { a: this.one, b: h }) }) });
      case 'tanh': // 1 - h^2
        return this.k('Multiply', { a: dh, b: this.k('Sub', { a: this.one, b: this.k('Square', { x: h }) }) });
    }
  }

  /** The gradient, flat like theta, from dL/d(output) (unscaled, see StepConstants). */
  private backward(inputs: T[], kernels: T[], dOut: T): T {
    const layers = kernels.length;
    const grads: T[] = new Array<T>(2 * layers);
    let dz = dOut;
    for (let l = layers - 1; l >= 0; l--) {
      const gW = this.k('BatchMatMul', { a: inputs[l]!, b: dz }, { transposeA: true, transposeB: false });
      grads[2 * l] = this.k('Reshape', { x: gW }, { shape: [this.sizes[2 * l]!] });
      grads[2 * l + 1] = this.k('Sum', { x: dz }, { axis: [0, 1], keepDims: false });
      if (l > 0) {
        const dh = this.k('BatchMatMul', { a: dz, b: kernels[l]! }, { transposeA: false, transposeB: true });
        dz = this.activationGrad(dh, inputs[l]!);
      }
    }
    return this.k('Concat', grads, { axis: 0 });
  }

  private stepConstants(rows: number): StepConstants {
    const cached = this.constants.get(rows);
    if (cached !== undefined) return cached;
    if (this.constants.size >= 8) this.clearConstants();
    const gs = (this.cfg.task === 'classification' ? 1 : 2) / rows;
    const lr = this.cfg.lr;
    const values =
      this.cfg.optimizer === 'adam'
        ? [ADAM_BETA1, (1 - ADAM_BETA1) * gs, ADAM_BETA2, (1 - ADAM_BETA2) * gs * gs]
        : this.cfg.optimizer === 'adagrad'
          ? [gs * gs, EPSILON, -lr * gs]
          : [-lr * gs];
    const c = values.map((v) => this.scalar(v));
    const entry: StepConstants = { tensors: c.slice(), c };
    if (this.cfg.l2 > 0) {
      const mask = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      this.sizes.forEach((n, i) => {
        if (i % 2 === 0) mask.fill(this.cfg.l2 / gs, at, at + n); // kernels, not biases
        at += n;
      });
      entry.l2 = this.kernels.make(mask, [mask.length]);
      entry.tensors.push(entry.l2);
    }
    this.constants.set(rows, entry);
    return entry;
  }

  private clearConstants(): void {
    for (const entry of this.constants.values()) for (const t of entry.tensors) this.kernels.free(t);
    this.constants.clear();
  }

  /** Applies the optimizer to theta and its slots, given the unscaled gradient G. */
  private update(G: T, rows: number): void {
    const { c, l2 } = this.stepConstants(rows);
    if (l2 !== undefined) G = this.k('Add', { a: G, b: this.k('Multiply', { a: this.theta, b: l2 }) });
    const theta = this.theta;
    let next: T;
    let slots: T[] = [];
    switch (this.cfg.optimizer) {
      case 'sgd': // theta - lr g
        next = this.keep('Add', { a: theta, b: this.k('Multiply', { a: G, b: c[0]! }) });
        break;
      case 'adagrad': {
        // acc += g^2; theta -= lr g / sqrt(acc + eps)
        const acc = this.keep('Add', { a: this.slots[0]!, b: this.k('Multiply', { a: this.k('Square', { x: G }), b: c[0]! }) });
        const denom = this.k('Sqrt', { x: this.k('Add', { a: acc, b: c[1]! }) });
        next = this.keep('Add', { a: theta, b: this.k('RealDiv', { a: this.k('Multiply', { a: G, b: c[2]! }), b: denom }) });
        slots = [acc];
        break;
      }
      case 'adam': {
        // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
        // theta -= lr (m / c1) / (sqrt(v / c2) + eps), c1 = 1 - b1^t, c2 = 1 - b2^t,
        // computed as theta - m / (sqrt(v) * c1 / (lr sqrt(c2)) + eps c1 / lr).
        const [m, v] = this.slots as [T, T];
        const m1 = this.keep('Add', { a: this.k('Multiply', { a: m, b: c[0]! }), b: this.k('Multiply', { a: G, b: c[1]! }) });
        const v1 = this.keep('Add', { a: this.k('Multiply', { a: v, b: c[2]! }), b: this.k('Multiply', { a: this.k('Square', { x: G }), b: c[3]! }) });
        const c1 = 1 - this.accBeta[0];
        const c2 = 1 - this.accBeta[1];
        const scale = this.scalar(c1 / (this.cfg.lr * Math.sqrt(c2)));
        const eps = this.scalar((EPSILON * c1) / this.cfg.lr);
        this.scratch.push(scale, eps);
        const denom = this.k('Add', { a: this.k('Multiply', { a: this.k('Sqrt', { x: v1 }), b: scale }), b: eps });
        next = this.keep('Sub', { a: theta, b: this.k('RealDiv', { a: m1, b: denom }) });
        slots = [m1, v1];
        this.accBeta = [this.accBeta[0] * ADAM_BETA1, this.accBeta[1] * ADAM_BETA2];
        break;
      }
    }
    this.kernels.free(theta);
    for (const s of this.slots) this.kernels.free(s);
    this.theta = next;
    this.slots = slots;
    this.iter++;
  }

  private check(): void {
    if (this.disposed) throw new Error('mlp: used after dispose()');
  }

  private checkInput(x: Float64Array, rows: number, out?: Float64Array): void {
    if (x.length < rows * this.dim) throw new Error(`mlp: x holds ${x.length} values, expected ${rows} rows * ${this.dim}`);
    if (out !== undefined && out.length < rows * this.outputs) throw new Error(`mlp: out holds ${out.length} values, expected ${rows * this.outputs}`);
  }

  /** The targets as a [1, rows, k] tensor: one-hot rows (classification) or the values. */
  private targets(y: Float64Array, rows: number): T {
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
        target[r * k + c] = 1;
      }
    } else {
      for (let r = 0; r < rows; r++) target[r] = y[r]!;
    }
    const t = this.kernels.make(target, [1, rows, k]);
    this.scratch.push(t);
    return t;
  }

  /** Class probabilities (softmax) or values, [1, rows, outputs]. */
  private predictions(out: T): T {
    return this.cfg.task === 'classification' ? this.k('Softmax', { logits: out }, { dim: 2 }) : out;
  }

  predict(x: Float64Array, rows: number, out: Float64Array): void {
    this.check();
    if (rows <= 0) return;
    this.checkInput(x, rows, out);
    try {
      out.set(this.kernels.read(this.predictions(this.forward(this.inputTensor(x, rows)).out)));
    } finally {
      this.release();
    }
  }

  learn(x: Float64Array, y: Float64Array, rows: number): void {
    this.step(x, y, rows, undefined);
  }

  /**
   * predict() then learn() on the same rows, in one pass: the predictions come from the weights
   * before the update (the forward pass the gradient needs), bit for bit what predict() gives.
   */
  predictAndLearn(x: Float64Array, y: Float64Array, rows: number, out: Float64Array): void {
    this.step(x, y, rows, out);
  }

  private step(x: Float64Array, y: Float64Array, rows: number, out: Float64Array | undefined): void {
    this.check();
    if (rows <= 0) return;
    this.checkInput(x, rows, out);
    try {
      const t = this.targets(y, rows); // first: a bad label throws before anything runs
      const { inputs, kernels, out: z } = this.forward(this.inputTensor(x, rows));
      const p = this.predictions(z);
      if (out !== undefined) out.set(this.kernels.read(p));
      // Softmax with cross-entropy and linear with squared error both have dL/dz = p - t (times gs).
      this.update(this.backward(inputs, kernels, this.k('Sub', { a: p, b: t })), rows);
    } finally {
      this.release();
    }
  }

  async grow(dim: number, classes: number): Promise<void> {
    this.check();
    const outputs = this.cfg.task === 'classification' ? Math.max(2, classes, this.outputs) : 1;
    if (dim < this.dim) throw new Error(`mlp: grow(${dim}) would remove features (have ${this.dim})`);
    if (dim === this.dim && outputs === this.outputs) return;
    const oldShapes = this.shapes;
    const newShapes = layerShapes(dim, this.cfg.hidden, outputs);
    const last = newShapes.length - 1; // the output bias

    // The first kernel gains rows (zero weights: new features change nothing), the output kernel and
    // bias gain columns (zero weights, a very negative bias, see NEW_CLASS_BIAS_MARGIN).
    const parts = unpack(this.kernels.read(this.theta), oldShapes);
    let minBias = 0;
    for (const b of parts[last]!) minBias = Math.min(minBias, b);
    const grown = parts.map((p, i) => pad(p, oldShapes[i]!, newShapes[i]!, 0));
    grown[last]!.fill(minBias - NEW_CLASS_BIAS_MARGIN, oldShapes[last]![0]!);

    // The optimizer's slots (Adam moments, Adagrad accumulator: flat like theta) are padded the way a
    // fresh slot starts (0, resp. 0.1), as if the new weights had always been there with zero
    // gradient; the step count carries over.
    const { fill } = slotLayout(this.cfg.optimizer);
    const slots = this.slots.map((s) => pack(unpack(this.kernels.read(s), oldShapes).map((p, i) => pad(p, oldShapes[i]!, newShapes[i]!, fill))));

    const theta = pack(grown);
    this.kernels.free(this.theta);
    this.theta = this.kernels.make(theta, [theta.length]);
    for (const s of this.slots) this.kernels.free(s);
    this.slots = slots.map((s) => this.kernels.make(s, [s.length]));
    this.clearConstants();

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
      weights: unpack(this.kernels.read(this.theta), this.shapes).map((p) => Array.from(p)),
      optimizerState: this.optimizerState(),
    };
  }

  private optimizerState(): MlpOptimizerState {
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const state: MlpOptimizerState = {
      names: ['iter', ...slotNames(this.cfg.optimizer)],
      shapes: [[], ...this.slots.map(() => [total])],
      values: [[this.iter], ...this.slots.map((s) => Array.from(this.kernels.read(s)))],
    };
    if (this.cfg.optimizer === 'adam') state.accBeta = [this.accBeta[0], this.accBeta[1]];
    return state;
  }

  /**
   * Replaces the optimizer's step count and slots (restore). A state without slots (taken before the
   * first step by an earlier version) keeps the fresh ones.
   */
  async loadOptimizerState(state: MlpOptimizerState): Promise<void> {
    this.iter = state.values[0]![0]!;
    if (state.values.length > 1) {
      for (const s of this.slots) this.kernels.free(s);
      this.slots = state.values.slice(1).map((v) => this.kernels.make(Float32Array.from(v), [v.length]));
    }
    this.accBeta = state.accBeta !== undefined ? [state.accBeta[0], state.accBeta[1]] : [ADAM_BETA1 ** (this.iter + 1), ADAM_BETA2 ** (this.iter + 1)];
  }

  /** Its float32 weights and optimizer slots (the backend's tensors), and its input and target buffers. */
  memoryBytes(): number {
    const weights = this.sizes.reduce((a, b) => a + b, 0);
    return 4 * weights * (1 + this.slots.length) + arrayBytes(this.xScratch, this.yScratch);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.kernels.free(this.theta);
    for (const s of this.slots) this.kernels.free(s);
    this.slots = [];
    this.clearConstants();
    this.kernels.free(this.one);
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
/** The fast kernel path where it is tested (wasm, cpu); the engine elsewhere (tfjs-node). */
function defaultDispatch(backend: string): Dispatch {
  return backend === 'wasm' || backend === 'cpu' ? 'direct' : 'engine';
}

/** `dispatch` is for tests: both paths give bit-identical results. */
export async function createMlp(opts: LearnerOptions, dispatch?: Dispatch): Promise<MlpLearner> {
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
  return new Mlp(tf, backend, cfg, opts.dim, outputs, pack(parts), dispatch ?? defaultDispatch(backend));
}

/**
 * Rebuilds an MLP from state(): same weights and optimizer state, so it predicts and learns exactly
 * as the original would have (on the same backend).
 */
export async function restoreMlp(state: LearnerState, backendPreference?: BackendName, dispatch?: Dispatch): Promise<MlpLearner> {
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
  const mlp = new Mlp(tf, backend, cfg, s.dim, s.outputs, pack(s.weights), dispatch ?? defaultDispatch(backend));
  try {
    await mlp.loadOptimizerState(o);
  } catch (err) {
    mlp.dispose();
    throw err;
  }
  return mlp;
}
