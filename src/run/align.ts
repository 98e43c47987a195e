/**
 * New data for a saved model: its columns may come in another order, lack ignored columns or carry
 * extra ones. The featurizer reads cells by the positions of the schema it was trained with, so each
 * batch is laid out that way here: the schema's columns first, then any columns kept for the output
 * (`predict --keep`). A batch already in the schema's layout passes through untouched (no copy).
 */
import { DataError } from '../errors.js';
import type { Schema } from '../features/schema.js';
import type { RecordBatch } from '../io/types.js';

export class ColumnAligner {
  /** The schema's column names, in the schema's order. */
  private readonly names: string[];
  /** Per batch width: where each output column comes from (-1: absent), or null when no copy is needed. */
  private readonly maps = new Map<number, Int32Array | null>();
  /** Where the kept columns are in the batches align() returns. */
  readonly keepAt: number[];

  constructor(
    schema: Schema,
    private readonly keep: readonly string[] = [],
  ) {
    this.names = schema.columns.map((c) => c.name);
    this.keepAt = keep.map((_, k) => this.names.length + k);
  }

  /**
   * Checks that the input has every column the model reads. `columns` are the input's names once its
   * first rows were read. The target is required only when `target` says so.
   */
  check(source: string, columns: readonly string[], schema: Schema, checkpoint: string, target: 'required' | 'optional'): void {
    for (const col of schema.columns) {
      if (col.role === 'ignored' || (col.role === 'target' && target === 'optional')) continue;
      if (!columns.includes(col.name)) {
        const what = col.role === 'target' ? 'target column' : 'column';
        throw new DataError({ source }, `no ${what} "${col.name}", which the model in ${checkpoint} was trained with; the columns are: ${columns.join(', ')}`, 'unknown-column');
      }
    }
    for (const name of this.keep) {
      if (!columns.includes(name)) throw new DataError({ source }, `--keep: no column "${name}"; the columns are: ${columns.join(', ')}`, 'unknown-column');
    }
  }

  /** The batch in the schema's layout (kept columns after it). `columns` are the input's names now. */
  align(batch: RecordBatch, columns: readonly string[]): RecordBatch {
    let map = this.maps.get(batch.width);
    if (map === undefined) {
      map = this.mapFor(columns.slice(0, batch.width));
      this.maps.set(batch.width, map);
    }
    if (map === null) return batch;
    const width = map.length;
    const rows = batch.rows;
    const values = new Float64Array(rows * width);
    const text: (string | null)[] = new Array<string | null>(rows * width);
    // Kept columns come after the schema's: a number there is copied as its text as written.
    const kept = this.names.length;
    const literal = batch.literal;
    for (let r = 0; r < rows; r++) {
      const from = r * batch.width;
      const to = r * width;
      for (let c = 0; c < width; c++) {
        const src = map[c]!;
        if (src < 0) {
          values[to + c] = NaN;
          text[to + c] = '';
        } else {
          values[to + c] = batch.values[from + src]!;
          text[to + c] = (c >= kept ? literal?.[from + src] : null) ?? batch.text[from + src]!;
        }
      }
    }
    return { rows, width, values, text, line: batch.line, issues: batch.issues };
  }

  private mapFor(columns: readonly string[]): Int32Array | null {
    const names = [...this.names, ...this.keep];
    const map = Int32Array.from(names, (name) => columns.indexOf(name));
    // The schema's own layout, nothing to add: the featurizer can read the batch as it is.
    const identity = this.keep.length === 0 && this.names.every((name, i) => (i < columns.length ? columns[i] === name : map[i] === -1));
    return identity ? null : map;
  }
}
