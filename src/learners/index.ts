/** The learner registry: a model name and the data's shape give a learner. */
import type { ModelConfig } from '../run/config.js';
import { LinearModel } from './linear.js';
import { ScaledTarget } from './scaled-target.js';
import type { Learner, Task } from './types.js';

export interface CreatedLearner {
  learner: Learner;
  /** The compute backend: 'js' for the typed-array models, the TensorFlow.js backend otherwise. */
  backend: string;
}

export async function createLearner(config: ModelConfig, task: Task, dim: number, classes: number, seed: number): Promise<CreatedLearner> {
  const options = { ...config, lr: config.lr ?? defaultLearningRate(config, task), task, dim, classes, seed };
  let learner: Learner;
  let backend = 'js';
  if (config.model === 'mlp') {
    // Loaded on demand: TensorFlow.js costs start-up time that the linear models never pay.
    const { createMlp } = await import('./mlp.js');
    const mlp = await createMlp(options);
    backend = mlp.backend;
    learner = mlp;
  } else {
    learner = new LinearModel(options);
  }
  return { learner: task === 'regression' ? new ScaledTarget(learner) : learner, backend };
}

/**
 * Learning rates measured on the shared streams (README): per-row sgd on standardized features wants
 * a large step for classification (bounded log-loss gradients) and a small one for regression;
 * the MLP's adam step grows with the square root of the batch size, as larger batches take fewer steps.
 */
export function defaultLearningRate(config: Pick<ModelConfig, 'model' | 'optimizer' | 'batchSize'>, task: Task): number {
  if (config.model === 'mlp') {
    const base = config.optimizer === 'adam' ? 0.005 : 0.05;
    return Number((base * Math.sqrt(Math.max(1, config.batchSize / 32))).toPrecision(2));
  }
  if (config.optimizer === 'adam') return 0.01;
  if (config.optimizer === 'adagrad') return 0.1;
  return task === 'regression' ? 0.01 : 0.13;
}
