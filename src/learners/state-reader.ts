/**
 * Reads a learner's state() back, checking each field: a checkpoint is bytes from disk. Every
 * failure is a plain Error naming the field; the checkpoint code adds where it came from.
 */
import type { LearnerState, Task } from './types.js';

export class StateReader {
  constructor(
    private readonly state: LearnerState,
    kind: string,
  ) {
    if (state.kind !== kind) throw new Error(`kind: expected "${kind}", found ${JSON.stringify(state.kind)}`);
  }

  private fail(key: string, what: string): never {
    throw new Error(`${key}: ${what}`);
  }

  num(key: string, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.state[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `expected a finite number, found ${describe(v)}`);
    if (range.integer === true && !Number.isInteger(v)) this.fail(key, `expected an integer, found ${v}`);
    if ((range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max)) {
      this.fail(key, `expected a number in [${range.min ?? '-inf'}, ${range.max ?? 'inf'}], found ${v}`);
    }
    return v;
  }

  /** A number or null (a value not known yet, as JSON writes NaN). */
  numOrNull(key: string): number | null {
    return this.state[key] === null ? null : this.num(key);
  }

  bool(key: string): boolean {
    const v = this.state[key];
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, found ${describe(v)}`);
    return v;
  }

  task(): Task {
    return this.oneOf('task', ['classification', 'regression'] as const);
  }

  oneOf<T extends string | number>(key: string, allowed: readonly T[]): T {
    const v = this.state[key];
    if (!(allowed as readonly unknown[]).includes(v)) this.fail(key, `expected one of ${allowed.join(', ')}, found ${describe(v)}`);
    return v as T;
  }

  /** An array of finite numbers, of the given length when given, each at least `min` and an integer when asked. */
  nums(key: string, length?: number, range: { min?: number; max?: number; integer?: boolean } = {}): Float64Array {
    const v = this.state[key];
    if (!Array.isArray(v)) this.fail(key, `expected an array, found ${describe(v)}`);
    if (length !== undefined && v.length !== length) this.fail(key, `expected ${length} numbers, found ${v.length}`);
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const n: unknown = v[i];
      if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(`${key}[${i}]`, `expected a finite number, found ${describe(n)}`);
      if (range.integer === true && !Number.isInteger(n)) this.fail(`${key}[${i}]`, `expected an integer, found ${n}`);
      if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
        this.fail(`${key}[${i}]`, `expected a number in [${range.min ?? '-inf'}, ${range.max ?? 'inf'}], found ${n}`);
      }
      out[i] = n;
    }
    return out;
  }
}

/**
 * A state that an earlier inc-learn wrote in a form this one no longer reads: not corrupt, but it
 * cannot be resumed. The message says what changed.
 */
export class EarlierStateError extends Error {}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' && v !== null ? 'an object' : JSON.stringify(v);
}

/** Outputs of a learner: class probabilities (at least 2) or one value. */
export function outputsFor(task: Task, classes: number): number {
  return task === 'regression' ? 1 : Math.max(2, classes);
}
