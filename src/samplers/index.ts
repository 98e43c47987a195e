/**
 * The sampler stage: which rows the learner trains on. `createSampler` validates the options and
 * builds one; `restoreSampler` rebuilds one from its `state()` so a checkpoint resumes exactly.
 *
 * Each sampler gets its own generator, forked from the one passed in, so its draws neither shift
 * nor depend on anyone else's, and choosing a different sampler changes no other stage's draws
 * (createSampler always takes exactly one draw from `random`, whatever the kind).
 */
import { UsageError } from '../errors.js';
import type { Random } from '../util/random.js';
import { AllSampler } from './all.js';
import { BalancedSampler } from './balanced.js';
import { BernoulliSampler } from './bernoulli.js';
import { RowBuffer } from './row-buffer.js';
import { ReplaySampler } from './replay.js';
import { ShuffleSampler } from './shuffle.js';
import type { Sampler, SamplerOptions } from './types.js';
import { WindowSampler } from './window.js';

export type { RowScaler, Sampler, SamplerOptions, TrainSink } from './types.js';

const KINDS: readonly SamplerOptions['kind'][] = ['all', 'bernoulli', 'balanced', 'shuffle', 'window', 'replay'];

/** Throws UsageError naming the flag for any option the chosen kind uses and that is out of range. */
export function validateSamplerOptions(opts: SamplerOptions): void {
  const { kind } = opts;
  if (!KINDS.includes(kind)) throw new UsageError(`--sampler must be one of ${KINDS.join(', ')}, got ${String(kind)}`);
  if (kind === 'bernoulli') {
    const r = opts.sampleRate;
    if (typeof r !== 'number' || !(r > 0 && r <= 1)) throw new UsageError(`--sample-rate must be in (0, 1], got ${r}`);
  }
  if (kind === 'shuffle' || kind === 'window' || kind === 'replay') {
    const k = opts.bufferSize;
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
      throw new UsageError(`--buffer-size must be an integer >= 1, got ${k}`);
    }
  }
  if (kind === 'window' || kind === 'replay') {
    const r = opts.replayRatio;
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
      throw new UsageError(`--replay-ratio must be a finite number >= 0, got ${r}`);
    }
  }
  if (kind === 'balanced') {
    if (opts.task !== 'classification') {
      throw new UsageError('--sampler balanced needs a classification task (it balances classes), but the target is numeric (regression)');
    }
    if (opts.classWeights) {
      let positive = false;
      for (const [name, w] of opts.classWeights) {
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
          throw new UsageError(`--class-weights: the weight of class "${name}" must be a finite number >= 0, got ${w}`);
        }
        if (w > 0) positive = true;
      }
      if (!positive) throw new UsageError('--class-weights needs at least one positive weight');
      if (!opts.className) throw new Error('createSampler: classWeights given without className');
    }
  }
}

export function createSampler(opts: SamplerOptions, random: Random): Sampler {
  validateSamplerOptions(opts);
  const rng = random.fork();
  switch (opts.kind) {
    case 'all':
      return new AllSampler();
    case 'bernoulli':
      return new BernoulliSampler(opts.sampleRate, rng);
    case 'balanced':
      return new BalancedSampler(rng, opts.classWeights, opts.className);
    case 'shuffle':
      return new ShuffleSampler(new RowBuffer(opts.bufferSize, opts.scaler), rng);
    case 'window':
      return new WindowSampler(new RowBuffer(opts.bufferSize, opts.scaler), opts.replayRatio, rng);
    case 'replay':
      return new ReplaySampler(new RowBuffer(opts.bufferSize, opts.scaler), opts.replayRatio, rng);
  }
}

/**
 * Rebuilds a sampler from `state()` output. The options must be the run's (validated the same way);
 * the kind and buffer size must match the checkpoint's (a UsageError says which differs), while rate
 * and ratio come from the options. A malformed state throws a plain Error.
 */
export function restoreSampler(state: Record<string, unknown>, opts: SamplerOptions): Sampler {
  validateSamplerOptions(opts);
  const kind = state['kind'];
  if (kind !== opts.kind) {
    throw new UsageError(`--sampler ${opts.kind} differs from the checkpoint's sampler ${String(kind)}`);
  }
  const buffer = state['buffer'] as { capacity?: unknown } | undefined;
  if (buffer && typeof buffer === 'object' && buffer.capacity !== opts.bufferSize) {
    throw new UsageError(`--buffer-size ${opts.bufferSize} differs from the checkpoint's ${String(buffer.capacity)}`);
  }
  switch (opts.kind) {
    case 'all':
      return AllSampler.restore();
    case 'bernoulli':
      return BernoulliSampler.restore(state, opts.sampleRate);
    case 'balanced':
      return BalancedSampler.restore(state, opts.classWeights, opts.className);
    case 'shuffle':
      return ShuffleSampler.restore(state, opts.bufferSize, opts.scaler);
    case 'window':
      return WindowSampler.restore(state, opts.bufferSize, opts.replayRatio, opts.scaler);
    case 'replay':
      return ReplaySampler.restore(state, opts.bufferSize, opts.replayRatio, opts.scaler);
  }
}
