/**
 * A checked checkpoint state back into live objects: featurizer, learner, sampler, random generator.
 * The restore functions of each stage do the rebuilding; anything they still reject becomes a
 * DataError naming the checkpoint (a UsageError about flags stays one).
 */
import { DataError, UsageError } from '../errors.js';
import { Featurizer } from '../features/featurizer.js';
import { findLearner, inputOf, learnerByKind } from '../learners/registry.js';
import { ScaledTarget, type ScaledTargetState } from '../learners/scaled-target.js';
import type { Learner, LearnerState, RowLayout, SparseShape } from '../learners/types.js';
import type { RunConfig } from '../run/config.js';
import type { Model } from '../run/train.js';
import { restoreSampler } from '../samplers/index.js';
import { Random } from '../util/random.js';
import type { LoadedCheckpoint } from './store.js';

async function guard<T>(where: string, what: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof DataError || err instanceof UsageError) throw err;
    throw new DataError({ source: where }, `corrupt checkpoint: ${what}: ${err instanceof Error ? err.message : String(err)}`, 'bad-checkpoint');
  }
}

/**
 * Rebuilds the model. `config` is the run's (the checkpoint's, or merged with the flags of a resumed
 * run): a learning rate or L2 that differs from the learner's takes effect from the next row.
 */
export async function restoreModel(checkpoint: LoadedCheckpoint, config: RunConfig, shared?: Featurizer): Promise<Model & { random: Random }> {
  const where = checkpoint.name;
  const state = checkpoint.state;
  const layout = inputOf(findLearner(config.model), state.featurizer.hashBits ?? undefined);
  // Several learners resumed side by side read one featurizer (`shared`), restored with every layout they read.
  const featurizer = shared ?? (await restoreFeaturizer(checkpoint, config, [layout]));
  const learner = await restoreLearner(where, state.learner, config, layout === 'sparse' ? featurizer.sparseShape() : undefined);
  const sampler = await guard(where, 'sampler', () =>
    restoreSampler(state.sampler, {
      kind: config.sampler,
      sampleRate: config.sampleRate,
      bufferSize: config.bufferSize,
      replayRatio: config.replayRatio,
      task: state.schema.task,
      ...(config.classWeights === undefined ? {} : { classWeights: new Map(Object.entries(config.classWeights)) }),
      className: (index) => featurizer.classes[index] ?? String(index),
      // Kept rows of the dense and sparse layouts (numeric features first) are standardized when replayed; raw ones are kept as they are.
      ...(layout !== 'raw' ? { scaler: featurizer } : {}),
    }),
  );
  return {
    schema: featurizer.schema,
    featurizer,
    learner,
    backend: learner.backend ?? 'js',
    sampler,
    random: Random.fromState(state.random),
  };
}

/** The featurizer of a checkpoint, computing the given row layouts. */
export function restoreFeaturizer(checkpoint: LoadedCheckpoint, config: RunConfig, layouts: RowLayout[]): Promise<Featurizer> {
  const state = checkpoint.state;
  return guard(checkpoint.name, 'featurizer', () => Featurizer.restore(state.schema, state.featurizer, config.decimal === ',', layouts));
}

async function restoreLearner(where: string, state: LearnerState, config: RunConfig, sparse: SparseShape | undefined): Promise<Learner> {
  if (state.kind === 'scaled-target') {
    const s = state as ScaledTargetState;
    const inner = await restoreLearner(where, s.inner, config, sparse);
    return ScaledTarget.restore(s, inner);
  }
  const entry = learnerByKind(state.kind);
  if (entry === undefined) throw new DataError({ source: where }, `corrupt checkpoint: learner.kind: expected a learner, found ${JSON.stringify(state.kind)}`, 'bad-checkpoint');
  return guard(where, 'learner', () => entry.restore(state, { model: config, ...(sparse ? { sparse } : {}) }));
}
