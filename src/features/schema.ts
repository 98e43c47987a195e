/**
 * Schema inference: from the first rows, each column is numeric or categorical; one is the target,
 * and the target's values decide the task unless the user set it.
 */
import { DataError, UsageError } from '../errors.js';
import { showDelimiter } from '../io/delimiter.js';
import type { RecordBatch } from '../io/types.js';
import type { Task } from '../learners/types.js';
import { isMissing } from './missing.js';

export type ColumnKind = 'numeric' | 'categorical';
export type ColumnRole = 'feature' | 'target' | 'ignored';

export interface ColumnInfo {
  name: string;
  /** Position in the records. */
  index: number;
  kind: ColumnKind;
  role: ColumnRole;
  /** Why inference chose this role, when it was not the obvious one. */
  note?: string;
}

export interface Schema {
  columns: ColumnInfo[];
  /** Index into columns of the target. */
  target: number;
  task: Task;
  /** Class labels seen while inferring, in order of first appearance (classification). */
  classes: string[];
  /** How many rows the inference looked at. */
  rowsInspected: number;
  /** Notes about the input as a whole (not one column), for the run header and inspect. */
  notes?: string[];
}

export interface SchemaOptions {
  target?: string;
  task?: Task;
  features?: string[];
  ignore?: string[];
  /** Rows to look at, at most (default: every row given). */
  inferRows?: number;
}

/** What the reader knows about the columns beyond their names. */
export interface ColumnOrigins {
  /** Columns whose header name was empty and got a generated one. */
  unnamed?: readonly number[];
  /** The input is JSON lines: a text starting with '{' or '[' is a nested object or array (its JSON text). */
  jsonl?: boolean;
  /** The names come from the input's own header line (CSV without --no-header or --columns). */
  header?: boolean;
  /** CSV: the delimiter sniffed from the first lines, when --delimiter was not given and it is not ','. */
  delimiter?: string;
  /** --decimal ,: "1,5" is the number 1.5. */
  decimalComma?: boolean;
}

const TARGET_NAMES = ['label', 'class', 'target', 'y'];
/** A text column whose values never repeat over at least this many rows is left out (an id, a timestamp). */
const MIN_ROWS_FOR_UNIQUE = 20;
/** A column counting the rows (0, 1, 2, ... or 1, 2, 3, ...) over at least this many rows is a row index; any count when it has no name. */
const MIN_ROWS_FOR_INDEX = 20;
/** A numeric target with at most this many distinct integer values is taken as class labels. */
const MAX_INFERRED_CLASSES = 20;
/**
 * Classification learns at most this many classes: every class costs a row of weights and is grown
 * into the model one at a time, so a target with a new value in every row (an id) would make each
 * row slower than the last. Past it, the run stops with an error that suggests what was meant.
 */
export const MAX_CLASSES = 1000;
/** A column with at least this many distinct numbers is a measurement... */
const MEASUREMENT_DISTINCT = 20;
/** ...and stays numeric when at most this share of its values is text. */
const STRAY_TEXT_SHARE = 0.05;

export function inferSchema(
  source: string,
  columns: readonly string[],
  batches: readonly RecordBatch[],
  opts: SchemaOptions,
  origins: ColumnOrigins = {},
): Schema {
  if (columns.length === 0) throw new DataError({ source }, 'no columns found');
  const unnamedSet = new Set(origins.unnamed ?? []);
  const lower = columns.map((c) => c.toLowerCase());
  let target: number;
  if (opts.target !== undefined) {
    target = columns.indexOf(opts.target);
    if (target < 0) throw new DataError({ source }, `--target "${opts.target}" is not a column${sameButCase(opts.target, columns)}; the columns are: ${columns.join(', ')}`, 'unknown-column');
  } else {
    const named = TARGET_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0);
    target = named ?? columns.length - 1;
  }
  for (const [flag, list] of [['--features', opts.features], ['--ignore', opts.ignore]] as const) {
    for (const name of list ?? []) {
      if (!columns.includes(name)) throw new DataError({ source }, `${flag}: column "${name}" does not exist${sameButCase(name, columns)}; the columns are: ${columns.join(', ')}`, 'unknown-column');
    }
  }
  const targetName = columns[target]!;
  if (opts.ignore?.includes(targetName)) {
    throw new UsageError(`--ignore names the target column "${targetName}"; choose the target with --target, or do not ignore it`);
  }
  if (opts.features?.includes(targetName)) {
    throw new UsageError(`--features names the target column "${targetName}"; the target is never a feature (choose another with --target)`);
  }

  const numbers = new Array<number>(columns.length).fill(0);
  const texts = new Array<number>(columns.length).fill(0);
  const distinct = columns.map(() => new Set<number>());
  const distinctTexts = columns.map(() => new Set<string>());
  const classes: string[] = [];
  const seenClasses = new Set<string>();
  let targetIntegral = true;
  let rowsInspected = 0;
  // A row index: every value is the row's ordinal (bad rows counted too) plus 0 or 1.
  const indexStart = new Array<number | undefined>(columns.length).fill(undefined);
  const indexLike = new Array<boolean>(columns.length).fill(true);
  const nested = new Array<boolean>(columns.length).fill(false);
  /** Per column, the first cell that looks like a number but is not read as one ("1,5"), with why. */
  const unreadable = new Array<{ text: string; hint: string } | undefined>(columns.length).fill(undefined);
  let ordinal = -1;
  const limit = opts.inferRows ?? Infinity;
  for (const batch of batches) {
    for (let r = 0; r < batch.rows && rowsInspected < limit; r++) {
      ordinal++;
      if (batch.issues?.[r]) continue;
      rowsInspected++;
      for (let c = 0; c < columns.length; c++) {
        const cell = cellAt(batch, r, c, origins.decimalComma === true);
        if (cell === undefined && unreadable[c] === undefined) unreadable[c] = unreadableNumber(batch, r, c);
        if (indexLike[c]) {
          if (typeof cell !== 'number') indexLike[c] = false;
          else if (indexStart[c] === undefined) {
            const start = cell - ordinal;
            if (start === 0 || start === 1) indexStart[c] = start;
            else indexLike[c] = false;
          } else if (cell !== indexStart[c]! + ordinal) indexLike[c] = false;
        }
        if (cell === undefined) continue;
        if (typeof cell === 'string') {
          texts[c]!++;
          distinctTexts[c]!.add(cell);
          if (origins.jsonl === true && (cell.charCodeAt(0) === 0x7b || cell.charCodeAt(0) === 0x5b)) nested[c] = true;
        } else {
          numbers[c]!++;
          if (distinct[c]!.size < MEASUREMENT_DISTINCT) distinct[c]!.add(cell);
          if (c === target && !Number.isInteger(cell)) targetIntegral = false;
        }
        if (c === target) {
          const label = typeof cell === 'string' ? cell : String(cell);
          if (!seenClasses.has(label)) {
            seenClasses.add(label);
            classes.push(label);
          }
        }
      }
    }
  }
  // A column of such cells only (decimal commas, thousands separators) would fail on every row in
  // training: say so now, the same way, so that inspect and train agree.
  const unreadableColumn = columns.findIndex((_, c) => unreadable[c] !== undefined && numbers[c] === 0 && texts[c] === 0);
  if (unreadableColumn >= 0) {
    const { text, hint } = unreadable[unreadableColumn]!;
    const decimal = /^[+-]?\d*,\d+$/.test(text.trim()) && origins.decimalComma !== true ? '; give --decimal , when the comma is the decimal mark' : '';
    throw new DataError({ source, field: columns[unreadableColumn]! }, `expected numbers, found ${JSON.stringify(text)} (${hint})${decimal}`, 'not-a-number');
  }
  // Numeric when every value is a number; also when a few stray texts ("oops", "unknown") sit among
  // many distinct numbers, a measurement: those rows are then reported (or skipped) when encoded,
  // instead of the whole column silently turning into one category per number.
  const numeric = columns.map(
    (_, c) => texts[c] === 0 || (distinct[c]!.size >= MEASUREMENT_DISTINCT && texts[c]! <= STRAY_TEXT_SHARE * (texts[c]! + numbers[c]!)),
  );
  if (nested[target]) {
    throw new DataError(
      { source, field: columns[target]! },
      `expected numbers or text in the target column, found JSON objects or arrays (choose another with --target)`,
      'nested-value',
    );
  }
  if (rowsInspected > 0 && seenClasses.size === 0) {
    throw new DataError(
      { source, field: columns[target]! },
      `expected target values, found none in the first ${rowsInspected} rows (the column is empty or missing; another --target, or more --infer-rows?)`,
      'missing-target',
    );
  }
  const inferredTask: Task =
    !numeric[target] || (targetIntegral && seenClasses.size <= MAX_INFERRED_CLASSES) ? 'classification' : 'regression';
  const task = opts.task ?? inferredTask;
  if (task === 'regression' && !numeric[target]) {
    throw new UsageError(`--task regression: target column "${columns[target]}" is not numeric`);
  }
  // Text that never repeats (an id, a timestamp) would get one one-hot slot per row and teach nothing.
  const unique = (c: number): boolean => !numeric[c] && numbers[c] === 0 && texts[c]! >= MIN_ROWS_FOR_UNIQUE && distinctTexts[c]!.size === texts[c];
  // The row numbers (pandas' and R's row index): a feature that only grows, and teaches the order of the file.
  const rowIndex = (c: number): boolean =>
    numeric[c]! && indexLike[c]! && indexStart[c] !== undefined && rowsInspected >= (unnamedSet.has(c) ? 2 : MIN_ROWS_FOR_INDEX);
  const infos: ColumnInfo[] = columns.map((name, index) => {
    const kind: ColumnKind = numeric[index] ? 'numeric' : 'categorical';
    const unnamedNote = unnamedSet.has(index) ? `no name in the header, named "${name}"` : undefined;
    const withNote = (info: ColumnInfo, note?: string): ColumnInfo => {
      const text = [unnamedNote, note].filter((t) => t !== undefined).join('; ');
      return text === '' ? info : { ...info, note: text };
    };
    if (index === target) return withNote({ name, index, kind, role: 'target' });
    if (opts.ignore?.includes(name) || (opts.features !== undefined && !opts.features.includes(name))) return withNote({ name, index, kind, role: 'ignored' });
    if (opts.features === undefined && nested[index] && !numeric[index]) {
      return withNote({ name, index, kind, role: 'ignored' }, 'JSON objects or arrays: name it in --features to use each value\'s JSON text as a category');
    }
    if (opts.features === undefined && rowIndex(index)) {
      const from = indexStart[index]!;
      return withNote({ name, index, kind, role: 'ignored' }, `the row number (${from}, ${from + 1}, ${from + 2}, ...), a row index like pandas' or R's: name it in --features to use it`);
    }
    if (opts.features === undefined && unique(index)) {
      return withNote({ name, index, kind, role: 'ignored' }, 'every value distinct, like an id or a timestamp: name it in --features to use it');
    }
    return withNote({ name, index, kind, role: 'feature' });
  });
  if (!infos.some((c) => c.role === 'feature')) {
    const left = infos.find((c) => c.role === 'ignored' && c.note !== undefined && !opts.ignore?.includes(c.name));
    if (left !== undefined) throw new DataError({ source }, `no feature columns left: "${left.name}" is left out (${left.note})`, 'no-features');
    if (columns.length === 1) {
      throw new DataError({ source }, `found a single column, ${quoteName(columns[0]!)}, which is the target: no feature columns (another --delimiter?)`, 'no-features');
    }
    throw new UsageError('no feature columns left: check --features and --ignore');
  }
  if (task === 'classification' && classes.length > MAX_CLASSES) {
    throw new DataError(
      { source, field: columns[target]! },
      `expected at most ${MAX_CLASSES} classes, found ${classes.length} distinct values in the first ${rowsInspected} rows (an id or a continuous value? --task regression, or another --target)`,
      'too-many-classes',
    );
  }
  const notes: string[] = [];
  if (origins.delimiter !== undefined) {
    notes.push(`delimiter "${showDelimiter(origins.delimiter)}" sniffed from the first lines, which do not split on commas (--delimiter to choose one)`);
  }
  if (origins.header === true && columns.every((c) => numberFromText(c) !== undefined)) {
    notes.push(`every header name is a number (${columns.slice(0, 3).join(', ')}${columns.length > 3 ? ', ...' : ''}): if the first line is data, give --no-header`);
  }
  return { columns: infos, target, task, classes: task === 'classification' ? sortLabels(classes) : [], rowsInspected, ...(notes.length > 0 ? { notes } : {}) };
}

/** A column name in a message, cut short when long (a whole unsplit header line). */
function quoteName(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name);
}

/** `; did you mean "class"?` when a column differs from `name` only in case, else nothing. */
function sameButCase(name: string, columns: readonly string[]): string {
  const match = columns.find((c) => c.toLowerCase() === name.toLowerCase());
  return match === undefined ? '' : `; did you mean "${match}"? (names are case-sensitive)`;
}

/** Labels in natural order (numeric labels by value), so that class indices do not depend on which came first. */
function sortLabels(labels: string[]): string[] {
  const numbers = labels.map((l) => numberFromText(l));
  if (numbers.every((n) => n !== undefined)) return labels.map((l, i) => [l, numbers[i]!] as const).sort((a, b) => a[1] - b[1]).map(([l]) => l);
  return [...labels].sort();
}

/** The cell as a finite number, a non-missing string, or undefined when missing. */
function cellAt(batch: RecordBatch, r: number, c: number, decimalComma: boolean): number | string | undefined {
  if (c >= batch.width) return undefined;
  const i = r * batch.width + c;
  const text = batch.text[i];
  if (text === null || text === undefined) {
    const value = batch.values[i]!;
    return Number.isFinite(value) ? value : undefined;
  }
  if (isMissing(text)) return undefined;
  const n = numberFromText(text, decimalComma);
  if (n !== undefined) return n;
  // Meant as a number but unusable ("1,5", "1e400", "Infinity"): no evidence either way, so a numeric
  // column stays numeric and the row is reported when it is encoded, rather than the column silently
  // turning categorical.
  return numberHint(text) === undefined && !PLAIN.test(text.trim()) ? text : undefined;
}

/** The text of a cell and why it is not read as a number, when it looks like one. */
function unreadableNumber(batch: RecordBatch, r: number, c: number): { text: string; hint: string } | undefined {
  const text = c < batch.width ? batch.text[r * batch.width + c] : undefined;
  if (text === null || text === undefined || isMissing(text)) return undefined;
  const hint = numberHint(text);
  return hint === undefined ? undefined : { text, hint };
}

/**
 * Why a text that looks like a number is not read as one, for the message; undefined when it does
 * not look like a number at all. Such text never makes a column categorical.
 */
export function numberHint(text: string): string | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return 'infinite values are not allowed';
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) {
    const plain = t.replace(/,/g, '');
    return /^[+-]?\d{1,3},\d{3}$/.test(t)
      ? `thousands separator or decimal comma? write ${plain} or ${t.replace(',', '.')}`
      : `thousands separators? write ${plain}`;
  }
  if (/^[+-]?(\d*,\d+|\d{1,3}(\.\d{3})+,\d+)([eE][+-]?\d+)?$/.test(t)) return `decimal comma? write ${t.replace(/\./g, '').replace(',', '.')}`;
  return undefined;
}

const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A number with a decimal comma (--decimal ,): one comma, no thousands separators. */
const DECIMAL_COMMA = /^[+-]?\d*,\d+([eE][+-]?\d+)?$/;

/**
 * Text the reader did not take as a plain number that still reads as one (" 3", "1e400" stays out).
 * With `decimalComma`, "1,5" is 1.5 too.
 */
export function numberFromText(text: string, decimalComma = false): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let plain = trimmed;
  if (!PLAIN.test(trimmed)) {
    if (!decimalComma || !DECIMAL_COMMA.test(trimmed)) return undefined;
    plain = trimmed.replace(',', '.');
  }
  const n = Number(plain);
  return Number.isFinite(n) ? n : undefined;
}

/** A one-line summary for the run header. */
export function describeSchema(schema: Schema): string {
  const features = schema.columns.filter((c) => c.role === 'feature');
  const numeric = features.filter((c) => c.kind === 'numeric').length;
  const target = schema.columns[schema.target]!;
  const classes = schema.task === 'classification' ? `, ${schema.classes.length} classes seen` : '';
  return `${features.length} features (${numeric} numeric, ${features.length - numeric} categorical), target "${target.name}", ${schema.task}${classes}`;
}
