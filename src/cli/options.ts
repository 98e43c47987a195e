/** Flag values to a validated RunConfig. Every bad value is a UsageError naming the flag and what it allows. */
import { UsageError } from '../errors.js';
import type { Format } from '../io/types.js';
import { allParams, findLearner, type LearnerEntry, type LearnerParam, type LearnerParams } from '../learners/registry.js';
import type { Task } from '../learners/types.js';
import type { ContenderConfig, InputConfig, ModelConfig, RunConfig, SamplerConfig, SchemaConfig } from '../run/config.js';
import { DETECTORS } from '../eval/drift/index.js';

/** The optimizer of the gradient learners when --optimizer is not given. */
const DEFAULT_OPTIMIZER: Record<string, 'sgd' | 'adam'> = { linear: 'sgd', mlp: 'adam' };

/** The raw option bag commander gives us (all strings, or booleans for switches). */
export type RawOptions = Record<string, string | boolean | string[] | undefined>;

export function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${String(value)}"`);
}

export function number(flag: string, value: unknown, check: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean } = {}): number {
  const text = String(value).trim();
  const n = text === '' ? NaN : Number(text);
  const { min, max, minExclusive, integer } = check;
  const bounds = [min !== undefined ? `${minExclusive ? '>' : '>='} ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(' and ');
  const what = `${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} must be ${what}; got "${text}"`);
  if (min !== undefined && (minExclusive ? n <= min : n < min)) throw new UsageError(`${flag} must be ${what}; got ${text}`);
  if (max !== undefined && n > max) throw new UsageError(`${flag} must be ${what}; got ${text}`);
  return n;
}

export function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items;
}

export function inputConfig(input: string, o: RawOptions): InputConfig {
  const delimiter = o.delimiter === undefined ? ',' : unescapeDelimiter(String(o.delimiter));
  if (delimiter.length !== 1) throw new UsageError(`--delimiter must be a single character (or \\t); got "${String(o.delimiter)}"`);
  const columns = list(o.columns);
  return {
    input,
    header: o.header !== false,
    delimiter,
    // Given: used as it is; otherwise ',' unless the first line says otherwise (io/delimiter.ts).
    ...(o.delimiter === undefined ? {} : { delimiterExplicit: true }),
    ...(oneOf('--decimal', o.decimal ?? '.', ['.', ','] as const) === ',' ? { decimal: ',' as const } : {}),
    ...(typeof o.parseThread === 'boolean' ? { parseThread: o.parseThread } : {}),
    ...(o.maxRecordBytes === undefined ? {} : { maxRecordBytes: number('--max-record-bytes', o.maxRecordBytes, { min: 1, integer: true }) }),
    ...(o.format === undefined ? {} : { format: oneOf<Format>('--format', o.format, ['csv', 'jsonl']) }),
    ...(columns === undefined ? {} : { columns }),
  };
}

function unescapeDelimiter(d: string): string {
  return d === '\\t' || d === 'tab' ? '\t' : d;
}

export function schemaConfig(o: RawOptions): SchemaConfig {
  const features = list(o.features);
  const ignore = list(o.ignore);
  const both = features?.find((name) => ignore?.includes(name));
  if (both !== undefined) throw new UsageError(`--features and --ignore both name "${both}": a column is either kept or left out`);
  if (o.target !== undefined && ignore?.includes(String(o.target))) {
    throw new UsageError(`--target "${String(o.target)}" is also in --ignore: the target cannot be left out`);
  }
  if (o.target !== undefined && features?.includes(String(o.target))) {
    throw new UsageError(`--target "${String(o.target)}" is also in --features: the target is never a feature`);
  }
  return {
    inferRows: number('--infer-rows', o.inferRows ?? 1000, { min: 1, integer: true }),
    ...(o.target === undefined ? {} : { target: String(o.target) }),
    ...(o.task === undefined ? {} : { task: oneOf<Task>('--task', o.task, ['classification', 'regression']) }),
    ...(features === undefined ? {} : { features }),
    ...(ignore === undefined ? {} : { ignore }),
    ...(o.hashBits === undefined ? {} : { hashBits: number('--hash-bits', o.hashBits, { min: 1, max: 24, integer: true }) }),
  };
}

export function modelConfig(o: RawOptions): ModelConfig {
  const entry = findLearner(String(Array.isArray(o.model) ? o.model[0] : (o.model ?? 'linear')));
  const model = entry.name;
  if (entry.gradient !== true) {
    for (const [key, flag] of [['optimizer', '--optimizer'], ['lr', '--lr']] as const) {
      if (o[key] !== undefined) throw new UsageError(`${flag} applies to the learners trained by gradient steps (linear, mlp), not --model ${model}`);
    }
  }
  const hidden = (list(o.hidden ?? '32') ?? []).map((h) => number('--hidden', h, { min: 1, integer: true }));
  if (hidden.length === 0) throw new UsageError('--hidden must list at least one layer size, e.g. 64,32');
  if (entry.input === 'raw' && o.hashBits !== undefined) {
    throw new UsageError(`--hash-bits applies to learners that read the one-hot row; --model ${model} reads each category as a category`);
  }
  const params = learnerParams(entry, o);
  return {
    model,
    ...(params === undefined ? {} : { params }),
    optimizer: oneOf('--optimizer', o.optimizer ?? DEFAULT_OPTIMIZER[model] ?? 'sgd', ['sgd', 'adagrad', 'adam'] as const),
    ...(o.lr === undefined ? {} : { lr: number('--lr', o.lr, { min: 0, minExclusive: true }) }),
    l2: number('--l2', o.l2 ?? 0, { min: 0 }),
    batchSize: model === 'mlp' ? number('--batch-size', o.batchSize ?? 32, { min: 1, integer: true }) : rejectBatchSize(o.batchSize),
    hidden,
    activation: oneOf('--activation', o.activation ?? 'relu', ['relu', 'tanh', 'sigmoid', 'elu'] as const),
    ...(o.backend === undefined ? {} : { backend: oneOf('--backend', o.backend, ['tensorflow', 'wasm', 'cpu'] as const) }),
  };
}

/** The per-row models learn one row at a time; a batch size there would be silently ignored. */
function rejectBatchSize(value: unknown): number {
  if (value !== undefined) {
    number('--batch-size', value, { min: 1, integer: true });
    if (Number(value) !== 1) throw new UsageError('--batch-size applies to --model mlp; the other learners learn one row at a time');
  }
  return 1;
}

/** The learner's own options, checked; an option of another learner is an error naming the ones it applies to. */
function learnerParams(entry: LearnerEntry, o: RawOptions): LearnerParams | undefined {
  for (const { param, owners } of allParams()) {
    if (o[param.key] !== undefined && !owners.includes(entry)) {
      throw new UsageError(`${flagName(param)} applies to --model ${owners.map((e) => e.name).join('|')}, not ${entry.name}`);
    }
  }
  if (entry.params.length === 0) return undefined;
  const params: LearnerParams = {};
  for (const param of entry.params) params[param.key] = paramValue(param, o[param.key]);
  return params;
}

function flagName(param: LearnerParam): string {
  return param.flag.split(' ')[0]!;
}

function paramValue(param: LearnerParam, raw: unknown): number | boolean | string {
  if (typeof param.default === 'boolean') return raw === undefined ? param.default : raw === true || raw === 'true';
  if (raw === undefined) return param.default;
  const flag = flagName(param);
  if (typeof param.default === 'string') return oneOf(flag, String(raw), param.choices ?? [param.default]);
  const value = number(flag, raw, {
    ...(param.min === undefined ? {} : { min: param.min }),
    ...(param.max === undefined ? {} : { max: param.max }),
    ...(param.minExclusive === undefined ? {} : { minExclusive: param.minExclusive }),
    ...(param.integer === undefined ? {} : { integer: param.integer }),
  });
  if (param.values !== undefined && !param.values.includes(value)) throw new UsageError(`${flag} must be one of ${param.values.join(', ')}; got ${String(raw)}`);
  return value;
}

export function samplerConfig(o: RawOptions): SamplerConfig {
  const sampler = oneOf('--sampler', o.sampler ?? 'all', ['all', 'bernoulli', 'balanced', 'shuffle', 'window', 'replay'] as const);
  const needs = (flag: string, key: string, kinds: string[]): void => {
    if (o[key] !== undefined && !kinds.includes(sampler)) throw new UsageError(`${flag} applies to --sampler ${kinds.join('|')}, not ${sampler}`);
  };
  needs('--sample-rate', 'sampleRate', ['bernoulli']);
  needs('--buffer-size', 'bufferSize', ['shuffle', 'window', 'replay']);
  needs('--replay-ratio', 'replayRatio', ['window', 'replay']);
  needs('--class-weights', 'classWeights', ['balanced']);
  return {
    sampler,
    sampleRate: number('--sample-rate', o.sampleRate ?? 1, { min: 0, minExclusive: true, max: 1 }),
    bufferSize: number('--buffer-size', o.bufferSize ?? 1000, { min: 1, integer: true }),
    replayRatio: number('--replay-ratio', o.replayRatio ?? 1, { min: 0 }),
    ...(o.classWeights === undefined ? {} : { classWeights: classWeights(String(o.classWeights)) }),
  };
}

function classWeights(text: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of list(text) ?? []) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--class-weights takes label=weight pairs like a=1,b=3; got "${part}"`);
    weights[part.slice(0, eq)] = number(`--class-weights ${part.slice(0, eq)}`, part.slice(eq + 1), { min: 0, minExclusive: true });
  }
  return weights;
}

/**
 * The learners of --model: `linear`, `linear,nb`, the flag repeated, and per-learner options in
 * parentheses, `linear(lr=0.5),linear(name=slow,lr=0.01),pa(C=0.1)`. Each is one contender with a
 * name (`name=`, or its text as given, numbered when given twice). The learner flags given outside
 * (--lr, --l2, a learner's own --option) apply to every learner that takes them.
 */
export function contenderConfigs(o: RawOptions): ContenderConfig[] {
  const given = o.model === undefined ? ['linear'] : Array.isArray(o.model) ? o.model : [String(o.model)];
  const specs = given.flatMap(splitSpecs);
  if (specs.length === 0) throw new UsageError('--model needs a learner, e.g. --model linear or --model linear,pa');
  const names = new Map<string, number>();
  return specs.map((spec) => {
    const { learner, options } = parseSpec(spec);
    const entry = findLearner(learner);
    const raw: RawOptions = { ...(specs.length > 1 ? applicable(entry, o) : o), model: entry.name };
    let name: string | undefined;
    for (const [key, value] of options) {
      if (key === 'name') name = value;
      // Layer sizes are joined by x inside the list (mlp(hidden=64x32)), whose commas part the options.
      else if (key === 'hidden') raw[optionKey(entry, key, spec)] = value.replace(/x/gi, ',');
      else raw[optionKey(entry, key, spec)] = value;
    }
    const config = modelConfig(raw);
    let unique = name ?? spec.replace(/\s+/g, '');
    const seen = names.get(unique) ?? 0;
    if (seen > 0 && name !== undefined) throw new UsageError(`--model: two learners are named "${name}"; each needs its own name`);
    names.set(unique, seen + 1);
    if (seen > 0) unique = `${unique}#${seen + 1}`;
    return { name: unique, ...config };
  });
}

/** The flags given outside the learner list that this learner takes (the others apply to other learners). */
function applicable(entry: LearnerEntry, o: RawOptions): RawOptions {
  const out: RawOptions = { ...o };
  if (entry.gradient !== true) for (const key of ['optimizer', 'lr', 'l2']) delete out[key];
  if (entry.name !== 'mlp') for (const key of ['batchSize']) delete out[key];
  for (const { param, owners } of allParams()) if (!owners.includes(entry)) delete out[param.key];
  return out;
}

/** Option names inside the parentheses: a flag's name without dashes (lr, batch-size, window-size) or its key. */
const MODEL_OPTIONS: Record<string, string> = { lr: 'lr', l2: 'l2', optimizer: 'optimizer', 'batch-size': 'batchSize', hidden: 'hidden', activation: 'activation', backend: 'backend' };
/** The options only the MLP takes (outside the list they apply to the MLPs of a run, and are ignored by the rest). */
const MLP_OPTIONS = new Set(['hidden', 'activation', 'backend']);

function optionKey(entry: LearnerEntry, key: string, spec: string): string {
  if (MLP_OPTIONS.has(key) && entry.name !== 'mlp') throw new UsageError(`--model ${spec}: "${key}" is an option of mlp, not of ${entry.name}`);
  const known = MODEL_OPTIONS[key] ?? entry.params.find((p) => p.key === key || flagName(p) === `--${key}`)?.key;
  if (known !== undefined) return known;
  const offered = ['name', ...Object.keys(MODEL_OPTIONS), ...entry.params.map((p) => flagName(p).slice(2))];
  throw new UsageError(`--model ${spec}: "${key}" is not an option of ${entry.name}; it takes ${offered.join(', ')}`);
}

/** Splits a --model value at the commas outside parentheses. */
function splitSpecs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new UsageError(`--model "${text}": a ")" without its "("`);
    if ((c === ',' && depth === 0) || i === text.length) {
      const part = text.slice(from, i).trim();
      if (part !== '') out.push(part);
      from = i + 1;
    }
  }
  if (depth !== 0) throw new UsageError(`--model "${text}": a "(" without its ")"`);
  return out;
}

/** `pa(C=0.1, name=strict)` to its learner and options, in order. */
function parseSpec(spec: string): { learner: string; options: [string, string][] } {
  const open = spec.indexOf('(');
  if (open < 0) return { learner: spec, options: [] };
  if (!spec.endsWith(')')) throw new UsageError(`--model ${spec}: the options go in parentheses at the end, e.g. linear(lr=0.5,name=fast)`);
  const options = splitSpecs(spec.slice(open + 1, -1)).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--model ${spec}: options are key=value, e.g. lr=0.5; got "${pair}"`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  });
  return { learner: spec.slice(0, open).trim(), options };
}

export function runConfig(input: string, o: RawOptions): RunConfig {
  const contenders = contenderConfigs(o);
  // The first learner's flags (the only one's, in a run of one: the config a checkpoint stores).
  const { name: _name, ...first } = contenders[0]!;
  return {
    ...inputConfig(input, o),
    ...schemaConfig(o),
    ...first,
    ...(contenders.length > 1 ? { contenders } : {}),
    ...samplerConfig(o),
    epochs: number('--epochs', o.epochs ?? 1, { min: 1, integer: true }),
    holdout: number('--holdout', o.holdout ?? 0, { min: 0, max: 0.9 }),
    seed: number('--seed', o.seed ?? 1, { min: 0, max: 4294967295, integer: true }),
    onError: oneOf('--on-error', o.onError ?? 'fail', ['fail', 'skip'] as const),
    ...evaluationConfig(o),
    ...(o.delay === undefined ? {} : { delay: number('--delay', o.delay, { min: 0, max: 1e7, integer: true }) }),
    ...onDriftConfig(o),
    ...timeDelayConfig(o),
  };
}

/** The default of --delay-max-rows: a million rows of the learner's width wait at most. */
export const DELAY_MAX_ROWS = 1_000_000;

/** --delay-column COL --delay-seconds S (--delay-max-rows N): a time-based delay, instead of --delay. */
function timeDelayConfig(o: RawOptions): Pick<RunConfig, 'timeDelay'> {
  if (o.delayColumn === undefined && o.delaySeconds === undefined) {
    if (o.delayMaxRows !== undefined) throw new UsageError('--delay-max-rows applies to a time-based delay (--delay-column and --delay-seconds)');
    return {};
  }
  if (o.delayColumn === undefined || o.delaySeconds === undefined) throw new UsageError('a time-based delay takes both --delay-column (the column of the times) and --delay-seconds');
  if (o.delay !== undefined) throw new UsageError('--delay counts rows; --delay-column and --delay-seconds count time: give one or the other');
  return {
    timeDelay: {
      column: String(o.delayColumn),
      seconds: number('--delay-seconds', o.delaySeconds, { min: 0 }),
      maxRows: number('--delay-max-rows', o.delayMaxRows ?? DELAY_MAX_ROWS, { min: 1, max: 1e8, integer: true }),
    },
  };
}

/** --on-drift reset, which needs a detector. */
function onDriftConfig(o: RawOptions): Pick<RunConfig, 'onDrift'> {
  if (o.onDrift === undefined) return {};
  const onDrift = oneOf('--on-drift', o.onDrift, ['reset'] as const);
  if (o.drift === undefined) throw new UsageError('--on-drift reset acts when a drift detector fires: add --drift adwin, ddm or ph');
  return { onDrift };
}

/** --window, --fading, --drift: what the evaluation keeps over the stream. */
export function evaluationConfig(o: RawOptions): Pick<RunConfig, 'window' | 'fading' | 'drift'> {
  const out: Pick<RunConfig, 'window' | 'fading' | 'drift'> = { window: number('--window', o.window ?? 1000, { min: 0, max: 1e8, integer: true }) };
  if (o.fading !== undefined) {
    const fading = number('--fading', o.fading, { min: 0, minExclusive: true, max: 1 });
    if (fading === 1) throw new UsageError('--fading must be below 1 (a factor of 1 forgets nothing: the cumulative metrics)');
    out.fading = fading;
  }
  if (o.drift !== undefined) out.drift = oneOf('--drift', o.drift, DETECTORS);
  return out;
}
