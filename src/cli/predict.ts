/**
 * `inc-learn predict --model DIR <input>`: one line per input row on stdout, in input order, as CSV
 * (a header, then `kept columns..., prediction, p_<class>...`) or JSON lines. Lines are written as
 * each batch of input is handled: on a live stream, as the rows arrive.
 */
import type { Writable } from 'node:stream';
import type { ChalkInstance } from 'chalk';
import type { RecordBatch, RowIssue } from '../io/types.js';
import type { Task } from '../learners/types.js';
import { formatCount, formatDuration, formatNumber } from '../report/style.js';
import type { PredictionSink, PredictStartEvent, PredictSummaryEvent } from '../run/predict.js';

export type OutputFormat = 'csv' | 'jsonl';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A kept cell: its text as written in the input (the aligner puts a number's literal there), null
 * when empty or absent; a number only from a reader that kept no literal.
 */
function cell(batch: RecordBatch, r: number, c: number): string | number | null {
  if (c >= batch.width) return null;
  const i = r * batch.width + c;
  const text = batch.text[i];
  if (text === null) return batch.values[i]!;
  return text === undefined || text === '' ? null : text;
}

/** JSON's number grammar. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A kept cell as a JSON value: a number read from the input is written as it was (its literal, when
 * that is a JSON number: `1.50` stays `1.50`, `1234567890123456789` keeps its digits), any other
 * text as a string (`08123` is "08123"), an empty cell as null.
 */
function jsonCell(batch: RecordBatch, r: number, c: number): string {
  const v = cell(batch, r, c);
  if (typeof v === 'string') {
    const number = batch.values[r * batch.width + c]!;
    return number === number && JSON_NUMBER.test(v) ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** The predicted class: the most probable, ties going to the later class (as the metrics count it). */
function best(p: Float64Array, at: number, outputs: number): number {
  let k = 0;
  for (let j = 1; j < outputs; j++) if (p[at + j]! >= p[at + k]!) k = j;
  return k;
}

export class PredictionWriter implements PredictionSink {
  private buffer = '';
  private task: Task = 'classification';
  private classes: readonly string[] = [];
  private keep: readonly string[] = [];
  /** CSV: the classes that have a probability column (those known when the output started). */
  private columns = 0;

  /** A number as written: rounded to --precision significant digits, else every digit the double has. */
  private readonly round: (x: number) => number;

  constructor(
    private readonly out: Writable,
    private readonly format: OutputFormat,
    /** Significant digits of the numbers written; undefined: the shortest text that gives back the double. */
    precision?: number,
  ) {
    this.round = precision === undefined ? (x) => x : (x) => Number(x.toPrecision(precision));
  }

  begin(info: { task: Task; classes: readonly string[]; keep: readonly string[] }): void {
    this.task = info.task;
    this.classes = info.classes;
    this.keep = info.keep;
    this.columns = info.classes.length;
    if (this.format === 'csv') {
      const probabilities = info.task === 'classification' ? info.classes.map((c) => `p_${c}`) : [];
      this.buffer += [...info.keep, 'prediction', ...probabilities].map(csvField).join(',') + '\n';
    }
  }

  row(batch: RecordBatch, r: number, keepAt: readonly number[], p: Float64Array | null, at: number, outputs: number, issue: RowIssue | null): void {
    if (this.format === 'jsonl') {
      const o: Record<string, unknown> = {};
      if (p === null) {
        o['prediction'] = null;
        o['error'] = issue ? `${issue.reason}: ${issue.field === undefined ? '' : `field "${issue.field}": `}${issue.message}` : 'skipped';
      } else if (this.task === 'regression') {
        o['prediction'] = this.round(p[at]!);
      } else {
        o['prediction'] = this.classes[best(p, at, outputs)] ?? null;
        const n = Math.min(outputs, this.classes.length);
        for (let k = 0; k < n; k++) o[`p_${this.classes[k]!}`] = this.round(p[at + k]!);
      }
      // The kept columns first, written by hand: JSON.stringify cannot write a number's literal.
      let kept = '';
      this.keep.forEach((name, k) => {
        if (!Object.hasOwn(o, name) && this.keep.indexOf(name) === k) kept += `${JSON.stringify(name)}:${jsonCell(batch, r, keepAt[k]!)},`;
      });
      const rest = JSON.stringify(o);
      this.buffer += (kept === '' ? rest : `{${kept}${rest.slice(1)}`) + '\n';
      return;
    }
    let line = '';
    for (const c of keepAt) {
      const v = cell(batch, r, c);
      line += (v === null ? '' : csvField(String(v))) + ',';
    }
    if (this.task === 'regression') {
      line += p === null ? '' : String(this.round(p[at]!));
    } else if (p === null) {
      line += ','.repeat(this.columns);
    } else {
      line += csvField(this.classes[best(p, at, outputs)] ?? '');
      for (let k = 0; k < this.columns; k++) line += ',' + (k < outputs ? String(this.round(p[at + k]!)) : '0');
    }
    this.buffer += line + '\n';
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const text = this.buffer;
    this.buffer = '';
    // A reader that went away (| head, with --learn --save the run goes on to its checkpoint): the rest is dropped.
    if (this.out.destroyed) return;
    if (this.out.write(text) || this.out.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      this.out.on('drain', done).on('close', done).on('error', done);
    });
  }
}

/** The header of predict --learn when it starts a new model: where, which learner, and from what. */
export function describeNewModel(e: PredictStartEvent, style: ChalkInstance): string {
  const classes = e.task === 'classification' && e.classes.length > 0 ? `, classes ${e.classes.join(' ')}` : '';
  return (
    `${style.bold('inc-learn predict --learn')}: a new model in ${e.model} (no model there yet)\n` +
    `  learner  ${e.learner}\n` +
    `  schema   from the first ${formatCount(e.rows_inspected ?? 0)} rows; target ${style.cyan(e.target)}, ${e.task}${classes}\n`
  );
}

/** The closing line on stderr: what was predicted, skipped and learned. */
export function describePredictSummary(e: PredictSummaryEvent, style: ChalkInstance): string {
  const parts = [`${formatCount(e.rows)} rows`, `${formatCount(e.predicted)} predicted`];
  if (e.skipped > 0) parts.push(style.yellow(`${formatCount(e.skipped)} skipped`));
  if (e.unlabeled !== undefined) parts.push(`${formatCount(e.trained ?? 0)} learned`, `${formatCount(e.unlabeled)} without a label`);
  if (e.drifts !== undefined) parts.push(`${formatCount(e.drifts)} drift${e.drifts === 1 ? '' : 's'} detected`);
  const metrics: string[] = [];
  if (e.evaluated !== undefined && e.evaluated > 0) {
    metrics.push(`loss ${formatNumber(e.loss)}`);
    if (e.accuracy !== undefined) metrics.push(`accuracy ${formatNumber(e.accuracy)}`);
    if (e.rmse !== undefined) metrics.push(`mae ${formatNumber(e.mae)}, rmse ${formatNumber(e.rmse)}`);
  }
  const lines = [
    `${e.interrupted ? style.yellow('interrupted: ') : ''}${parts.join(', ')} in ${formatDuration(e.elapsed_ms)}${metrics.length > 0 ? `; prequential ${metrics.join(', ')}` : ''}`,
  ];
  if (e.checkpoint) lines.push(`  checkpoint ${e.checkpoint} (${formatCount(e.cumulative_rows ?? 0)} rows in all)`);
  if (e.skipped > 0) {
    lines.push(`  skipped by reason: ${Object.entries(e.skipped_by_reason).map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ')}`);
    for (const example of e.skipped_examples) lines.push(style.dim(`  line ${example.line}: ${example.message}`));
  }
  return lines.join('\n') + '\n';
}
