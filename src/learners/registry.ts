/**
 * The learner registry: one entry per learner, naming it (and the aliases `--model` also accepts),
 * saying which tasks it does, which row layout it reads, which options it takes, and how to build
 * it or rebuild it from its state. The command line, checkpoints and the docs all read this table.
 */
import { UsageError } from '../errors.js';
import type { ModelConfig } from '../run/config.js';
import { LinearModel, type LinearState } from './linear.js';
import { alma } from './alma.js';
import { autoEntry } from './auto.js';
import { knn } from './knn.js';
import { majority } from './majority.js';
import { nb } from './nb.js';
import { noChange } from './no-change.js';
import { pa } from './pa.js';
import { perceptron } from './perceptron.js';
import { arf, hat, ht } from './tree/entries.js';
import type { FeatureInfo, Learner, LearnerState, RowLayout, SparseShape, Task } from './types.js';

/** The values of a learner's own options, by key (see LearnerParam). */
export type LearnerParams = Record<string, number | boolean | string>;

/** An option a learner takes: a command-line flag whose value ends up in `params[key]`. */
export interface LearnerParam {
  /** The key in `params`: commander's name for the flag (`--window-size` is windowSize). */
  key: string;
  /** The flag as commander declares it, e.g. '--window-size <n>' or '--uniform-vote' (a switch). */
  flag: string;
  /** One line for --help, without the default. */
  help: string;
  default: number | boolean | string;
  /** For words (a string default): the values allowed. */
  choices?: readonly string[];
  /** For numbers: the allowed range. */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  integer?: boolean;
  /** For numbers: the only values allowed. */
  values?: readonly number[];
}

/** What a learner is built from. */
export interface LearnerContext {
  task: Task;
  /** Numbers per row in the learner's layout. */
  dim: number;
  /** Classes known so far (classification). */
  classes: number;
  seed: number;
  /** The features in the raw layout's order (numeric ones, then categorical ones). */
  features: FeatureInfo[];
  /** When it reads the sparse layout: its shape. */
  sparse?: SparseShape;
  params: LearnerParams;
  /** The run's model flags, the learning rate resolved to its default when not given. */
  model: ModelConfig & { lr: number };
}

/** What a learner is rebuilt with: the run's model flags (a resumed run may change --lr, --l2, --backend). */
export interface RestoreContext {
  model: ModelConfig;
  /** When it reads the sparse layout (--hash-bits): its shape. */
  sparse?: SparseShape;
}

export interface LearnerEntry {
  name: string;
  /** Other names `--model` accepts for it, e.g. the names its header shows. */
  aliases: readonly string[];
  /** What it is for, in one line (the --help text and docs/learners.md). */
  summary: string;
  tasks: readonly Task[];
  input: RowLayout;
  /** The layout it reads instead when categorical features are hashed (--hash-bits); see inputOf(). */
  hashedInput?: RowLayout;
  /** Its own options (the gradient learners' --optimizer, --lr and --l2 are not among these). */
  params: readonly LearnerParam[];
  /** Trained by gradient steps: takes --optimizer, --lr and --l2. */
  gradient?: boolean;
  /** Regression targets go in standardized (ScaledTarget) and predictions come back in their units. */
  scaledTarget: boolean;
  create(ctx: LearnerContext): Learner | Promise<Learner>;
  /**
   * Rebuilds the learner from its state() (the inner one, for a scaled target). Throws an Error
   * naming the field when the state is not one of its states. Synchronous for every learner but the
   * MLP: a checkpoint is checked by restoring it before it is written (persist/state.ts).
   */
  restore(state: LearnerState, ctx: RestoreContext): Learner | Promise<Learner>;
}

const linear: LearnerEntry = {
  name: 'linear',
  aliases: ['logistic', 'softmax', 'lr'],
  summary: 'logistic (binary), softmax (multiclass) or linear regression by the task, per row on typed arrays',
  tasks: ['classification', 'regression'],
  input: 'dense',
  // Hashed features: O(features) per row, not O(2^bits).
  hashedInput: 'sparse',
  params: [],
  gradient: true,
  scaledTarget: true,
  create: (ctx) =>
    new LinearModel({ ...ctx.model, task: ctx.task, dim: ctx.sparse ? ctx.sparse.slots : ctx.dim, classes: ctx.classes, ...(ctx.sparse ? { sparse: ctx.sparse } : {}) }),
  // A resumed run may change the learning rate and L2: they take effect from the next row.
  restore: (state, ctx) => LinearModel.restore({ ...(state as LinearState), lr: ctx.model.lr ?? (state as LinearState).lr, l2: ctx.model.l2 }, ctx.sparse),
};

const mlp: LearnerEntry = {
  name: 'mlp',
  aliases: [],
  summary: 'a multilayer perceptron on TensorFlow.js, trained in mini-batches',
  tasks: ['classification', 'regression'],
  input: 'dense',
  params: [],
  gradient: true,
  scaledTarget: true,
  // Loaded on demand: TensorFlow.js costs start-up time that the other learners never pay.
  create: async (ctx) => (await import('./mlp.js')).createMlp({ ...ctx.model, task: ctx.task, dim: ctx.dim, classes: ctx.classes, seed: ctx.seed }),
  restore: async (state, ctx) => {
    const lr = ctx.model.lr ?? (state['lr'] as number);
    return (await import('./mlp.js')).restoreMlp({ ...state, lr, l2: ctx.model.l2 }, ctx.model.backend);
  },
};

// Its members are found here, when it builds them.
const auto = autoEntry((name) => {
  const entry = learnerByKind(name);
  if (!entry) throw new Error(`auto: no learner ${name}`);
  return entry;
});

/** Every learner, one line each. */
const entries: readonly LearnerEntry[] = [linear, mlp, majority, noChange, nb, perceptron, pa, alma, knn, ht, hat, arf, auto];

export function learners(): readonly LearnerEntry[] {
  return entries;
}

/** The row layout a learner reads in a run: its hashed one when categorical features are hashed. */
export function inputOf(entry: LearnerEntry, hashBits: number | undefined): RowLayout {
  return hashBits !== undefined && entry.hashedInput !== undefined ? entry.hashedInput : entry.input;
}

/** The entry for a state's `kind` (the learner's name), or undefined. */
export function learnerByKind(kind: unknown): LearnerEntry | undefined {
  return entries.find((e) => e.name === kind);
}

/** The entry `--model NAME` means: names and aliases, case-insensitively; a usage error with a suggestion otherwise. */
export function findLearner(name: string, flag = '--model'): LearnerEntry {
  const wanted = name.trim().toLowerCase();
  const found = entries.find((e) => e.name === wanted || e.aliases.includes(wanted));
  if (found) return found;
  const names = entries.flatMap((e) => [e.name, ...e.aliases]);
  const near = nearest(wanted, names);
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  throw new UsageError(`${flag} "${name}" is not a learner${hint}; the learners are: ${entries.map((e) => e.name).join(', ')}`);
}

/** The closest name by edit distance, when it is close enough to be a typo (as commander suggests flags). */
function nearest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment): a swap of two letters counts one. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Every option of every learner, one per key (learners may share a flag, each with its own default). */
export function allParams(): { param: LearnerParam; owners: LearnerEntry[] }[] {
  const byKey = new Map<string, { param: LearnerParam; owners: LearnerEntry[] }>();
  for (const entry of entries) {
    for (const param of entry.params) {
      const seen = byKey.get(param.key);
      if (seen) seen.owners.push(entry);
      else byKey.set(param.key, { param, owners: [entry] });
    }
  }
  return [...byKey.values()];
}

/** A parameter's default as the help and docs show it. */
export function showDefault(value: number | boolean | string): string {
  return typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
}
