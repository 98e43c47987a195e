/**
 * What makes a finished run fail for CI: `--assert 'metric>=x'` conditions (exit 3), and rows that
 * were skipped instead of learned (`--on-error skip` with nothing learned, `--max-skip-rate`: exit 1).
 * They are checked after the results are printed; each failure is one line on stderr.
 */
import { DataError, UsageError } from '../errors.js';
import type { ReportEvent, RunEvent, SummaryEvent } from '../run/events.js';
import { formatCount, formatNumber } from '../report/style.js';
import type { Reporter } from '../report/types.js';

/** `--assert` conditions failed: exit code 3. */
export class AssertionFailed extends Error {
  readonly exitCode = 3;
}

type Op = '>=' | '<=' | '>' | '<';

export interface Assertion {
  text: string;
  metric: string;
  op: Op;
  value: number;
}

const PREFIXES = ['rolling_', 'cumulative_', 'val_'];
const METRICS = new Set([
  'loss',
  'accuracy',
  'balanced_accuracy',
  'f1_macro',
  'kappa',
  'kappa_m',
  'kappa_t',
  'mcc',
  'majority_accuracy',
  'no_change_accuracy',
  'auc',
  'mae',
  'rmse',
  'r2',
  'mape',
]);

/** Parses `--assert` texts such as `accuracy>=0.85` or `rolling_kappa_t > 0`. */
export function parseAssertions(texts: readonly string[]): Assertion[] {
  return texts.map((text) => {
    const m = /^\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*(\S+)\s*$/i.exec(text);
    const value = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(value)) throw new UsageError(`--assert "${text}": expected <metric><op><number>, e.g. 'accuracy>=0.85' (op: >=, <=, >, <)`);
    const metric = m[1]!.toLowerCase();
    const base = PREFIXES.reduce((name, p) => (name.startsWith(p) ? name.slice(p.length) : name), metric);
    if (!METRICS.has(base)) throw new UsageError(`--assert "${text}": unknown metric "${metric}"; known: ${[...METRICS].join(', ')} (also with rolling_, cumulative_, val_)`);
    return { text: text.trim(), metric, op: m[2] as Op, value };
  });
}

function holds(op: Op, actual: number, bound: number): boolean {
  return op === '>=' ? actual >= bound : op === '<=' ? actual <= bound : op === '>' ? actual > bound : actual < bound;
}

/**
 * Watches a run's events: conditions on `rolling_` metrics are checked at every report (the first
 * miss of each is kept), every condition on the summary.
 */
export class AssertionReporter implements Reporter {
  private readonly failures = new Map<string, string>();
  private summary: SummaryEvent | undefined;

  constructor(private readonly assertions: Assertion[]) {}

  on(event: RunEvent): void {
    if (event.event === 'report') this.check(event, ` at row ${formatCount(event.rows)} of epoch ${event.epoch}`, true);
    else if (event.event === 'summary') {
      this.summary = event;
      this.check(event, '', false);
    }
  }

  /** Several learners side by side: every one of them is held to every condition, and a failure names it. */
  private check(event: ReportEvent | SummaryEvent, at: string, rollingOnly: boolean): void {
    const where = event.model === undefined ? at : ` for ${event.model}${at}`;
    for (const a of this.assertions) {
      if (this.failures.has(a.text) || (rollingOnly && !a.metric.startsWith('rolling_'))) continue;
      const actual = event[a.metric];
      if (typeof actual !== 'number') this.failures.set(a.text, `assertion failed: ${a.text}${where}: ${a.metric} is ${actual === undefined ? 'not reported by this run' : 'not defined (null)'}`);
      else if (!holds(a.op, actual, a.value)) this.failures.set(a.text, `assertion failed: ${a.text}${where}: ${a.metric} = ${formatNumber(actual, 6)}`);
    }
  }

  /** Throws the failures, after the run (the results are printed by then). */
  verdict(): void {
    if (this.failures.size === 0 || this.summary?.interrupted) return;
    const lines = this.assertions.flatMap((a) => this.failures.get(a.text) ?? []);
    throw new AssertionFailed([...new Set(lines)].join('\ninc-learn: '));
  }

  close(): void {}
}

/** A finished run that learned nothing, or skipped more than allowed, failed: exit 1. */
export function checkSkips(summary: SummaryEvent | undefined, source: string, maxSkipRate: number | undefined): void {
  if (!summary || summary.interrupted) return;
  const reasons = Object.entries(summary.skipped_by_reason)
    .map(([reason, n]) => `${reason} ${formatCount(n)}`)
    .join(', ');
  if (summary.trained === 0) {
    const why = summary.skipped > 0 ? `${formatCount(summary.skipped)} of ${formatCount(summary.rows)} rows were skipped (${reasons})` : `${formatCount(summary.rows)} rows read`;
    throw new DataError({ source }, `no row was learned: ${why}`, 'nothing-learned');
  }
  if (maxSkipRate !== undefined && summary.rows > 0 && summary.skipped / summary.rows > maxSkipRate) {
    throw new DataError(
      { source },
      `${formatNumber((100 * summary.skipped) / summary.rows, 2)}% of the rows were skipped (${formatCount(summary.skipped)} of ${formatCount(summary.rows)}: ${reasons}), more than --max-skip-rate ${maxSkipRate}`,
      'too-many-skipped',
    );
  }
}
