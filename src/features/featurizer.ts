/**
 * Records to typed rows. Numeric features are standardized online (running mean and variance of the
 * rows before this one, as Welford's method keeps them); missing numbers are imputed with the running
 * mean. Categorical features are one-hot encoded, a category first seen mid-stream getting a new slot
 * at the end of the row, or hashed into 2^bits slots. Class labels get indices in order of arrival.
 *
 * That standardized one-hot row is the 'dense' layout. Learners that want the values themselves
 * (naive Bayes, trees) read the 'raw' layout instead: the numeric values (missing ones imputed with
 * the running mean) and one category code per categorical feature. With hashing, the linear models
 * read the 'sparse' layout: the standardized numeric features, then one (slot, value) pair per
 * categorical feature, so that a row costs O(features) whatever 2^bits. A layout is computed only when
 * some learner reads it (FeaturizerOptions.layouts); the running statistics are kept either way.
 */
import { quoteText } from '../io/bytes.js';
import { PLAIN_NUMBER } from '../io/number.js';
import type { RecordBatch, RowIssue } from '../io/types.js';
import type { FeatureInfo, RowLayout, SparseShape } from '../learners/types.js';
import { isMissing } from './missing.js';
import { MAX_CLASSES, numberFromText, numberHint, type Schema } from './schema.js';

/**
 * One-hot encoding gives each categorical column at most this many slots: every new slot widens the
 * model, so a column with a new value in every row (an id, free text) would make each row slower
 * than the last. Past it the run stops with an error that suggests --ignore or --hash-bits.
 */
export const MAX_CATEGORIES = 10000;

/**
 * Numbers beyond ±1e100 are refused (reason 'out-of-range'): the running mean and variance of such
 * values overflow to Infinity or NaN, which would reach the learner's weights and silently turn
 * every later prediction into NaN. No measured quantity comes near; an id or a hash might.
 */
export const MAX_MAGNITUDE = 1e100;

export interface FeaturizerOptions {
  /** Hash categorical values into 2^hashBits slots instead of one slot per category. */
  hashBits?: number;
  /** The layouts to compute for each row (default: only 'dense'). */
  layouts?: readonly RowLayout[];
  /** --decimal ,: numbers written with a decimal comma ("1,5") are read as numbers. */
  decimalComma?: boolean;
}

export interface FeaturizerState {
  hashBits: number | null;
  count: number[];
  mean: number[];
  m2: number[];
  /** Per categorical feature, its categories in slot order (one-hot only). */
  categories: string[][];
  /**
   * The slot in x of each of those categories. Slots are handed out as categories first appear, so
   * the features' slots interleave; absent in older states (then taken feature by feature).
   */
  slots?: number[][];
  classes: string[];
  missingImputed: number;
}

/** What encoding a row gave: its target (class index or value), or why the row cannot be used. */
export type Encoded = number | RowIssue;

/** Integer class labels below this are looked up in an array. */
const SMALL_LABELS = 64;

export class Featurizer {
  readonly schema: Schema;
  private readonly targetName: string;
  private readonly numeric: number[];
  private readonly categorical: number[];
  private readonly hashBits: number | null;
  private readonly decimalComma: boolean;
  private readonly count: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  /** Per categorical feature, category to its code (0, 1, 2, ... in order of arrival; not with hashing). */
  private readonly codes: Map<string, number>[];
  /** Per categorical feature, the slot in the dense row of each code. */
  private readonly slotOf: number[][];
  private readonly categoryOrder: string[][];
  private readonly classIndex = new Map<string, number>();
  /** The same classes keyed by number, so numeric labels need no string per row. */
  private readonly numericClassIndex = new Map<number, number>();
  /** Classes labelled 0..SMALL_LABELS-1, by label: the usual case, without a Map lookup per row. */
  private readonly smallClassIndex = new Int32Array(SMALL_LABELS).fill(-1);
  /**
   * Target cell texts already resolved to a known class ("yes", "True", " 1"), so that a text label
   * costs one lookup per row rather than the missing-value, number and class checks. A text maps to
   * the same class for the rest of the run once it has one, so entries never go stale.
   */
  private readonly textClassIndex = new Map<string, number>();
  readonly classes: string[] = [];
  private _dim: number;
  /** Missing feature values imputed so far. */
  missingImputed = 0;
  /** Regression: the smallest and largest target learned in this run (low > high before any). */
  readonly targetRange = { low: Infinity, high: -Infinity };
  /** Categorical columns whose one-hot slots reached MAX_CATEGORIES. */
  private columnsAtCap = 0;
  /** The encoded row in the dense layout; grows with dim. */
  row: Float64Array;
  /**
   * The raw layout of the row: the numeric values (a missing one as the running mean), then one
   * category code per categorical feature. The numeric part is written when the raw layout was asked
   * for or `keepRaw` is set, the codes only for the raw layout.
   */
  readonly raw: Float64Array;
  private readonly dense: boolean;
  private readonly rawLayout: boolean;
  /**
   * The sparse layout of the row (SparseShape in learners/types.ts): the standardized numeric
   * features, then per categorical feature its slot in the dense row and 1, or (-1, 0) when it has
   * none (missing, or hashed to the slot of an earlier feature: the dense row holds a 1 there once).
   * Empty unless asked for; hashing only.
   */
  readonly sparse: Float64Array;
  /**
   * With `keepRaw`, encode() also writes the row's numeric features in their own units (the first
   * slots of `raw`): what a sampler keeps, to standardize when it replays the row.
   */
  keepRaw = false;

  constructor(schema: Schema, opts: FeaturizerOptions = {}) {
    this.schema = schema;
    this.targetName = schema.columns[schema.target]!.name;
    const features = schema.columns.filter((c) => c.role === 'feature');
    this.numeric = features.filter((c) => c.kind === 'numeric').map((c) => c.index);
    this.categorical = features.filter((c) => c.kind === 'categorical').map((c) => c.index);
    this.hashBits = opts.hashBits ?? null;
    this.decimalComma = opts.decimalComma === true;
    const n = this.numeric.length;
    this.count = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.m2 = new Float64Array(n);
    this.codes = this.categorical.map(() => new Map());
    this.slotOf = this.categorical.map(() => []);
    this.categoryOrder = this.categorical.map(() => []);
    this._dim = n + (this.hashBits !== null && this.categorical.length > 0 ? 2 ** this.hashBits : 0);
    const layouts = opts.layouts ?? ['dense'];
    this.dense = layouts.includes('dense');
    this.row = new Float64Array(Math.max(this.dense ? this._dim : n, 8));
    this.rawLayout = layouts.includes('raw');
    this.raw = new Float64Array(n + this.categorical.length);
    if (layouts.includes('sparse') && this.hashBits === null) throw new Error('the sparse layout is for hashed categorical features (--hash-bits)');
    this.sparse = new Float64Array(layouts.includes('sparse') ? n + 2 * this.categorical.length : 0);
    for (const label of schema.classes) this.classOf(label, true);
  }

  /** Features per row now; grows as new categories arrive (one-hot). */
  get dim(): number {
    return this._dim;
  }

  /** The row as encoded in a layout (by the last encode()); the layout must have been asked for. */
  rowOf(layout: RowLayout): Float64Array {
    return layout === 'raw' ? this.raw : layout === 'sparse' ? this.sparse : this.row;
  }

  /** Numbers per row in a layout now: the dense one grows with new categories, the raw and sparse ones are fixed. */
  widthOf(layout: RowLayout): number {
    if (layout === 'dense') return this._dim;
    return this.numeric.length + (layout === 'raw' ? 1 : 2) * this.categorical.length;
  }

  /** The sparse layout's shape: its numeric features, its pairs, and the dense slots they index. */
  sparseShape(): SparseShape {
    return { numeric: this.numeric.length, pairs: this.categorical.length, slots: this._dim };
  }

  /** The features in the raw layout's order: the numeric ones, then the categorical ones. */
  rawFeatures(): FeatureInfo[] {
    const info = (c: number): FeatureInfo => ({ name: this.schema.columns[c]!.name, kind: this.schema.columns[c]!.kind });
    return [...this.numeric.map(info), ...this.categorical.map(info)];
  }

  /**
   * Encodes row r of the batch into `this.row` and returns its target. With `learn`, the running
   * statistics take the row in after it is encoded, and new categories and classes get slots; without
   * it (held-out rows) nothing changes, unknown categories encode as zeros and an unknown class as -1.
   * With `ignoreTarget` (predictions) the target cell is not read at all and the result is NaN.
   */
  encode(batch: RecordBatch, r: number, learn: boolean, ignoreTarget = false): Encoded {
    const width = batch.width;
    const base = r * width;
    const schema = this.schema;
    const targetColumn = schema.target;

    // Read every numeric cell before touching the statistics, so a bad cell leaves them unchanged.
    const row = this.row;
    const numeric = this.numeric;
    for (let j = 0; j < numeric.length; j++) {
      const c = numeric[j]!;
      let v = NaN;
      if (c < width) {
        const text = batch.text[base + c];
        if (text === null) v = batch.values[base + c]!;
        else if (text !== undefined && !isMissing(text)) {
          const n = numberFromText(text, this.decimalComma);
          if (n === undefined) return notANumber(schema.columns[c]!.name, text);
          v = n;
        }
      }
      if (v > MAX_MAGNITUDE || v < -MAX_MAGNITUDE) return notANumber(schema.columns[c]!.name, batch.text[base + c] ?? String(v));
      row[j] = v;
    }
    const y = ignoreTarget ? NaN : this.target(batch, base, targetColumn < width ? targetColumn : -1, learn);
    if (typeof y !== 'number') return y;
    if (this.columnsAtCap > 0 && learn) {
      const full = this.overCap(batch, base, width);
      if (full !== null) return full;
    }
    const raw = this.raw;
    if (this.keepRaw || this.rawLayout) {
      // Missing: the running mean before this row, as the dense layout's 0 stands for.
      for (let j = 0; j < numeric.length; j++) raw[j] = row[j] === row[j] ? row[j]! : this.mean[j]!;
    }
    for (let j = 0; j < numeric.length; j++) {
      const v = row[j]!;
      if (v !== v) {
        // Missing: the running mean, which standardizes to 0.
        this.missingImputed++;
        row[j] = 0;
        continue;
      }
      const count = this.count[j]!;
      const mean = this.mean[j]!;
      const sd = standardDeviation(count, this.m2[j]!);
      row[j] = sd > 0 ? (v - mean) / sd : 0;
      if (learn) {
        const n = count + 1;
        const delta = v - mean;
        const newMean = mean + delta / n;
        this.count[j] = n;
        this.mean[j] = newMean;
        this.m2[j] = this.m2[j]! + delta * (v - newMean);
      }
    }
    if (this.sparse.length > 0) for (let j = 0; j < numeric.length; j++) this.sparse[j] = row[j]!;
    if (this.categorical.length > 0) this.encodeCategorical(batch, base, width, learn);
    return y;
  }

  private encodeCategorical(batch: RecordBatch, base: number, width: number, learn: boolean): void {
    const offset = this.numeric.length;
    const dense = this.dense;
    const raw = this.raw;
    const sparse = this.sparse;
    if (dense) this.row.fill(0, offset, this._dim);
    for (let j = 0; j < this.categorical.length; j++) {
      if (this.rawLayout) raw[offset + j] = -1;
      if (sparse.length > 0) {
        sparse[offset + 2 * j] = -1;
        sparse[offset + 2 * j + 1] = 0;
      }
      const c = this.categorical[j]!;
      const value = c < width ? cellText(batch, base + c) : '';
      if (value === '' || isMissing(value)) continue;
      if (this.hashBits !== null) {
        const slot = offset + (hashString(`${j}\u0000${value}`) & (2 ** this.hashBits - 1));
        if (dense) this.row[slot] = 1;
        if (sparse.length > 0) this.pair(j, slot);
        continue;
      }
      let code = this.codes[j]!.get(value);
      if (code === undefined) {
        if (!learn) continue;
        code = this.addCategory(j, value, this._dim++);
      }
      if (this.rawLayout) raw[offset + j] = code;
      if (dense) this.row[this.slotOf[j]![code]!] = 1;
    }
  }

  /** Categorical feature j's pair in the sparse row: `slot` and 1, unless an earlier feature's pair has that slot. */
  private pair(j: number, slot: number): void {
    const sparse = this.sparse;
    const offset = this.numeric.length;
    for (let k = 0; k < j; k++) if (sparse[offset + 2 * k] === slot) return;
    sparse[offset + 2 * j] = slot;
    sparse[offset + 2 * j + 1] = 1;
  }

  /** Gives feature j's new category the next code and the dense slot `slot`; returns the code. */
  private addCategory(j: number, value: string, slot: number): number {
    const code = this.categoryOrder[j]!.length;
    this.codes[j]!.set(value, code);
    this.slotOf[j]!.push(slot);
    this.categoryOrder[j]!.push(value);
    if (code + 1 === MAX_CATEGORIES) this.columnsAtCap++;
    if (this.dense && this._dim > this.row.length) {
      const grown = new Float64Array(Math.max(this.row.length * 2, this._dim));
      grown.set(this.row);
      this.row = grown;
    }
    return code;
  }

  /** Categories of categorical feature j (in the raw layout's order, after the numeric ones) learned so far. */
  categoryCount(j: number): number {
    return this.categoryOrder[j]!.length;
  }

  /**
   * Puts the numeric features of a row kept in their own units (raw's, in the first slots)
   * into the standard units of the statistics as they are now, as a row arriving now is encoded.
   */
  standardize(x: Float64Array): void {
    for (let j = 0; j < this.numeric.length; j++) {
      const sd = standardDeviation(this.count[j]!, this.m2[j]!);
      x[j] = sd > 0 ? (x[j]! - this.mean[j]!) / sd : 0;
    }
  }

  /** The inverse of standardize() with the statistics as they are now. */
  unstandardize(x: Float64Array): void {
    for (let j = 0; j < this.numeric.length; j++) x[j] = this.mean[j]! + standardDeviation(this.count[j]!, this.m2[j]!) * x[j]!;
  }

  /** Numeric features: the first slots of the row. */
  get numericCount(): number {
    return this.numeric.length;
  }

  /**
   * Whether row r could be encoded, learning nothing from it and changing nothing: its issue, or null.
   * For rows that are not learned (held out) but must still fail the run or count as skipped.
   */
  check(batch: RecordBatch, r: number): RowIssue | null {
    const imputed = this.missingImputed;
    const y = this.encode(batch, r, false);
    this.missingImputed = imputed;
    return typeof y === 'number' ? null : y;
  }

  /** The issue when a categorical column already at MAX_CATEGORIES meets another new category. */
  private overCap(batch: RecordBatch, base: number, width: number): RowIssue | null {
    if (this.hashBits !== null) return null;
    for (let j = 0; j < this.categorical.length; j++) {
      const codes = this.codes[j]!;
      if (codes.size < MAX_CATEGORIES) continue;
      const c = this.categorical[j]!;
      const value = c < width ? cellText(batch, base + c) : '';
      if (value === '' || isMissing(value) || codes.has(value)) continue;
      return {
        reason: 'too-many-categories',
        field: this.schema.columns[c]!.name,
        message: `expected at most ${MAX_CATEGORIES} categories for one-hot encoding, found another new one, ${quoteText(value)} (an id or free text? --ignore it, or hash it with --hash-bits 12)`,
        fatal: true,
      };
    }
    return null;
  }

  private target(batch: RecordBatch, base: number, column: number, learn: boolean): Encoded {
    const name = this.targetName;
    const text = column < 0 ? undefined : batch.text[base + column];
    if (this.schema.task === 'regression') {
      let v: number | undefined;
      if (text === null) v = batch.values[base + column]!;
      else if (text === undefined || isMissing(text)) return missingTarget(name, text);
      else v = numberFromText(text, this.decimalComma);
      if (v === undefined || !(v <= MAX_MAGNITUDE && v >= -MAX_MAGNITUDE)) return notANumber(name, text ?? String(v));
      if (learn) {
        const range = this.targetRange;
        if (v < range.low) range.low = v;
        if (v > range.high) range.high = v;
      }
      return v;
    }
    if (text === null) {
      const value = batch.values[base + column]!;
      if (value >= 0 && value < SMALL_LABELS && (value | 0) === value) {
        const small = this.smallClassIndex[value]!;
        if (small >= 0) return small;
      }
      const known = this.numericClassIndex.get(value);
      if (known !== undefined) return known;
      return this.classOf(String(value), learn, value);
    }
    if (text === undefined) return missingTarget(name, text);
    const cached = this.textClassIndex.get(text);
    if (cached !== undefined) return cached;
    if (isMissing(text)) return missingTarget(name, text);
    // " 1" is the class 1, as the schema read it: a number spelled with spaces is still that number.
    const asNumber = numberFromText(text);
    let index: Encoded;
    if (asNumber !== undefined) {
      index = this.numericClassIndex.get(asNumber) ?? this.classOf(String(asNumber), learn, asNumber);
    } else {
      index = this.classOf(text, learn);
    }
    if (typeof index === 'number' && index >= 0 && this.textClassIndex.size < 4 * MAX_CLASSES) this.textClassIndex.set(text, index);
    return index;
  }

  /** The index of a class label, adding it when learning; -1 for a label never learned. */
  private classOf(label: string, learn: boolean, numeric?: number): Encoded {
    let index = this.classIndex.get(label);
    if (index === undefined) {
      if (!learn) return -1;
      if (this.classes.length >= MAX_CLASSES) {
        return {
          reason: 'too-many-classes',
          field: this.schema.columns[this.schema.target]!.name,
          message: `expected at most ${MAX_CLASSES} classes, found another new one, ${quoteText(label)} (an id or a continuous value? --task regression, or another --target)`,
          fatal: true,
        };
      }
      index = this.classes.length;
      this.classes.push(label);
      this.classIndex.set(label, index);
    }
    const asNumber = numeric ?? numberFromText(label);
    if (asNumber !== undefined && String(asNumber) === label) {
      this.numericClassIndex.set(asNumber, index);
      if (asNumber >= 0 && asNumber < SMALL_LABELS && Number.isInteger(asNumber)) this.smallClassIndex[asNumber] = index;
    }
    return index;
  }

  state(): FeaturizerState {
    return {
      hashBits: this.hashBits,
      count: Array.from(this.count),
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
      categories: this.categoryOrder.map((c) => [...c]),
      slots: this.slotOf.map((slots) => [...slots]),
      classes: [...this.classes],
      missingImputed: this.missingImputed,
    };
  }

  /**
   * `decimalComma`: how this run's input writes numbers (an input's property, not the model's);
   * `layouts`: the layouts the learner reads.
   */
  static restore(schema: Schema, state: FeaturizerState, decimalComma = false, layouts?: readonly RowLayout[]): Featurizer {
    const f = new Featurizer({ ...schema, classes: state.classes }, {
      ...(state.hashBits === null ? {} : { hashBits: state.hashBits }),
      decimalComma,
      ...(layouts === undefined ? {} : { layouts }),
    });
    if (state.count.length !== f.count.length || state.categories.length !== f.categorical.length) {
      throw new Error('featurizer state does not match the schema');
    }
    f.count.set(state.count);
    f.mean.set(state.mean);
    f.m2.set(state.m2);
    f.missingImputed = state.missingImputed;
    if (state.hashBits === null) {
      const first = f._dim;
      let total = 0;
      for (const values of state.categories) total += values.length;
      state.categories.forEach((values, j) => {
        values.forEach((value, k) => {
          f.addCategory(j, value, state.slots?.[j]?.[k] ?? f._dim);
          f._dim++;
        });
      });
      // Every slot from the numeric features' end up to dim, each once.
      const used = new Set(f.slotOf.flat());
      if (f._dim !== first + total || used.size !== total || [...used].some((slot) => !Number.isInteger(slot) || slot < first || slot >= f._dim)) {
        throw new Error('featurizer state: the category slots do not match the categories');
      }
      if (f.dense && f._dim > f.row.length) f.row = new Float64Array(f._dim * 2);
    }
    return f;
  }
}

/** The running standard deviation the rows are standardized with: 1 until two values are known. */
/** The sample sd of `count` values whose squared deviations sum to m2; 1 before two values. */
export function standardDeviation(count: number, m2: number): number {
  return count >= 2 ? Math.sqrt(m2 / (count - 1)) : 1;
}

function cellText(batch: RecordBatch, i: number): string {
  const text = batch.text[i];
  return text === null ? String(batch.values[i]) : (text ?? '');
}

function notANumber(field: string, found: string): RowIssue {
  const n = numberFromText(found) ?? (PLAIN_NUMBER.test(found.trim()) ? Infinity : undefined);
  if (n !== undefined) {
    // A number, but one the running statistics cannot hold: 1e400 (not a double) or 1e300.
    return { reason: 'out-of-range', field, message: `expected a number between -1e100 and 1e100, found ${quoteText(found)}` };
  }
  const hint = numberHint(found);
  return { reason: 'not-a-number', field, message: `expected a number, found ${quoteText(found)}${hint === undefined ? '' : ` (${hint})`}` };
}

function missingTarget(field: string, found: string | undefined): RowIssue {
  const what = found === undefined ? 'no value' : found.trim() === '' ? 'an empty cell' : `${quoteText(found)} (a missing value)`;
  return { reason: 'missing-target', field, message: `expected a target value, found ${what}` };
}

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
