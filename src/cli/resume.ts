/**
 * `train --resume DIR`: the run's configuration is the checkpoint's, with the flags given on the
 * command line on top. Flags that shape the model (its kind, layers, optimizer, target, features,
 * sampler kind and buffer) are fixed by the checkpoint: giving one with another value is a usage
 * error naming it. Learning rate, L2, sampler rate and ratio, class weights, holdout, seed, on-error,
 * backend, --window, --fading and --drift may change and are otherwise inherited (a changed window or
 * detector starts afresh); epochs and the input flags describe this run.
 */
import { DataError, UsageError } from '../errors.js';
import { findLearner } from '../learners/registry.js';
import type { LoadedCheckpoint } from '../persist/store.js';
import type { SavedLearner } from '../persist/learners.js';
import type { ContenderConfig, RunConfig } from '../run/config.js';
import { list, oneOf, runConfig, type RawOptions } from './options.js';

/** Config key, flag, and how a value reads in a message. */
const FIXED: [keyof RunConfig, string][] = [
  ['model', '--model'],
  ['optimizer', '--optimizer'],
  ['hidden', '--hidden'],
  ['activation', '--activation'],
  ['batchSize', '--batch-size'],
  ['sampler', '--sampler'],
  ['bufferSize', '--buffer-size'],
  ['hashBits', '--hash-bits'],
  ['delay', '--delay'],
  ['onDrift', '--on-drift'],
];

/** Options a resumed run takes from the checkpoint unless given (as the raw strings commander would give). */
function inherited(saved: RunConfig, target: string, task: string): RawOptions {
  const raw: RawOptions = {
    model: saved.model,
    l2: String(saved.l2),
    hidden: saved.hidden.join(','),
    activation: saved.activation,
    sampler: saved.sampler,
    holdout: String(saved.holdout),
    seed: String(saved.seed),
    onError: saved.onError,
    target,
    task,
  };
  if (findLearner(saved.model).gradient === true) raw.optimizer = saved.optimizer;
  for (const [key, value] of Object.entries(saved.params ?? {})) if (value !== false) raw[key] = value === true ? true : String(value);
  // A learner not trained by gradient steps takes no --lr (older side-by-side checkpoints hold the first learner's).
  if (saved.lr !== undefined && findLearner(saved.model).gradient === true) raw.lr = String(saved.lr);
  if (saved.window !== undefined) raw.window = String(saved.window);
  if (saved.fading !== undefined) raw.fading = String(saved.fading);
  if (saved.drift !== undefined) raw.drift = saved.drift;
  if (saved.delay !== undefined) raw.delay = String(saved.delay);
  if (saved.onDrift !== undefined) raw.onDrift = saved.onDrift;
  if (saved.timeDelay !== undefined) {
    raw.delayColumn = saved.timeDelay.column;
    raw.delaySeconds = String(saved.timeDelay.seconds);
    raw.delayMaxRows = String(saved.timeDelay.maxRows);
  }
  if (saved.model === 'mlp') raw.batchSize = String(saved.batchSize);
  if (saved.backend !== undefined) raw.backend = saved.backend;
  if (saved.sampler === 'bernoulli') raw.sampleRate = String(saved.sampleRate);
  if (['shuffle', 'window', 'replay'].includes(saved.sampler)) raw.bufferSize = String(saved.bufferSize);
  if (['window', 'replay'].includes(saved.sampler)) raw.replayRatio = String(saved.replayRatio);
  if (saved.hashBits !== undefined) raw.hashBits = String(saved.hashBits);
  if (saved.features !== undefined) raw.features = saved.features.join(',');
  if (saved.ignore !== undefined) raw.ignore = saved.ignore.join(',');
  // Decimal commas only widen what reads as a number: data like the checkpoint's keeps reading.
  if (saved.decimal !== undefined) raw.decimal = saved.decimal;
  return raw;
}

const show = (v: unknown): string => (v === undefined ? 'none' : Array.isArray(v) ? v.join(',') : String(v));

/** The configuration of a run resuming from `checkpoint`; `explicit` holds the option keys given on the command line. */
export function resumeConfig(checkpoint: LoadedCheckpoint, input: string, raw: RawOptions, explicit: ReadonlySet<string>): RunConfig {
  const saved = checkpoint.state.config;
  const schema = checkpoint.state.schema;
  const targetName = schema.columns[schema.target]!.name;
  const given: RawOptions = {};
  for (const key of explicit) given[key] = raw[key];
  const conflict = (flag: string, value: unknown, theirs: unknown): never => {
    throw new UsageError(
      `${flag} ${show(value)} conflicts with the checkpoint in ${checkpoint.name}, trained with ${flag} ${show(theirs)}: a resumed model keeps its settings (leave ${flag} out, or train a new model)`,
    );
  };
  // The kinds first: other inherited flags depend on them (a window's --buffer-size means nothing to 'all').
  if (explicit.has('model') && findLearner(String(raw.model)).name !== saved.model) conflict('--model', findLearner(String(raw.model)).name, saved.model);
  if (explicit.has('sampler') && raw.sampler !== saved.sampler) {
    conflict('--sampler', oneOf('--sampler', raw.sampler, ['all', 'bernoulli', 'balanced', 'shuffle', 'window', 'replay'] as const), saved.sampler);
  }
  const merged: RawOptions = { ...inherited(saved, targetName, schema.task), ...given };
  const config = runConfig(input, merged);
  if (!explicit.has('classWeights')) {
    delete config.classWeights;
    if (saved.classWeights !== undefined) config.classWeights = saved.classWeights;
  }
  for (const [key, flag] of FIXED) {
    if (explicit.has(key) && show(config[key]) !== show(saved[key])) conflict(flag, config[key], saved[key]);
  }
  const timed: [string, string, unknown, unknown][] = [
    ['delayColumn', '--delay-column', config.timeDelay?.column, saved.timeDelay?.column],
    ['delaySeconds', '--delay-seconds', config.timeDelay?.seconds, saved.timeDelay?.seconds],
  ];
  for (const [key, flag, value, theirs] of timed) if (explicit.has(key) && show(value) !== show(theirs)) conflict(flag, value, theirs);
  for (const param of findLearner(saved.model).params) {
    const value = config.params?.[param.key];
    if (explicit.has(param.key) && value !== saved.params?.[param.key]) conflict(param.flag.split(' ')[0]!, value, saved.params?.[param.key]);
  }
  if (explicit.has('target') && config.target !== targetName) conflict('--target', config.target, targetName);
  if (explicit.has('task') && config.task !== schema.task) conflict('--task', config.task, schema.task);
  const features = schema.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  if (explicit.has('features')) {
    const wanted = list(raw.features) ?? [];
    if (wanted.length !== features.length || !wanted.every((f) => features.includes(f))) conflict('--features', wanted, features);
  }
  if (explicit.has('ignore')) {
    for (const name of list(raw.ignore) ?? []) {
      const col = schema.columns.find((c) => c.name === name);
      if (col !== undefined && col.role !== 'ignored') conflict('--ignore', name, schema.columns.filter((c) => c.role === 'ignored').map((c) => c.name));
    }
  }
  return config;
}

/**
 * `train --resume DIR` of several learners side by side (train --model a,b --save DIR): each one's
 * configuration as it would be resumed alone (the flags given apply to each), in one run. The
 * checkpoints must be of one run: at the same row of the stream, with the same featurizer.
 */
export function resumeContendersConfig(checkpoints: readonly LoadedCheckpoint[], saved: readonly SavedLearner[], input: string, raw: RawOptions, explicit: ReadonlySet<string>): RunConfig {
  const first = checkpoints[0]!;
  for (const c of checkpoints.slice(1)) {
    if (c.state.streamRows !== first.state.streamRows || JSON.stringify(c.state.featurizer) !== JSON.stringify(first.state.featurizer)) {
      throw new DataError(
        { source: c.name },
        `not saved with ${first.name} by one run (${c.state.streamRows} rows against ${first.state.streamRows}, or other statistics): was one of the learners resumed alone, or a save stopped between two of them (each learner's is whole, not the group's)? Resume each from its subdirectory`,
        'bad-checkpoint',
      );
    }
  }
  const configs = checkpoints.map((c) => resumeConfig(c, input, raw, explicit));
  const contenders: ContenderConfig[] = configs.map((c, i) => ({
    name: saved[i]!.name,
    model: c.model,
    ...(c.params === undefined ? {} : { params: c.params }),
    optimizer: c.optimizer,
    ...(c.lr === undefined ? {} : { lr: c.lr }),
    l2: c.l2,
    batchSize: c.batchSize,
    hidden: c.hidden,
    activation: c.activation,
    ...(c.backend === undefined ? {} : { backend: c.backend }),
  }));
  return { ...configs[0]!, contenders };
}
