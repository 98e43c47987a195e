/**
 * The registry entries of the tree learners: `ht` (classification and regression), `hat` and `arf`,
 * with their flags and MOA's / River's defaults (docs/learners.md cites each).
 */
import type { LearnerContext, LearnerEntry, LearnerParam, LearnerParams } from '../registry.js';
import type { LearnerState } from '../types.js';
import { ARF_DEFAULTS, AdaptiveRandomForest, type ArfFlags, type ArfState } from './arf.js';
import { HT_DEFAULTS, HoeffdingTreeLearner, type HtState, type TreeFlags } from './ht.js';
import type { LeafPrediction } from './nodes.js';
import { HTR_DEFAULTS, HoeffdingTreeRegressor, type HtrState, type LeafModel } from './regressor.js';
import { checkTreeState } from './state-check.js';
import type { SplitCriterion } from './criteria.js';

/** The growth flags every tree takes, with a learner's defaults. */
function growthParams(d: TreeFlags): LearnerParam[] {
  return [
    { key: 'gracePeriod', flag: '--grace-period <n>', help: 'rows (weight) a leaf sees between split attempts', default: d.gracePeriod, min: 1, integer: true },
    { key: 'splitConfidence', flag: '--split-confidence <x>', help: 'delta of the Hoeffding bound: the allowed chance of a wrong split', default: d.delta, min: 0, minExclusive: true, max: 1 },
    { key: 'tieThreshold', flag: '--tie-threshold <x>', help: 'split anyway when the Hoeffding bound falls below this (tau)', default: d.tau, min: 0 },
    { key: 'splitCriterion', flag: '--split-criterion <name>', help: 'classification: info_gain or gini', default: d.splitCriterion, choices: ['info_gain', 'gini'] },
    { key: 'leafPrediction', flag: '--leaf-prediction <rule>', help: 'classification leaves: mc (majority class), nb (naive Bayes) or nba (whichever has been more accurate there)', default: d.leafPrediction, choices: ['mc', 'nb', 'nba'] },
    { key: 'splitPoints', flag: '--split-points <n>', help: 'candidate thresholds per numeric attribute at a split attempt (classification)', default: d.splitPoints, min: 1, integer: true },
    { key: 'maxDepth', flag: '--max-depth <n>', help: 'leaves at this depth do not split; 0 = unlimited', default: d.maxDepth, min: 0, integer: true },
    { key: 'maxSize', flag: '--max-size <MiB>', help: 'memory limit of a tree (classification): past it the least promising leaves stop learning; 0 = none', default: d.maxSize, min: 0 },
  ];
}

function treeFlags(p: LearnerParams): TreeFlags {
  return {
    gracePeriod: p['gracePeriod'] as number,
    delta: p['splitConfidence'] as number,
    tau: p['tieThreshold'] as number,
    splitCriterion: p['splitCriterion'] as SplitCriterion,
    leafPrediction: p['leafPrediction'] as LeafPrediction,
    splitPoints: p['splitPoints'] as number,
    maxDepth: p['maxDepth'] as number,
    maxSize: p['maxSize'] as number,
  };
}

const features = (ctx: LearnerContext): { name: string; kind: 'numeric' | 'categorical' }[] => ctx.features.map((f) => ({ name: f.name, kind: f.kind }));

export const ht: LearnerEntry = {
  name: 'ht',
  aliases: ['hoeffding-tree', 'vfdt', 'hoeffdingtree'],
  summary: 'Hoeffding tree (VFDT): splits a leaf once the Hoeffding bound says its best split is best; regression by variance reduction',
  tasks: ['classification', 'regression'],
  input: 'raw',
  params: [
    ...growthParams(HT_DEFAULTS),
    { key: 'leafModel', flag: '--leaf-model <m>', help: 'regression leaves: mean, linear or adaptive (whichever has the lower faded error)', default: HTR_DEFAULTS.leafModel, choices: ['mean', 'linear', 'adaptive'] },
  ],
  scaledTarget: false,
  create: (ctx) => {
    const flags = treeFlags(ctx.params);
    if (ctx.task === 'regression') {
      return new HoeffdingTreeRegressor(features(ctx), { ...HTR_DEFAULTS, gracePeriod: flags.gracePeriod, delta: flags.delta, tau: flags.tau, maxDepth: flags.maxDepth, leafModel: ctx.params['leafModel'] as LeafModel });
    }
    return HoeffdingTreeLearner.create(features(ctx), ctx.classes, flags, ctx.seed, 'ht');
  },
  restore: (state) => restoreTree(state),
};

export const hat: LearnerEntry = {
  name: 'hat',
  aliases: ['hoeffding-adaptive-tree', 'hoeffdingadaptivetree'],
  summary: 'Hoeffding adaptive tree: ADWIN watches every node; alternate subtrees replace those whose error rises (classification)',
  tasks: ['classification'],
  input: 'raw',
  params: growthParams(HT_DEFAULTS),
  scaledTarget: false,
  create: (ctx) => HoeffdingTreeLearner.create(features(ctx), ctx.classes, treeFlags(ctx.params), ctx.seed, 'hat'),
  restore: (state) => restoreTree(state),
};

export const arf: LearnerEntry = {
  name: 'arf',
  aliases: ['adaptive-random-forest', 'adaptiverandomforest'],
  summary: 'adaptive random forest: Hoeffding trees on Poisson(6)-weighted rows and random attribute subsets, replaced at drift (classification)',
  tasks: ['classification'],
  input: 'raw',
  params: [
    { key: 'trees', flag: '--trees <n>', help: 'trees in the forest', default: ARF_DEFAULTS.trees, min: 1, max: 1000, integer: true },
    { key: 'lambda', flag: '--lambda <x>', help: 'mean of the Poisson weight each tree gives a row (online bagging)', default: ARF_DEFAULTS.lambda, min: 0, minExclusive: true, max: 100 },
    { key: 'maxFeatures', flag: '--max-features <n>', help: 'attributes each leaf may split on, drawn at random; 0 = round(sqrt(M)) + 1', default: ARF_DEFAULTS.features, min: 0, integer: true },
    { key: 'warningDelta', flag: '--warning-delta <x>', help: "ADWIN delta of a tree's warning detector (starts a background tree)", default: ARF_DEFAULTS.warningDelta, min: 0, minExclusive: true, max: 1 },
    { key: 'driftDelta', flag: '--drift-delta <x>', help: "ADWIN delta of a tree's drift detector (replaces the tree)", default: ARF_DEFAULTS.driftDelta, min: 0, minExclusive: true, max: 1 },
    ...growthParams(ARF_DEFAULTS),
  ],
  scaledTarget: false,
  create: (ctx) => {
    const p = ctx.params;
    const flags: ArfFlags = {
      ...treeFlags(p),
      trees: p['trees'] as number,
      lambda: p['lambda'] as number,
      features: p['maxFeatures'] as number,
      warningDelta: p['warningDelta'] as number,
      driftDelta: p['driftDelta'] as number,
    };
    return AdaptiveRandomForest.create(features(ctx), ctx.classes, flags, ctx.seed);
  },
  restore: (state) => {
    checkTreeState(state);
    return AdaptiveRandomForest.restore(state as ArfState);
  },
};

function restoreTree(state: LearnerState): HoeffdingTreeLearner | HoeffdingTreeRegressor {
  checkTreeState(state);
  if (state['task'] === 'regression') return HoeffdingTreeRegressor.restore(state as HtrState);
  return HoeffdingTreeLearner.restore(state as HtState);
}
