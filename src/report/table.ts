/**
 * The human view: a run header on stderr, one table row per epoch on stdout as each epoch ends, and a
 * closing summary (skipped rows with their reasons, imputed values).
 */
import type { ChalkInstance } from 'chalk';
import { UsageError } from '../errors.js';
import type { ComparisonEvent, DriftEvent, EpochEvent, ReportEvent, RunEvent, StartEvent, SummaryEvent } from '../run/events.js';
import { formatBytes, formatCount, formatDuration, formatNumber, styleAccuracy } from './style.js';
import type { Reporter } from './types.js';

/** A drift event as a line: the learner (side by side), the detector, the row (then `where`), the level before and after, the action. */
export function driftLine(e: DriftEvent, where = ''): string {
  const [name, before] = Object.entries(e.before)[0] ?? ['', null];
  const after = e.after[name];
  return `${e.model === undefined ? '' : `${e.model}: `}drift (${e.detector}) at row ${formatCount(e.rows)}${where}: ${name} ${formatNumber(before)} -> ${formatNumber(after)}${e.action === 'reset' ? '; learner reset' : ''}`;
}

/** A table line: the end of an epoch, or a learning-curve point (--report-every). */
type Line = EpochEvent | ReportEvent;

interface Column {
  title: string;
  width: number;
  cell: (e: Line) => string;
  /** Aligned to the left (names). */
  left?: boolean;
  /** Colour for the cell, from the whole event. */
  style?: (text: string, e: Line) => string;
}

/** The catalogue by task (docs/metrics.md); each also as rolling_<name>. AUC exists over the window only. */
const CATALOGUE = {
  classification: ['loss', 'accuracy', 'balanced_accuracy', 'f1_macro', 'kappa', 'kappa_m', 'kappa_t', 'mcc', 'majority_accuracy', 'no_change_accuracy'],
  regression: ['loss', 'mae', 'rmse', 'r2', 'mape'],
} as const;
const ALIASES: Record<string, string> = { f1: 'f1_macro', mse: 'loss', log_loss: 'loss', auc: 'rolling_auc', roc_auc: 'rolling_auc' };

function known(task: 'classification' | 'regression', name: string): boolean {
  if (task === 'classification' && name === 'rolling_auc') return true;
  const base = name.startsWith('rolling_') ? name.slice('rolling_'.length) : name;
  return (CATALOGUE[task] as readonly string[]).includes(base);
}

/** --metrics: the event fields the table shows, aliases resolved; names of neither task's catalogue are refused. */
export function tableMetrics(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = String(raw)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
    .map((s) => ALIASES[s] ?? (s.startsWith('rolling_') && ALIASES[s.slice(8)] ? `rolling_${ALIASES[s.slice(8)]!.replace(/^rolling_/, '')}` : s));
  if (names.length === 0) throw new UsageError('--metrics needs at least one metric name');
  for (const name of names) {
    if (!known('classification', name) && !known('regression', name)) {
      const all = [...new Set([...CATALOGUE.classification, ...CATALOGUE.regression, 'auc'])].join(', ');
      throw new UsageError(`--metrics: unknown metric "${name}"; known: ${all} (each also as rolling_<name>)`);
    }
  }
  return names;
}

/** Metrics where a higher value is better (the others, losses and errors, lower). */
const HIGHER_IS_BETTER = /accuracy|f1|kappa|mcc|auc|r2/;

/** A cell at its column's width: numbers to the right, names to the left. */
function pad(c: Column, text: string): string {
  return c.left === true ? text.padEnd(c.width) : text.padStart(c.width);
}

export class TableReporter implements Reporter {
  private columns: Column[] = [];

  constructor(
    /** Where the table goes; null when another reporter owns stdout (--json). */
    private readonly out: { stream: NodeJS.WritableStream; style: ChalkInstance } | null,
    private readonly err: NodeJS.WritableStream,
    private readonly errStyle: ChalkInstance,
    private readonly quiet: boolean,
    /** --metrics: the metric columns (default: loss and accuracy, or loss, mae and rmse). */
    private readonly metrics?: string[],
  ) {}

  /** A learning-curve point, held until the next event: not printed when the epoch ends on it. */
  private heldReport: ReportEvent | undefined;
  /** Several learners side by side: how many, and the lines of the current epoch or report, printed together ranked. */
  private learners = 1;
  private group: Line[] = [];
  /** The column the lines of several learners are ranked by, and whether higher is better. */
  private rankBy: { name: string; higher: boolean } = { name: 'loss', higher: false };

  on(event: RunEvent): void {
    const held = this.heldReport;
    if (held && event.event !== 'progress') {
      this.heldReport = undefined;
      if (!(event.event === 'epoch' && event.rows === held.rows)) this.line(held);
      // The epoch ends on the report point: the other learners' lines for it go too.
      else this.group = this.group.filter((l) => l.event !== 'report');
    }
    if (event.event === 'start') this.start(event);
    else if (event.event === 'report') this.heldReport = event;
    else if (event.event === 'epoch') this.line(event);
    else if (event.event === 'drift') this.drift(event);
    else if (event.event === 'summary') this.summary(event);
    else if (event.event === 'comparison') this.comparison(event);
    else if (event.event === 'warning') this.err.write(this.errStyle.yellow(`${event.kind === 'buffer-delay' ? 'note' : 'warning'}: ${event.message}`) + '\n');
  }

  close(): void {}

  private start(e: StartEvent): void {
    const s = this.errStyle;
    if (!this.quiet) {
      const schema = e.schema;
      const features = schema.columns.filter((c) => c.role === 'feature');
      const numeric = features.filter((c) => c.type === 'numeric').length;
      const classes = schema.task === 'classification' ? `, classes ${schema.classes.join(' ')}` : '';
      // What the learner reads (category codes: one number per feature); several learners: the one-hot row.
      const inputs = e.models === undefined ? e.learner_features : e.features;
      const lines = [
        `${s.bold('inc-learn train')} ${e.input} ${s.dim(`(${e.format})`)}`,
        `  schema   ${features.length} features (${numeric} numeric, ${features.length - numeric} categorical) → ${inputs} inputs; target ${s.cyan(schema.target)}, ${schema.task}${classes}`,
        ...schema.columns.filter((c) => c.note !== undefined).map((c) => s.yellow(`  ${c.role === 'ignored' ? 'ignored' : 'note   '}  "${c.name}": ${c.note}`)),
        ...(schema.notes ?? []).map((note) => s.yellow(`  note     ${note}`)),
        `  learner  ${e.learner}`,
        `  backend  ${e.backend}`,
        `  sampler  ${e.sampler}`,
        `  run      ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}, prequential${e.holdout > 0 ? `, holdout ${e.holdout}` : ''}, seed ${e.seed}`,
      ];
      if (e.models) {
        lines.splice(lines.findIndex((l) => l.startsWith('  learner')), 3, ...e.models.map((m) => `  learner  ${s.cyan(m.model)}: ${m.learner}, ${m.backend}, sampler ${m.sampler}`));
      }
      if (e.resumed_from !== null) lines.push(`  resumed  from ${e.resumed_from} (${formatCount(e.resumed_rows)} rows before)`);
      this.err.write(lines.join('\n') + '\n');
    }
    const task = e.schema.task;
    const classification = task === 'classification';
    for (const name of this.metrics ?? []) {
      if (!known(task, name)) throw new UsageError(`--metrics: "${name}" is not a ${task} metric; ${task}: ${CATALOGUE[task].join(', ')}${classification ? ', auc' : ''}`);
    }
    const metric = (title: string, pick: (ev: Line) => unknown): Column => ({
      title,
      width: Math.max(9, title.length),
      cell: (ev) => formatNumber(pick(ev) as number | null | undefined),
    });
    const style = this.out?.style;
    // Accuracy is green when it beats both baselines (majority class and no change).
    const accuracy = (title: string, prefix: string): Column => ({
      ...metric(title, (ev) => ev[`${prefix}accuracy`]),
      ...(style ? { style: (text: string, ev: Line) => styleAccuracy(style, text, ev, prefix) } : {}),
    });
    const chosen = this.metrics ?? (classification ? ['loss', 'accuracy'] : ['loss', 'mae', 'rmse']);
    this.learners = e.models?.length ?? 1;
    const several = e.models !== undefined;
    const ranking = chosen.find((name) => HIGHER_IS_BETTER.test(name)) ?? chosen[0] ?? 'loss';
    this.rankBy = { name: ranking, higher: HIGHER_IS_BETTER.test(ranking) };
    this.columns = [
      ...(several ? [{ title: 'model', width: Math.max(5, ...e.models!.map((m) => m.model.length)), cell: (ev: Line) => String(ev.model), left: true }] : []),
      { title: 'epoch', width: 5, cell: (ev) => String(ev.epoch) },
      { title: 'rows', width: 11, cell: (ev) => formatCount(ev.rows) },
      { title: 'trained', width: 11, cell: (ev) => formatCount(ev.trained as number) },
      ...chosen.map((name) => (name === 'accuracy' || name === 'rolling_accuracy' ? accuracy(name, name === 'accuracy' ? '' : 'rolling_') : metric(name, (ev) => ev[name]))),
      ...(e.holdout > 0
        ? [
            metric('val_loss', (ev) => ev.val_loss),
            ...(classification ? [accuracy('val_acc', 'val_')] : [metric('val_mae', (ev) => ev.val_mae), metric('val_rmse', (ev) => ev.val_rmse)]),
          ]
        : []),
      // Several learners: each one's own rows per second and time (its predict and learn), and its model's peak size.
      { title: 'rows/s', width: 10, cell: (ev) => formatCount(several ? (ev.learner_rows_per_sec as number) : ev.rows_per_sec) },
      { title: 'time', width: 8, cell: (ev) => formatDuration(several ? (ev.learner_ms as number) : ev.elapsed_ms) },
      ...(several ? [{ title: 'model mem', width: 9, cell: (ev: Line) => (typeof ev.peak_model_bytes === 'number' ? formatBytes(ev.peak_model_bytes) : '-') }] : []),
    ];
    this.out?.stream.write(this.out.style.bold(this.columns.map((c) => pad(c, c.title)).join('  ')) + '\n');
  }

  /** One table line: an epoch's end, or a learning-curve point (dimmed); several learners' lines together, best first. */
  private line(e: Line): void {
    if (!this.out) return;
    if (this.learners === 1) return this.print(e);
    this.group.push(e);
    if (this.group.length < this.learners) return;
    const { name, higher } = this.rankBy;
    const value = (l: Line): number => (typeof l[name] === 'number' ? (l[name] as number) : higher ? -Infinity : Infinity);
    const ranked = this.group.sort((a, b) => (higher ? value(b) - value(a) : value(a) - value(b)));
    this.group = [];
    for (const l of ranked) this.print(l);
  }

  private print(e: Line): void {
    const cells = this.columns.map((c) => {
      const cell = pad(c, c.cell(e));
      return c.style ? c.style(cell, e) : cell;
    });
    const text = cells.join('  ');
    this.out!.stream.write((e.event === 'report' ? this.out!.style.dim(text) : text) + '\n');
  }

  private summarized = false;

  /** The ranking of several learners over the whole run, one line each, best first. */
  private comparison(e: ComparisonEvent): void {
    if (this.quiet) return;
    const s = this.errStyle;
    const width = Math.max(...e.models.map((m) => m.model.length));
    const lines = [`  ranked by ${e.metric} over the run:`];
    for (const m of e.models) {
      const memory = typeof m.peak_model_bytes === 'number' ? `, model ${formatBytes(m.peak_model_bytes)} at most` : '';
      lines.push(`  ${String(m.rank).padStart(2)}. ${(m.rank === 1 ? s.bold : (t: string) => t)(m.model.padEnd(width))}  ${e.metric} ${formatNumber(m[e.metric] as number | null)}  loss ${formatNumber(m.loss)}  ${formatCount(m.learner_rows_per_sec)} rows/s in ${formatDuration(m.learner_ms)}${memory}`);
    }
    this.err.write(lines.join('\n') + '\n');
  }

  private drift(e: DriftEvent): void {
    if (!this.out) return;
    this.out.stream.write(this.out.style.yellow(driftLine(e, ` of epoch ${e.epoch}`)) + '\n');
  }

  private summary(e: SummaryEvent): void {
    // Several learners read the same rows: the run's summary once, then the ranking (comparison).
    if (e.model !== undefined && this.summarized) return;
    this.summarized = true;
    const s = this.errStyle;
    const parts = [`${formatCount(e.rows)} rows`, `${formatCount(e.trained)} trained`];
    if (e.held_out > 0) parts.push(`${formatCount(e.held_out)} held out`);
    if (e.skipped > 0) parts.push(s.yellow(`${formatCount(e.skipped)} skipped`));
    if (e.missing_imputed > 0) parts.push(`${formatCount(e.missing_imputed)} missing values imputed`);
    const lines = [`${e.interrupted ? s.yellow('interrupted: ') : ''}${parts.join(', ')} in ${formatDuration(e.elapsed_ms)}`];
    if (e.cumulative_rows > e.rows) {
      const metric = e.cumulative_accuracy !== undefined ? `accuracy ${formatNumber(e.cumulative_accuracy)}` : `rmse ${formatNumber(e.cumulative_rmse)}`;
      lines.push(`  cumulative, with the runs before the checkpoint: ${formatCount(e.cumulative_rows)} rows, loss ${formatNumber(e.cumulative_loss)}, ${metric}`);
    }
    if (typeof e.majority_accuracy === 'number' || typeof e.no_change_accuracy === 'number') {
      const baselines = `  baselines: majority class ${formatNumber(e.majority_accuracy as number | null)}, no change ${formatNumber(e.no_change_accuracy as number | null)}`;
      lines.push(e.model !== undefined ? baselines : `${baselines} (accuracy ${formatNumber(e.accuracy)}; kappa_m ${formatNumber(e.kappa_m as number | null)}, kappa_t ${formatNumber(e.kappa_t as number | null)})`);
    }
    if (e.drifts !== undefined) lines.push(`  drifts detected: ${formatCount(e.drifts as number)}`);
    if (e.pool !== undefined) {
      const led = Math.max(1, e.pool.reduce((sum, m) => sum + m.chosen, 0));
      lines.push(`  pool, weight now (rows led): ${e.pool.map((m) => `${m.member} ${m.weight.toFixed(2)} (${((100 * m.chosen) / led).toFixed(0)}%)`).join(', ')}`);
    }
    const memory = memoryLine(e);
    if (memory !== undefined) lines.push(memory);
    if (e.checkpoint !== null) lines.push(`  checkpoint ${e.checkpoint}`);
    if (e.skipped > 0) {
      const reasons = Object.entries(e.skipped_by_reason).map(([reason, n]) => `${reason} ${formatCount(n)}`);
      lines.push(`  skipped by reason: ${reasons.join(', ')}`);
      for (const example of e.skipped_examples) lines.push(s.dim(`  line ${example.line}: ${example.message}`));
    }
    if (!this.quiet || e.skipped > 0 || e.interrupted) this.err.write(lines.join('\n') + '\n');
  }
}

/** The summary's memory line: the model's bytes (one learner; several show theirs in the ranking) and the process's peak resident set. */
function memoryLine(e: SummaryEvent): string | undefined {
  const parts: string[] = [];
  if (e.model === undefined && typeof e.model_bytes === 'number' && typeof e.peak_model_bytes === 'number') {
    parts.push(`model ${formatBytes(e.model_bytes)}${e.peak_model_bytes > e.model_bytes ? ` (${formatBytes(e.peak_model_bytes)} at most)` : ''}`);
  }
  if (typeof e.peak_rss_bytes === 'number') parts.push(`process peak ${formatBytes(e.peak_rss_bytes)} resident${e.model === undefined ? '' : ', every learner'}`);
  return parts.length > 0 ? `  memory: ${parts.join('; ')}` : undefined;
}
