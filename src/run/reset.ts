/**
 * --on-drift reset: when the run's drift detector fires, the learner is replaced by a fresh one,
 * built with the same options at the shape of the moment (the features and classes seen so far)
 * and seeded by the next draw of the run's generator, as a learner built at that point of the run
 * would be. The evaluation (cumulative metrics, rolling window, baselines, the detector) goes on.
 */
import type { Featurizer } from '../features/featurizer.js';
import { createLearner, type LearnerShape } from '../learners/index.js';
import type { Learner, RowLayout } from '../learners/types.js';
import type { Random } from '../util/random.js';
import type { ModelConfig } from './config.js';

/** The shape a learner reading `layout` is built at, from the featurizer as it is now. */
export function learnerShape(featurizer: Featurizer, layout: RowLayout): LearnerShape {
  return {
    task: featurizer.schema.task,
    dim: featurizer.widthOf(layout),
    classes: featurizer.classes.length,
    features: featurizer.rawFeatures(),
    ...(layout === 'sparse' ? { sparse: featurizer.sparseShape() } : {}),
  };
}

/** Where a run keeps its learner (a lane, a model): a reset puts the fresh one there. */
export interface LearnerHolder {
  learner: Learner;
}

/** What the training pass calls on a drift: disposes of the held learner, and returns the fresh one, now held. */
export type Renewal = () => Promise<Learner>;

export function renewal(config: ModelConfig, featurizer: Featurizer, random: Random, holder: LearnerHolder): Renewal {
  return async () => {
    const old = holder.learner;
    const { learner } = await createLearner(config, learnerShape(featurizer, old.input ?? 'dense'), random.nextUint32());
    old.dispose();
    holder.learner = learner;
    return learner;
  };
}
