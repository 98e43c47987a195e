/**
 * What `inspect --model DIR` shows of a saved tree or forest: its shape (depth, nodes, leaves, how many
 * leaves still learn) and its top splits, drawn as an indented tree with each node's rows and class
 * shares; for the adaptive tree the alternate subtrees started and switched in, for the forest the
 * warnings, drifts and background trees swapped in per tree. Read from the saved state alone.
 */
import type { ArfState } from './arf.js';
import type { HtState, TreeFeature } from './ht.js';
import type { NodeState } from './nodes.js';
import type { AdaptiveTreeState } from './hat.js';
import type { HtrState } from './regressor.js';

export interface TreeShape {
  depth: number;
  nodes: number;
  leaves: number;
  active_leaves: number;
}

/** One split as `inspect --json` lists it: where it is (its depth) and what it tests. */
export interface SplitInfo {
  depth: number;
  feature: string;
  /** Numeric: rows with feature <= threshold go left. */
  threshold?: number;
  /** Categorical: one branch per category. */
  categories?: string[];
  rows: number;
}

export interface TreeDescription extends TreeShape {
  /** Splits in breadth-first order, the first `limit`. */
  splits: SplitInfo[];
  /** Lines of the drawing. */
  lines: string[];
}

export interface Names {
  /** Class names by index (classification). */
  classes?: readonly string[];
  /** A categorical feature's category by code. */
  category?: (feature: number, code: number) => string;
}

export function treeShape(root: NodeState): TreeShape {
  const shape: TreeShape = { depth: 0, nodes: 0, leaves: 0, active_leaves: 0 };
  const walk = (node: NodeState): void => {
    shape.nodes++;
    if ('leaf' in node) {
      shape.depth = Math.max(shape.depth, node.leaf.depth);
      shape.leaves++;
      if (node.leaf.active) shape.active_leaves++;
      return;
    }
    shape.depth = Math.max(shape.depth, node.split.depth);
    for (const child of node.split.children) if (child) walk(child);
  };
  walk(root);
  return shape;
}

const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);

/** "up 62%, down 38%" for class weights (the three largest). */
function shares(counts: readonly number[], names: Names): string {
  const total = sum(counts);
  if (total <= 0) return 'no class yet';
  const order = counts.map((w, c) => [w, c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const top = order
    .filter(([w]) => w > 0)
    .slice(0, 3)
    .map(([w, c]) => `${names.classes?.[c] ?? c} ${((100 * w) / total).toFixed(0)}%`);
  return top.join(', ');
}

/** Rows in whole numbers (a split shares a leaf's rows between its children by estimate, so weights have fractions). */
function formatRows(w: number): string {
  return Math.round(w).toLocaleString('en-US');
}

/** The tree drawn to `maxDepth` levels, and its first `limit` splits. */
export function describeTree(root: NodeState, features: readonly TreeFeature[], names: Names, maxDepth = 4, limit = 20): TreeDescription {
  const splits: SplitInfo[] = [];
  const queue: NodeState[] = [root];
  while (queue.length > 0 && splits.length < limit) {
    const node = queue.shift()!;
    if ('leaf' in node) continue;
    const s = node.split;
    const feature = features[s.feature]?.name ?? `#${s.feature}`;
    const info: SplitInfo = { depth: s.depth, feature, rows: Math.round(s.seen) };
    if (s.categorical) info.categories = s.children.map((_, code) => names.category?.(s.feature, code) ?? String(code));
    else info.threshold = s.threshold;
    splits.push(info);
    for (const child of s.children) if (child) queue.push(child);
  }
  const lines: string[] = [];
  const draw = (node: NodeState, label: string, prefix: string, childPrefix: string): void => {
    if ('leaf' in node) {
      const l = node.leaf;
      lines.push(`${prefix}${label}leaf: ${formatRows(l.seen)} rows, ${shares(l.counts, names)}${l.active ? '' : ' (inactive)'}`);
      return;
    }
    const s = node.split;
    const name = features[s.feature]?.name ?? `#${s.feature}`;
    lines.push(`${prefix}${label}split on ${name}: ${formatRows(s.seen)} rows`);
    if (s.depth + 1 > maxDepth) {
      const below = treeShape(node);
      lines.push(`${childPrefix}└─ ... ${below.nodes - 1} nodes below`);
      return;
    }
    const children = s.children.map((child, b) => [child, b] as const).filter(([child]) => child !== null);
    children.forEach(([child, b], i) => {
      const last = i === children.length - 1;
      const test = s.categorical ? `${name} = ${names.category?.(s.feature, b) ?? b}` : `${name} ${b === 0 ? '<=' : '>'} ${formatThreshold(s.threshold)}`;
      draw(child!, `${test}: `, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  draw(root, '', '', '');
  return { ...treeShape(root), splits, lines };
}

function formatThreshold(t: number): string {
  return Number(t.toPrecision(6)).toString();
}

type RegNodeState = HtrState['root'];

/** The regression tree drawn to `maxDepth` levels: each leaf's target mean and rows. */
function describeRegressionTree(state: HtrState, maxDepth = 4): { json: Record<string, unknown>; lines: string[] } {
  const shape = { depth: 0, nodes: 0, leaves: 0 };
  const splits: SplitInfo[] = [];
  const walk = (node: RegNodeState): void => {
    shape.nodes++;
    if ('leaf' in node) {
      shape.leaves++;
      shape.depth = Math.max(shape.depth, node.leaf.depth);
      return;
    }
    shape.depth = Math.max(shape.depth, node.split.depth);
    for (const child of node.split.children) if (child) walk(child);
  };
  walk(state.root);
  const queue: RegNodeState[] = [state.root];
  while (queue.length > 0 && splits.length < 20) {
    const node = queue.shift()!;
    if ('leaf' in node) continue;
    const s = node.split;
    splits.push({ depth: s.depth, feature: state.features[s.feature]?.name ?? `#${s.feature}`, ...(s.categorical ? {} : { threshold: s.threshold }), rows: Math.round(s.seen) });
    for (const child of s.children) if (child) queue.push(child);
  }
  const lines = [`ht (regression, ${state.flags.leafModel} leaves): depth ${shape.depth}, ${shape.nodes} nodes, ${shape.leaves} leaves`];
  const draw = (node: RegNodeState, label: string, prefix: string, childPrefix: string): void => {
    if ('leaf' in node) {
      const [w, mean] = node.leaf.targets;
      lines.push(`${prefix}${label}leaf: ${formatRows(w)} rows, mean ${formatThreshold(mean)}`);
      return;
    }
    const s = node.split;
    const name = state.features[s.feature]?.name ?? `#${s.feature}`;
    lines.push(`${prefix}${label}split on ${name}: ${formatRows(s.seen)} rows`);
    if (s.depth + 1 > maxDepth) {
      lines.push(`${childPrefix}└─ ...`);
      return;
    }
    const children = s.children.map((child, b) => [child, b] as const).filter(([child]) => child !== null);
    children.forEach(([child, b], i) => {
      const last = i === children.length - 1;
      const test = s.categorical ? `${name} = ${b}` : `${name} ${b === 0 ? '<=' : '>'} ${formatThreshold(s.threshold)}`;
      draw(child!, `${test}: `, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  draw(state.root, '', '', '');
  return { json: { learner: 'ht', ...shape, splits }, lines };
}

/** The JSON `inspect --model` prints for a tree learner (without the drawing), and the lines it prints otherwise. */
export function describeTreeLearner(state: HtState | HtrState | ArfState, names: Names): { json: Record<string, unknown>; lines: string[] } {
  if (state.kind === 'ht' && state['task'] === 'regression') return describeRegressionTree(state as HtrState);
  if (state.kind === 'arf') {
    const trees = state.members.map((m) => treeShape(m.tree.root));
    const json = {
      learner: 'arf',
      trees: state.members.length,
      warnings: sum(state.members.map((m) => m.warnings)),
      drifts: sum(state.members.map((m) => m.drifts)),
      background_swaps: sum(state.members.map((m) => m.swaps)),
      background_trees: state.members.filter((m) => m.background).length,
      members: state.members.map((m, i) => ({ ...trees[i]!, warnings: m.warnings, drifts: m.drifts, background_swaps: m.swaps, accuracy: m.seen > 0 ? m.correct / m.seen : null })),
    };
    const lines = [
      `arf: ${state.members.length} trees (rows count with their Poisson(${state.flags.lambda}) weights)`,
      `  ${state.members.length} trees, ${json.warnings} warnings, ${json.drifts} drifts, ${json.background_swaps} background trees swapped in, ${json.background_trees} growing now`,
      ...json.members.map((m, i) => `  tree ${i + 1}: depth ${m.depth}, ${m.nodes} nodes, ${m.leaves} leaves; ${m.drifts} drifts (${m.background_swaps} swaps); accuracy ${m.accuracy === null ? '-' : m.accuracy.toFixed(4)} since it was made`),
    ];
    const accuracy = (i: number): number => json.members[i]!.accuracy ?? -1;
    let best = 0;
    for (let i = 1; i < state.members.length; i++) if (accuracy(i) > accuracy(best)) best = i;
    const drawn = describeTree(state.members[best]!.tree.root, state.features, names, 3, 10);
    lines.push(`the most accurate tree (${best + 1}):`, ...drawn.lines.map((l) => `  ${l}`));
    return { json, lines };
  }
  const t = state as HtState;
  const d = describeTree(t.tree.root, t.features, names);
  const extra: Record<string, number> = {};
  if (state.kind === 'hat') {
    const a = t.tree as AdaptiveTreeState;
    extra['alternates_started'] = a.alternates;
    extra['alternates_switched'] = a.switches;
    extra['alternates_dropped'] = a.dropped;
  }
  const { lines, ...rest } = d;
  const json = { learner: state.kind, ...rest, ...extra };
  const head = `${state.kind}: depth ${d.depth}, ${d.nodes} nodes, ${d.leaves} leaves (${d.active_leaves} learning)` + (state.kind === 'hat' ? `; alternate subtrees: ${extra['alternates_started']} started, ${extra['alternates_switched']} switched in, ${extra['alternates_dropped']} dropped` : '');
  return { json, lines: [head, ...lines] };
}
