/**
 * Checks a saved tree learner's state before it is rebuilt: a checkpoint is bytes from disk, and a
 * tree read from bad bytes would fail later, deep in a split, or predict NaN. Each failure is an
 * Error naming the field's path (the checkpoint code adds the file).
 */
import type { LearnerState } from '../types.js';

type Json = unknown;

class Checker {
  fail(path: string, what: string): never {
    throw new Error(`${path}: ${what}`);
  }

  obj(v: Json, path: string): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Record<string, Json>;
  }

  num(v: Json, path: string, o: { min?: number; max?: number; integer?: boolean } = {}): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `expected a finite number, found ${JSON.stringify(v)}`);
    if (o.integer && !Number.isInteger(v)) this.fail(path, `expected an integer, found ${v}`);
    if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) this.fail(path, `expected a number in [${o.min ?? '-inf'}, ${o.max ?? 'inf'}], found ${v}`);
    return v;
  }

  nums(v: Json, path: string, length?: number, o: { min?: number; max?: number; integer?: boolean } = {}): number[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array of numbers');
    if (length !== undefined && v.length !== length) this.fail(path, `expected ${length} numbers, found ${v.length}`);
    v.forEach((x, i) => this.num(x, `${path}[${i}]`, o));
    return v as number[];
  }

  bool(v: Json, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'expected true or false');
    return v;
  }

  arr(v: Json, path: string): Json[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    return v;
  }
}

const c = new Checker();

interface Shape {
  features: number;
  kinds: string[];
  classes: number;
}

function checkFeatures(v: Json): string[] {
  return c.arr(v, 'features').map((f, i) => {
    const o = c.obj(f, `features[${i}]`);
    if (typeof o['name'] !== 'string') c.fail(`features[${i}].name`, 'expected a string');
    if (o['kind'] !== 'numeric' && o['kind'] !== 'categorical') c.fail(`features[${i}].kind`, 'expected numeric or categorical');
    return o['kind'] as string;
  });
}

function checkClassNode(v: Json, path: string, shape: Shape): void {
  const node = c.obj(v, path);
  if ('leaf' in node) {
    const l = c.obj(node['leaf'], `${path}.leaf`);
    c.num(l['depth'], `${path}.leaf.depth`, { min: 0, integer: true });
    c.nums(l['counts'], `${path}.leaf.counts`, shape.classes, { min: 0 });
    for (const k of ['total', 'seen', 'lastAttempt', 'mcCorrect', 'nbCorrect']) c.num(l[k], `${path}.leaf.${k}`, { min: 0 });
    const active = c.bool(l['active'], `${path}.leaf.active`);
    const numeric = c.nums(l['numeric'], `${path}.leaf.numeric`, undefined, { min: 0, max: shape.features - 1, integer: true });
    const categorical = c.nums(l['categorical'], `${path}.leaf.categorical`, undefined, { min: 0, max: shape.features - 1, integer: true });
    numeric.forEach((f, i) => shape.kinds[f] !== 'numeric' && c.fail(`${path}.leaf.numeric[${i}]`, 'is not a numeric feature'));
    categorical.forEach((f, i) => shape.kinds[f] !== 'categorical' && c.fail(`${path}.leaf.categorical[${i}]`, 'is not a categorical feature'));
    const gauss = c.nums(l['gauss'], `${path}.leaf.gauss`);
    const nominal = c.arr(l['nominal'], `${path}.leaf.nominal`);
    if (active && gauss.length !== shape.classes * numeric.length * 5) c.fail(`${path}.leaf.gauss`, `expected ${shape.classes * numeric.length * 5} numbers, found ${gauss.length}`);
    if (active && nominal.length !== categorical.length) c.fail(`${path}.leaf.nominal`, `expected ${categorical.length} tables, found ${nominal.length}`);
    nominal.forEach((t, i) => c.nums(t, `${path}.leaf.nominal[${i}]`, undefined, { min: 0 }));
  } else {
    const s = c.obj(node['split'], `${path}.split`);
    c.num(s['depth'], `${path}.split.depth`, { min: 0, integer: true });
    const feature = c.num(s['feature'], `${path}.split.feature`, { min: 0, max: shape.features - 1, integer: true });
    c.num(s['threshold'], `${path}.split.threshold`);
    const categorical = c.bool(s['categorical'], `${path}.split.categorical`);
    if (categorical !== (shape.kinds[feature] === 'categorical')) c.fail(`${path}.split.categorical`, 'does not match the feature');
    c.nums(s['counts'], `${path}.split.counts`, shape.classes, { min: 0 });
    c.num(s['seen'], `${path}.split.seen`, { min: 0 });
    const children = c.arr(s['children'], `${path}.split.children`);
    c.num(s['missingBranch'], `${path}.split.missingBranch`, { min: 0, max: Math.max(0, children.length - 1), integer: true });
    if (!categorical && children.length !== 2) c.fail(`${path}.split.children`, 'expected 2 for a numeric split');
    children.forEach((child, i) => child !== null && checkClassNode(child, `${path}.split.children[${i}]`, shape));
    if (node['alternate'] !== undefined) checkClassNode(node['alternate'], `${path}.alternate`, shape);
  }
  if (node['errors'] !== undefined) c.obj(node['errors'], `${path}.errors`);
}

function checkClassTree(v: Json, path: string, kinds: string[]): void {
  const t = c.obj(v, path);
  const options = c.obj(t['options'], `${path}.options`);
  const classes = c.num(options['classes'], `${path}.options.classes`, { min: 2, integer: true });
  const optionKinds = c.arr(options['kinds'], `${path}.options.kinds`);
  if (optionKinds.length !== kinds.length || optionKinds.some((k, i) => k !== kinds[i])) c.fail(`${path}.options.kinds`, 'do not match the features');
  c.num(options['gracePeriod'], `${path}.options.gracePeriod`, { min: 1 });
  c.num(options['delta'], `${path}.options.delta`, { min: 0, max: 1 });
  c.num(options['splitPoints'], `${path}.options.splitPoints`, { min: 1, integer: true });
  c.nums(t['random'], `${path}.random`, 4, { integer: true });
  checkClassNode(t['root'], `${path}.root`, { features: kinds.length, kinds, classes });
}

function checkRegressionNode(v: Json, path: string, features: number, numeric: number): void {
  const node = c.obj(v, path);
  if ('leaf' in node) {
    const l = c.obj(node['leaf'], `${path}.leaf`);
    c.num(l['depth'], `${path}.leaf.depth`, { min: 0, integer: true });
    c.nums(l['targets'], `${path}.leaf.targets`, 3);
    c.nums(l['weights'], `${path}.leaf.weights`, numeric + 1);
    const observers = c.arr(l['observers'], `${path}.leaf.observers`);
    if (observers.length !== features) c.fail(`${path}.leaf.observers`, `expected ${features}, found ${observers.length}`);
    observers.forEach((o, i) => {
      const ob = c.obj(o, `${path}.leaf.observers[${i}]`);
      const keys = c.nums(ob['keys'], `${path}.leaf.observers[${i}].keys`);
      c.nums(ob['stats'], `${path}.leaf.observers[${i}].stats`, keys.length * 3);
    });
    return;
  }
  const s = c.obj(node['split'], `${path}.split`);
  c.num(s['feature'], `${path}.split.feature`, { min: 0, max: features - 1, integer: true });
  c.arr(s['children'], `${path}.split.children`).forEach((child, i) => child !== null && checkRegressionNode(child, `${path}.split.children[${i}]`, features, numeric));
}

/** Throws an Error naming the first field of a saved ht, hat or arf state that is not what it should be. */
export function checkTreeState(state: LearnerState): void {
  const kinds = checkFeatures(state['features']);
  if (state['kind'] === 'arf') {
    c.arr(state['members'], 'members').forEach((m, i) => {
      const member = c.obj(m, `members[${i}]`);
      checkClassTree(member['tree'], `members[${i}].tree`, kinds);
      if (member['background'] !== null) checkClassTree(member['background'], `members[${i}].background`, kinds);
      for (const k of ['correct', 'seen', 'warnings', 'drifts', 'swaps']) c.num(member[k], `members[${i}].${k}`, { min: 0, integer: true });
      c.obj(member['warning'], `members[${i}].warning`);
      c.obj(member['drift'], `members[${i}].drift`);
    });
    c.nums(state['random'], 'random', 4, { integer: true });
    return;
  }
  if (state['task'] === 'regression') {
    c.nums(state['scaler'], 'scaler', kinds.filter((k) => k === 'numeric').length * 3);
    checkRegressionNode(state['root'], 'root', kinds.length, kinds.filter((k) => k === 'numeric').length);
    return;
  }
  checkClassTree(state['tree'], 'tree', kinds);
}
