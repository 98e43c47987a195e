/** The learner registry: a model name and the data's shape give a learner. */
import type { ModelConfig } from '../run/config.js';
import { LinearModel } from './linear.js';
import type { Learner, Task } from './types.js';

export interface CreatedLearner {
  learner: Learner;
  /** The compute backend: 'js' for the typed-array models, the TensorFlow.js backend otherwise. */
  backend: string;
}

export async function createLearner(config: ModelConfig, task: Task, dim: number, classes: number, seed: number): Promise<CreatedLearner> {
  const options = { ...config, task, dim, classes, seed };
  if (config.model === 'mlp') {
    // Loaded on demand: TensorFlow.js costs start-up time that the linear models never pay.
    const { createMlp } = await import('./mlp.js');
    const learner = await createMlp(options);
    return { learner, backend: learner.backend ?? 'tfjs' };
  }
  return { learner: new LinearModel(options), backend: 'js' };
}
