/** A learner from the registry, built for the data's shape. */
import type { ModelConfig } from '../run/config.js';
import { findLearner, type LearnerEntry } from './registry.js';
import { ScaledTarget } from './scaled-target.js';
import type { FeatureInfo, Learner, SparseShape, Task } from './types.js';

export interface CreatedLearner {
  learner: Learner;
  /** The compute backend: 'js' for the typed-array models, the TensorFlow.js backend otherwise. */
  backend: string;
}

export interface LearnerShape {
  task: Task;
  /** Numbers per row in the learner's layout. */
  dim: number;
  classes: number;
  /** The features in the raw layout's order. */
  features: FeatureInfo[];
  /** When the learner reads the sparse layout: its shape. */
  sparse?: SparseShape;
}

export async function createLearner(config: ModelConfig, shape: LearnerShape, seed: number): Promise<CreatedLearner> {
  const entry = findLearner(config.model);
  const model = { ...config, lr: config.lr ?? defaultLearningRate(config, shape.task) };
  const learner = await entry.create({ ...shape, seed, params: paramsOf(entry, config), model });
  return { learner: entry.scaledTarget && shape.task === 'regression' ? new ScaledTarget(learner) : learner, backend: learner.backend ?? 'js' };
}

/** The learner's options: those in the configuration, the defaults for the others. */
export function paramsOf(entry: LearnerEntry, config: Pick<ModelConfig, 'params'>): Record<string, number | boolean | string> {
  const params: Record<string, number | boolean | string> = {};
  for (const p of entry.params) params[p.key] = config.params?.[p.key] ?? p.default;
  return params;
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
