/**
 * What a checkpoint holds, as plain data, and the check of every field of it. `validateState` is
 * run on what is loaded (after the file checks of store.ts) and on what is about to be saved, so a
 * checkpoint that would not load is never written.
 */
import type { FeaturizerState } from '../features/featurizer.js';
import type { ColumnInfo, Schema } from '../features/schema.js';
import { findLearner, inputOf, learnerByKind, learners } from '../learners/registry.js';
import { EarlierStateError } from '../learners/state-reader.js';
import type { LearnerState, RowLayout, Task } from '../learners/types.js';
import type { RunConfig } from '../run/config.js';
import type { StreamEvaluationState } from '../eval/stream.js';
import type { DelayedState } from '../run/delay.js';
import type { TallyState } from '../eval/tally.js';
import { DataError } from '../errors.js';
import { Check, type Json } from './check.js';

/** The prequential evaluator's running sums (Tally.state()). */
export type EvaluatorState = TallyState;

/** Totals over every run that led to this checkpoint. */
export interface CountsState {
  rows: number;
  trained: number;
  evaluated: number;
  held_out: number;
  skipped: number;
  /** Rows predicted by `predict --learn` that had no label (not learned). */
  unlabeled: number;
}

/**
 * Encoded rows a run had read but not yet finished with when the checkpoint was taken: `block`, rows
 * not yet scored (the MLP scores a mini-batch at a time), and `pending`, rows the sampler passed on
 * that are not yet learned (less than a mini-batch). Empty for the per-row models.
 */
export interface RowsState {
  rows: number;
  dim: number;
  /** rows * dim numbers, row-major. */
  x: number[];
  y: number[];
}

export interface CarriedState {
  block: RowsState & {
    /** Each block row's position in the stream (for predictions already written). */
    index: number[];
    /** With a sampler that keeps rows: their numeric features in their own units (rows * numeric features). */
    raw?: number[];
  };
  pending: RowsState;
  /** --delay: rows predicted and waiting for their label, with those predictions (run/delay.ts). */
  delayed?: DelayedState;
}

export interface CheckpointState {
  /** The configuration of the run that wrote it (flags as validated). */
  config: RunConfig;
  schema: Schema;
  featurizer: FeaturizerState;
  learner: LearnerState;
  /** Informational: the backend the learner ran on. */
  backend: string;
  sampler: Record<string, unknown>;
  /** The run's random generator (sfc32 words). */
  random: number[];
  /** Cumulative prequential metrics of every row scored so far. */
  evaluator: EvaluatorState;
  /** The stream's evaluation state: baselines, rolling window, drift detector (absent before 0.2). */
  evaluation?: StreamEvaluationState;
  counts: CountsState;
  /** Records of the stream read so far (rows of the last epoch, plus those before a resume): the next row's index. */
  streamRows: number;
  /** The epoch the checkpoint was taken in (informational). */
  epoch: number;
  carried: CarriedState;
}

const OPTIMIZERS = ['sgd', 'adagrad', 'adam'] as const;
const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu'] as const;
const TASKS = ['classification', 'regression'] as const;
const SAMPLERS = ['all', 'bernoulli', 'balanced', 'shuffle', 'window', 'replay'] as const;

/** Every key a checkpoint may hold: one nobody wrote is refused, not ignored. */
const STATE_KEYS = ['config', 'schema', 'featurizer', 'learner', 'backend', 'sampler', 'random', 'evaluator', 'evaluation', 'counts', 'streamRows', 'epoch', 'carried'];
const EVALUATOR_KEYS = ['rows', 'lossSum', 'correct', 'absSum', 'k', 'cm', 'majorityCorrect', 'noChangeCorrect', 'apeSum', 'zeroTargets', 'yMean', 'yM2'];
const CONFIG_KEYS = [
  'input', 'format', 'header', 'columns', 'delimiter', 'delimiterExplicit', 'decimal', 'parseThread', 'maxRecordBytes',
  'target', 'task', 'features', 'ignore', 'inferRows', 'hashBits',
  'model', 'params', 'optimizer', 'lr', 'l2', 'batchSize', 'hidden', 'activation', 'backend',
  'sampler', 'sampleRate', 'bufferSize', 'replayRatio', 'classWeights', 'epochs', 'holdout', 'seed', 'onError', 'window', 'fading', 'drift', 'delay', 'onDrift', 'timeDelay',
];
const SAMPLER_KEYS: Record<(typeof SAMPLERS)[number], string[]> = {
  all: ['kind'],
  bernoulli: ['kind', 'random'],
  balanced: ['kind', 'counts', 'random'],
  shuffle: ['kind', 'buffer', 'random'],
  window: ['kind', 'buffer', 'next', 'carry', 'random'],
  replay: ['kind', 'buffer', 'seen', 'carry', 'random'],
};

/** What the rest of the checks need to know about the featurizer. */
interface Shape {
  task: Task;
  /** Numbers per row in the learner's layout. */
  dim: number;
  /** The dense row's width (the slots the sparse layout indexes). */
  dense: number;
  /** Learner outputs: max(2, classes) for classification, 1 for regression. */
  outputs: number;
  classes: number;
}

/** Checks every field; returns the state typed (the same object). Throws DataError via `c`. */
export function validateState(raw: unknown, c: Check): CheckpointState {
  const s = c.only(c.obj(raw, 'checkpoint'), '', STATE_KEYS);
  const config = validateConfig(c.obj(s['config'], 'config'), c);
  const schema = validateSchema(c.obj(s['schema'], 'schema'), c);
  const featurizer = c.obj(s['featurizer'], 'featurizer');
  const hashed = featurizer['hashBits'] !== null && featurizer['hashBits'] !== undefined;
  const shape = validateFeaturizer(featurizer, schema, inputOf(findLearner(config.model), hashed ? 1 : undefined), c);
  validateLearner(s['learner'], config, shape, c);
  c.str(s['backend'], 'backend');
  const sampler = c.obj(s['sampler'], 'sampler');
  if (sampler['kind'] !== config.sampler) c.fail('sampler.kind', `expected "${config.sampler}" (the config's sampler), found ${JSON.stringify(sampler['kind'])}`);
  c.only(sampler, 'sampler', SAMPLER_KEYS[config.sampler]);
  allFinite(sampler, 'sampler', c);
  const buffer = sampler['buffer'];
  if (buffer !== undefined) {
    const b = c.only(c.obj(buffer, 'sampler.buffer'), 'sampler.buffer', ['capacity', 'dim', 'rows', 'x', 'y', 'rawNumeric']);
    c.opt(b['rawNumeric'], (v) => c.bool(v, 'sampler.buffer.rawNumeric'));
    const dim = c.int(b['dim'], 'sampler.buffer.dim', 0, shape.dim);
    const rows = c.int(b['rows'], 'sampler.buffer.rows', 0, c.int(b['capacity'], 'sampler.buffer.capacity', 1));
    c.nums(b['x'], 'sampler.buffer.x', rows * dim);
    checkTargets(b['y'], 'sampler.buffer.y', rows, shape, c);
  }
  c.nums(s['random'], 'random', 4, { integer: true, min: -(2 ** 31) }).forEach((n, i) => {
    if (n > 2 ** 31 - 1) c.fail(`random[${i}]`, `expected a 32-bit integer, found ${n}`);
  });
  const e = c.only(c.obj(s['evaluator'], 'evaluator'), 'evaluator', EVALUATOR_KEYS);
  const evaluated = c.int(e['rows'], 'evaluator.rows');
  c.num(e['lossSum'], 'evaluator.lossSum', { min: 0 });
  c.int(e['correct'], 'evaluator.correct', 0, evaluated);
  c.num(e['absSum'], 'evaluator.absSum', { min: 0 });
  allFinite(e, 'evaluator', c);
  if (e['cm'] !== undefined) {
    const k = c.int(e['k'], 'evaluator.k', 0, 1e4);
    c.nums(e['cm'], 'evaluator.cm', k * k, { min: 0 });
  }
  if (s['evaluation'] !== undefined) validateEvaluation(c.obj(s['evaluation'], 'evaluation'), c);
  const countKeys = ['rows', 'trained', 'evaluated', 'held_out', 'skipped', 'unlabeled'];
  const counts = c.only(c.obj(s['counts'], 'counts'), 'counts', countKeys);
  for (const key of countKeys) c.int(counts[key], `counts.${key}`);
  c.int(s['streamRows'], 'streamRows');
  c.int(s['epoch'], 'epoch', 1);
  const carried = c.only(c.obj(s['carried'], 'carried'), 'carried', ['block', 'pending', 'delayed']);
  const block = validateRows(carried['block'], 'carried.block', shape, c, ['index', 'raw']);
  const carriedBlock = c.obj(carried['block'], 'carried.block');
  c.nums(carriedBlock['index'], 'carried.block.index', block, { integer: true, min: 0 });
  const numeric = schema.columns.filter((col) => col.role === 'feature' && col.kind === 'numeric').length;
  if (carriedBlock['raw'] !== undefined) c.nums(carriedBlock['raw'], 'carried.block.raw', block * numeric);
  validateRows(carried['pending'], 'carried.pending', shape, c);
  if (carried['delayed'] !== undefined) {
    const d = c.only(c.obj(carried['delayed'], 'carried.delayed'), 'carried.delayed', ['rows', 'dim', 'outputs', 'x', 'p', 'y', 'index', 'raw', 'time', 'now']);
    const rows = c.int(d['rows'], 'carried.delayed.rows', 0, config.timeDelay?.maxRows ?? config.delay ?? 0);
    const dim = c.int(d['dim'], 'carried.delayed.dim', 0, shape.dim);
    const outputs = c.int(d['outputs'], 'carried.delayed.outputs', 1, shape.outputs);
    c.nums(d['x'], 'carried.delayed.x', rows * dim);
    c.nums(d['p'], 'carried.delayed.p', rows * outputs);
    checkTargets(d['y'], 'carried.delayed.y', rows, shape, c);
    c.nums(d['index'], 'carried.delayed.index', rows, { integer: true, min: 0 });
    if (d['raw'] !== undefined) c.nums(d['raw'], 'carried.delayed.raw', rows * numeric);
    if (d['time'] !== undefined) c.nums(d['time'], 'carried.delayed.time', rows);
    if (d['now'] !== undefined) c.num(d['now'], 'carried.delayed.now');
  }
  return s as unknown as CheckpointState;
}

/**
 * A learner other than the gradient ones is checked by rebuilding it from the state (its restore()
 * checks every field), and comparing its shape with the featurizer's.
 */
function validateByRestoring(o: Json, path: string, config: RunConfig, shape: Shape, c: Check): void {
  const entry = learnerByKind(o['kind'])!;
  allFinite(o, path, c);
  let learner;
  try {
    learner = entry.restore(o as LearnerState, { model: config });
  } catch (err) {
    if (err instanceof EarlierStateError) throw new DataError({ source: c.where }, `cannot use this checkpoint: ${path}: ${err.message}`, 'bad-checkpoint');
    c.fail(path, err instanceof Error ? err.message : String(err));
  }
  if (learner instanceof Promise) throw new Error(`learner ${entry.name}: restore() must be synchronous`);
  learner.dispose();
  if (learner.dim !== shape.dim) c.fail(`${path}.dim`, `expected ${shape.dim} (the featurizer's inputs), found ${learner.dim}`);
  if (learner.outputs !== shape.outputs) c.fail(`${path}.classes`, `expected ${shape.outputs} outputs, found ${learner.outputs}`);
}

/** The stream evaluation's state: numbers all finite, and the arrays the restore indexes of the right sizes. */
function validateEvaluation(e: Json, c: Check): void {
  allFinite(e, 'evaluation', c);
  c.nums(e['classCounts'], 'evaluation.classCounts', undefined, { min: 0 });
  c.int(e['majority'], 'evaluation.majority', -1);
  c.int(e['last'], 'evaluation.last', -1);
  c.int(e['drifts'], 'evaluation.drifts');
  if (e['rolling'] !== null) {
    const r = c.obj(e['rolling'], 'evaluation.rolling');
    const kind = c.oneOf(r['kind'], 'evaluation.rolling.kind', ['window', 'fading'] as const);
    const param = c.num(r['param'], 'evaluation.rolling.param', { min: 0, minExclusive: true });
    const k = c.int(r['k'], 'evaluation.rolling.k', 0, 1e4);
    c.nums(r['cm'], 'evaluation.rolling.cm', k * k);
    const sums = c.obj(r['sums'], 'evaluation.rolling.sums');
    const ring = c.obj(r['ring'], 'evaluation.rolling.ring');
    if (kind === 'window') {
      const filled = c.int(sums['filled'], 'evaluation.rolling.sums.filled', 0, param);
      c.int(sums['pos'], 'evaluation.rolling.sums.pos', 0, param - 1);
      for (const [key, v] of Object.entries(ring)) c.nums(v, `evaluation.rolling.ring.${key}`, filled);
    }
  }
  if (e['detector'] !== null) {
    const d = c.obj(e['detector'], 'evaluation.detector');
    const name = c.oneOf(d['name'], 'evaluation.detector.name', ['adwin', 'ddm', 'ph'] as const);
    const inner = c.obj(d[name], `evaluation.detector.${name}`);
    if (name === 'adwin') {
      const buckets = c.arr(inner['buckets'], 'evaluation.detector.adwin.buckets');
      buckets.forEach((b, i) => c.nums(b, `evaluation.detector.adwin.buckets[${i}]`, 3));
    }
  }
}

function validateRows(raw: unknown, path: string, shape: Shape, c: Check, more: string[] = []): number {
  const r = c.only(c.obj(raw, path), path, ['rows', 'dim', 'x', 'y', ...more]);
  const rows = c.int(r['rows'], `${path}.rows`, 0, 1e7);
  const dim = c.int(r['dim'], `${path}.dim`, 0, shape.dim);
  c.nums(r['x'], `${path}.x`, rows * dim);
  checkTargets(r['y'], `${path}.y`, rows, shape, c);
  return rows;
}

/** Class indices below the learner's outputs, or finite values for regression. */
function checkTargets(raw: unknown, path: string, rows: number, shape: Shape, c: Check): void {
  const y = c.nums(raw, path, rows, shape.task === 'classification' ? { integer: true, min: 0 } : {});
  if (shape.task === 'classification') {
    y.forEach((v, i) => {
      if (v >= shape.outputs) c.fail(`${path}[${i}]`, `expected a class index below ${shape.outputs}, found ${v}`);
    });
  }
}

/** Every number anywhere in the value must be finite (JSON cannot hold others; binary arrays can). */
function allFinite(v: unknown, path: string, c: Check): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) c.fail(path, `expected a finite number, found ${v}`);
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const n = v[i];
      if (typeof n === 'number') {
        if (!Number.isFinite(n)) c.fail(`${path}[${i}]`, `expected a finite number, found ${n}`);
      } else allFinite(n, `${path}[${i}]`, c);
    }
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) allFinite(x, `${path}.${k}`, c);
  }
}

export function validateConfig(o: Json, c: Check): RunConfig {
  const p = (k: string) => `config.${k}`;
  c.only(o, 'config', CONFIG_KEYS);
  c.str(o['input'], p('input'));
  c.opt(o['format'], (v) => c.oneOf(v, p('format'), ['csv', 'jsonl'] as const));
  c.bool(o['header'], p('header'));
  c.opt(o['columns'], (v) => c.strs(v, p('columns')));
  if (c.str(o['delimiter'], p('delimiter')).length !== 1) c.fail(p('delimiter'), 'expected one character');
  c.opt(o['parseThread'], (v) => c.bool(v, p('parseThread')));
  c.opt(o['delimiterExplicit'], (v) => c.bool(v, p('delimiterExplicit')));
  c.opt(o['decimal'], (v) => c.oneOf(v, p('decimal'), [','] as const));
  c.opt(o['maxRecordBytes'], (v) => c.int(v, p('maxRecordBytes'), 1));
  c.opt(o['target'], (v) => c.str(v, p('target')));
  c.opt(o['task'], (v) => c.oneOf(v, p('task'), TASKS));
  c.opt(o['features'], (v) => c.strs(v, p('features')));
  c.opt(o['ignore'], (v) => c.strs(v, p('ignore')));
  c.int(o['inferRows'], p('inferRows'), 1);
  c.opt(o['hashBits'], (v) => c.int(v, p('hashBits'), 1, 24));
  c.oneOf(o['model'], p('model'), learners().map((e) => e.name));
  c.opt(o['params'], (v) => {
    for (const [k, x] of Object.entries(c.obj(v, p('params')))) if (typeof x !== 'boolean' && typeof x !== 'string') c.num(x, `${p('params')}.${k}`);
  });
  c.oneOf(o['optimizer'], p('optimizer'), OPTIMIZERS);
  c.opt(o['lr'], (v) => c.num(v, p('lr'), { min: 0, minExclusive: true }));
  c.num(o['l2'], p('l2'), { min: 0 });
  c.int(o['batchSize'], p('batchSize'), 1);
  const hidden = c.nums(o['hidden'], p('hidden'), undefined, { integer: true, min: 1 });
  if (hidden.length === 0) c.fail(p('hidden'), 'expected at least one layer');
  c.oneOf(o['activation'], p('activation'), ACTIVATIONS);
  c.opt(o['backend'], (v) => c.oneOf(v, p('backend'), ['tensorflow', 'wasm', 'cpu'] as const));
  c.oneOf(o['sampler'], p('sampler'), SAMPLERS);
  c.num(o['sampleRate'], p('sampleRate'), { min: 0, minExclusive: true, max: 1 });
  c.int(o['bufferSize'], p('bufferSize'), 1);
  c.num(o['replayRatio'], p('replayRatio'), { min: 0 });
  c.opt(o['classWeights'], (v) => {
    const w = c.obj(v, p('classWeights'));
    for (const [k, n] of Object.entries(w)) c.num(n, `${p('classWeights')}.${k}`, { min: 0 });
    return w;
  });
  c.int(o['epochs'], p('epochs'), 1);
  c.num(o['holdout'], p('holdout'), { min: 0, max: 0.9 });
  c.int(o['seed'], p('seed'), 0, 4294967295);
  c.oneOf(o['onError'], p('onError'), ['fail', 'skip'] as const);
  c.opt(o['window'], (v) => c.int(v, p('window'), 0, 1e8));
  c.opt(o['fading'], (v) => c.num(v, p('fading'), { min: 0, minExclusive: true, max: 1 }));
  c.opt(o['drift'], (v) => c.oneOf(v, p('drift'), ['adwin', 'ddm', 'ph'] as const));
  c.opt(o['onDrift'], (v) => c.oneOf(v, p('onDrift'), ['reset'] as const));
  c.opt(o['timeDelay'], (v) => {
    const t = c.only(c.obj(v, p('timeDelay')), p('timeDelay'), ['column', 'seconds', 'maxRows']);
    c.str(t['column'], p('timeDelay.column'));
    c.num(t['seconds'], p('timeDelay.seconds'), { min: 0 });
    c.int(t['maxRows'], p('timeDelay.maxRows'), 1, 1e8);
  });
  c.opt(o['delay'], (v) => c.int(v, p('delay'), 0, 1e7));
  return o as unknown as RunConfig;
}

export function validateSchema(o: Json, c: Check): Schema {
  c.only(o, 'schema', ['columns', 'target', 'task', 'classes', 'rowsInspected', 'notes']);
  c.opt(o['notes'], (v) => c.strs(v, 'schema.notes'));
  const columns = c.arr(o['columns'], 'schema.columns');
  if (columns.length === 0) c.fail('schema.columns', 'expected at least one column');
  const infos = columns.map((raw, i) => {
    const col = c.only(c.obj(raw, `schema.columns[${i}]`), `schema.columns[${i}]`, ['name', 'index', 'kind', 'role', 'note']);
    c.opt(col['note'], (v) => c.str(v, `schema.columns[${i}].note`));
    c.str(col['name'], `schema.columns[${i}].name`);
    if (c.int(col['index'], `schema.columns[${i}].index`) !== i) c.fail(`schema.columns[${i}].index`, `expected ${i}`);
    c.oneOf(col['kind'], `schema.columns[${i}].kind`, ['numeric', 'categorical'] as const);
    c.oneOf(col['role'], `schema.columns[${i}].role`, ['feature', 'target', 'ignored'] as const);
    return col as unknown as ColumnInfo;
  });
  const target = c.int(o['target'], 'schema.target', 0, columns.length - 1);
  if (infos[target]!.role !== 'target' || infos.filter((x) => x.role === 'target').length !== 1) {
    c.fail('schema.target', 'expected the one column with role "target"');
  }
  if (!infos.some((x) => x.role === 'feature')) c.fail('schema.columns', 'expected at least one feature column');
  const task = c.oneOf(o['task'], 'schema.task', TASKS);
  if (task === 'regression' && infos[target]!.kind !== 'numeric') c.fail('schema.task', 'regression on a categorical target');
  c.strs(o['classes'], 'schema.classes', { unique: true });
  c.int(o['rowsInspected'], 'schema.rowsInspected');
  return o as unknown as Schema;
}

/** The featurizer's fields, and the shape of the rows and outputs of a learner reading the raw layout or the dense one. */
function validateFeaturizer(o: Json, schema: Schema, layout: RowLayout, c: Check): Shape {
  c.only(o, 'featurizer', ['hashBits', 'count', 'mean', 'm2', 'categories', 'slots', 'classes', 'missingImputed']);
  const features = schema.columns.filter((x) => x.role === 'feature');
  const numeric = features.filter((x) => x.kind === 'numeric').length;
  const categorical = features.length - numeric;
  const hashBits = o['hashBits'] === null ? null : c.int(o['hashBits'], 'featurizer.hashBits', 1, 24);
  c.nums(o['count'], 'featurizer.count', numeric, { integer: true, min: 0 });
  c.nums(o['mean'], 'featurizer.mean', numeric);
  c.nums(o['m2'], 'featurizer.m2', numeric, { min: 0 });
  const categories = c.arr(o['categories'], 'featurizer.categories', categorical).map((v, j) => c.strs(v, `featurizer.categories[${j}]`, { unique: true }));
  if (hashBits !== null && categories.some((list) => list.length > 0)) c.fail('featurizer.categories', 'expected none with hashBits');
  const slots = c.arr(o['slots'], 'featurizer.slots', categorical).map((v, j) => c.nums(v, `featurizer.slots[${j}]`, categories[j]!.length, { integer: true, min: numeric }));
  const taken = slots.flat();
  const total = categories.reduce((a, list) => a + list.length, 0);
  if (new Set(taken).size !== taken.length || taken.some((slot) => slot >= numeric + total)) c.fail('featurizer.slots', `expected each slot in [${numeric}, ${numeric + total}) once`);
  const classes = c.strs(o['classes'], 'featurizer.classes', { unique: true });
  if (schema.task === 'regression' && classes.length > 0) c.fail('featurizer.classes', 'expected none for regression');
  schema.classes.forEach((label, i) => {
    if (classes[i] !== label) c.fail('featurizer.classes', `expected to start with the schema's classes (${schema.classes.join(', ')})`);
  });
  c.int(o['missingImputed'], 'featurizer.missingImputed');
  const dense = numeric + (hashBits !== null ? (categorical > 0 ? 2 ** hashBits : 0) : categories.reduce((a, list) => a + list.length, 0));
  const dim = layout === 'dense' ? dense : numeric + (layout === 'raw' ? 1 : 2) * categorical;
  const outputs = schema.task === 'regression' ? 1 : Math.max(2, classes.length);
  return { task: schema.task, dim, dense, outputs, classes: classes.length };
}

function validateLearner(raw: unknown, config: RunConfig, shape: Shape, c: Check): void {
  const o = c.obj(raw, 'learner');
  if (shape.task === 'regression' && findLearner(config.model).scaledTarget) {
    if (o['kind'] !== 'scaled-target') c.fail('learner.kind', `expected "scaled-target" for regression, found ${JSON.stringify(o['kind'])}`);
    c.only(o, 'learner', ['kind', 'count', 'mean', 'm2', 'inner']);
    c.int(o['count'], 'learner.count');
    c.num(o['mean'], 'learner.mean');
    c.num(o['m2'], 'learner.m2', { min: 0 });
    validateInner(c.obj(o['inner'], 'learner.inner'), 'learner.inner', config, shape, c);
  } else {
    validateInner(o, 'learner', config, shape, c);
  }
}

function validateInner(o: Json, path: string, config: RunConfig, shape: Shape, c: Check): void {
  const p = (k: string) => `${path}.${k}`;
  const kind = c.oneOf(o['kind'], p('kind'), learners().map((e) => e.name));
  if (kind !== config.model) c.fail(p('kind'), `expected "${config.model}" (the config's model), found "${kind}"`);
  if (kind !== 'linear' && kind !== 'mlp') {
    validateByRestoring(o, path, config, shape, c);
    return;
  }
  if (c.oneOf(o['task'], p('task'), TASKS) !== shape.task) c.fail(p('task'), `expected ${shape.task}`);
  if (c.oneOf(o['optimizer'], p('optimizer'), OPTIMIZERS) !== config.optimizer) c.fail(p('optimizer'), `expected "${config.optimizer}" (the config's optimizer)`);
  c.num(o['lr'], p('lr'), { min: 0, minExclusive: true });
  c.num(o['l2'], p('l2'), { min: 0 });
  // The gradient learners' weights span the dense row, whichever layout they read.
  if (c.int(o['dim'], p('dim')) !== shape.dense) c.fail(p('dim'), `expected ${shape.dense} (the featurizer's inputs), found ${String(o['dim'])}`);
  if (kind === 'linear') {
    c.only(o, path, ['kind', 'task', 'optimizer', 'lr', 'l2', 'dim', 'classes', 'steps', 'weights', 'slot1', 'slot2', 'scale']);
    if (o['scale'] !== undefined) c.num(o['scale'], p('scale'), { min: 0, minExclusive: true, max: 1 });
    if (c.int(o['classes'], p('classes'), 1) !== shape.outputs) c.fail(p('classes'), `expected ${shape.outputs}, found ${String(o['classes'])}`);
    c.int(o['steps'], p('steps'));
    const heads = shape.task === 'regression' || shape.outputs <= 2 ? 1 : shape.outputs;
    const size = heads * (shape.dense + 1);
    c.nums(o['weights'], p('weights'), size);
    c.nums(o['slot1'], p('slot1'), config.optimizer === 'sgd' ? 0 : size, config.optimizer === 'adagrad' ? { min: 0 } : {});
    c.nums(o['slot2'], p('slot2'), config.optimizer === 'adam' ? size : 0, { min: 0 });
    return;
  }
  if (o['version'] !== 1) c.fail(p('version'), `expected 1, found ${JSON.stringify(o['version'])}`);
  c.only(o, path, ['kind', 'version', 'task', 'dim', 'outputs', 'hidden', 'activation', 'optimizer', 'lr', 'l2', 'batchSize', 'backend', 'shapes', 'weights', 'optimizerState']);
  if (c.int(o['outputs'], p('outputs'), 1) !== shape.outputs) c.fail(p('outputs'), `expected ${shape.outputs}, found ${String(o['outputs'])}`);
  const hidden = c.nums(o['hidden'], p('hidden'), undefined, { integer: true, min: 1 });
  if (hidden.join(',') !== config.hidden.join(',')) c.fail(p('hidden'), `expected ${config.hidden.join(',')} (the config's layers)`);
  if (c.oneOf(o['activation'], p('activation'), ACTIVATIONS) !== config.activation) c.fail(p('activation'), `expected "${config.activation}"`);
  if (c.int(o['batchSize'], p('batchSize'), 1) !== config.batchSize) c.fail(p('batchSize'), `expected ${config.batchSize}`);
  c.str(o['backend'], p('backend'));
  // Layer shapes follow from dim, hidden and outputs; weights must fill them exactly.
  const expected: number[][] = [];
  let fanIn = shape.dense;
  for (const units of [...hidden, shape.outputs]) {
    expected.push([fanIn, units], [units]);
    fanIn = units;
  }
  const shapes = c.arr(o['shapes'], p('shapes'), expected.length);
  const weights = c.arr(o['weights'], p('weights'), expected.length);
  let total = 0;
  expected.forEach((want, i) => {
    const got = c.nums(shapes[i], `${p('shapes')}[${i}]`, want.length, { integer: true });
    if (got.join(',') !== want.join(',')) c.fail(`${p('shapes')}[${i}]`, `expected [${want.join(', ')}], found [${got.join(', ')}]`);
    const n = want.reduce((a, b) => a * b, 1);
    c.nums(weights[i], `${p('weights')}[${i}]`, n);
    total += n;
  });
  const opt = c.only(c.obj(o['optimizerState'], p('optimizerState')), p('optimizerState'), ['names', 'shapes', 'values', 'accBeta']);
  const names = c.strs(opt['names'], p('optimizerState.names'));
  const slots = { sgd: 0, adagrad: 1, adam: 2 }[config.optimizer];
  if (names[0] !== 'iter' || (names.length !== 1 && names.length !== 1 + slots)) {
    c.fail(p('optimizerState.names'), `expected "iter" and ${slots} slot(s) for ${config.optimizer}, found ${names.length} name(s)`);
  }
  const optShapes = c.arr(opt['shapes'], p('optimizerState.shapes'), names.length);
  const values = c.arr(opt['values'], p('optimizerState.values'), names.length);
  names.forEach((_, i) => {
    c.nums(optShapes[i], `${p('optimizerState.shapes')}[${i}]`, undefined, { integer: true, min: 0 });
    c.nums(values[i], `${p('optimizerState.values')}[${i}]`, i === 0 ? 1 : total, i === 0 ? { integer: true, min: 0 } : {});
  });
  c.opt(opt['accBeta'], (v) => c.nums(v, p('optimizerState.accBeta'), 2));
}
