/**
 * Small validators for data read from a checkpoint. Every failure is a DataError naming the
 * checkpoint and the field: `inc-learn: model: corrupt checkpoint: learner.weights: expected 7
 * numbers, found 6`. Nothing here trusts a type: a checkpoint is bytes from disk.
 */
import { DataError } from '../errors.js';

export type Json = Record<string, unknown>;

export class Check {
  constructor(
    /** The checkpoint directory as the user named it. */
    readonly where: string,
    /** What the message starts with, e.g. 'corrupt checkpoint' or 'cannot save the checkpoint'. */
    readonly prefix = 'corrupt checkpoint',
  ) {}

  fail(path: string, what: string): never {
    throw new DataError({ source: this.where }, `${this.prefix}: ${path}: ${what}`, 'bad-checkpoint');
  }

  obj(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, found ${kind(v)}`);
    return v as Json;
  }

  /** An object has no keys but these: a key nobody wrote is refused, not ignored. */
  only(o: Json, path: string, keys: readonly string[]): Json {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(path === '' ? k : `${path}.${k}`, 'unknown key');
    return o;
  }

  str(v: unknown, path: string, nonEmpty = false): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, found ${kind(v)}`);
    if (nonEmpty && v === '') this.fail(path, 'expected a non-empty string');
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, `expected true or false, found ${kind(v)}`);
    return v;
  }

  num(v: unknown, path: string, range: { min?: number; max?: number; minExclusive?: boolean } = {}): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `expected a finite number, found ${kind(v)}`);
    const { min, max, minExclusive } = range;
    if (min !== undefined && (minExclusive ? v <= min : v < min)) this.fail(path, `expected a number ${minExclusive ? '>' : '>='} ${min}, found ${v}`);
    if (max !== undefined && v > max) this.fail(path, `expected a number <= ${max}, found ${v}`);
    return v;
  }

  int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, `expected an integer, found ${kind(v)}`);
    if (v < min || v > max) this.fail(path, `expected an integer in [${min}, ${max}], found ${v}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(path, `expected one of ${allowed.join(', ')}, found ${kind(v)}`);
    return v as T;
  }

  arr(v: unknown, path: string, length?: number): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, found ${kind(v)}`);
    if (length !== undefined && v.length !== length) this.fail(path, `expected ${length} entries, found ${v.length}`);
    return v;
  }

  /** An array of numbers: finite unless `nan` allows NaN, at least `min` when given, integers when asked. */
  nums(v: unknown, path: string, length?: number, opts: { min?: number; integer?: boolean } = {}): number[] {
    const a = this.arr(v, path, length) as unknown[];
    const { min, integer } = opts;
    for (let i = 0; i < a.length; i++) {
      const n = a[i];
      if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(`${path}[${i}]`, `expected a finite number, found ${kind(n)}`);
      if (integer && !Number.isInteger(n)) this.fail(`${path}[${i}]`, `expected an integer, found ${n}`);
      if (min !== undefined && n < min) this.fail(`${path}[${i}]`, `expected a number >= ${min}, found ${n}`);
    }
    return a as number[];
  }

  strs(v: unknown, path: string, opts: { unique?: boolean } = {}): string[] {
    const a = this.arr(v, path);
    a.forEach((s, i) => this.str(s, `${path}[${i}]`));
    if (opts.unique && new Set(a).size !== a.length) this.fail(path, 'has duplicate entries');
    return a as string[];
  }

  /** An optional field: undefined stays undefined (JSON drops undefined keys), anything else is checked. */
  opt<T>(v: unknown, check: (v: unknown) => T): T | undefined {
    return v === undefined ? undefined : check(v);
  }
}

export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
