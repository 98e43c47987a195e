/**
 * The human view: a run header on stderr, one table row per epoch on stdout as each epoch ends, and a
 * closing summary (skipped rows with their reasons, imputed values).
 */
import type { ChalkInstance } from 'chalk';
import type { EpochEvent, RunEvent, StartEvent, SummaryEvent } from '../run/events.js';
import { formatCount, formatDuration, formatNumber, styleAccuracy } from './style.js';
import type { Reporter } from './types.js';

interface Column {
  title: string;
  width: number;
  cell: (e: EpochEvent) => string;
  /** Colour for the cell, from the whole event. */
  style?: (text: string, e: EpochEvent) => string;
}

export class TableReporter implements Reporter {
  private columns: Column[] = [];

  constructor(
    /** Where the table goes; null when another reporter owns stdout (--json). */
    private readonly out: { stream: NodeJS.WritableStream; style: ChalkInstance } | null,
    private readonly err: NodeJS.WritableStream,
    private readonly errStyle: ChalkInstance,
    private readonly quiet: boolean,
  ) {}

  on(event: RunEvent): void {
    if (event.event === 'start') this.start(event);
    else if (event.event === 'epoch') this.epoch(event);
    else if (event.event === 'summary') this.summary(event);
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
      const lines = [
        `${s.bold('inc-learn train')} ${e.input} ${s.dim(`(${e.format})`)}`,
        `  schema   ${features.length} features (${numeric} numeric, ${features.length - numeric} categorical) → ${e.features} inputs; target ${s.cyan(schema.target)}, ${schema.task}${classes}`,
        ...schema.columns.filter((c) => c.note !== undefined).map((c) => s.yellow(`  ${c.role === 'ignored' ? 'ignored' : 'note   '}  "${c.name}": ${c.note}`)),
        ...(schema.notes ?? []).map((note) => s.yellow(`  note     ${note}`)),
        `  learner  ${e.learner}`,
        `  backend  ${e.backend}`,
        `  sampler  ${e.sampler}`,
        `  run      ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}, prequential${e.holdout > 0 ? `, holdout ${e.holdout}` : ''}, seed ${e.seed}`,
      ];
      if (e.resumed_from !== null) lines.push(`  resumed  from ${e.resumed_from} (${formatCount(e.resumed_rows)} rows before)`);
      this.err.write(lines.join('\n') + '\n');
    }
    const classification = e.schema.task === 'classification';
    const metric = (title: string, pick: (ev: EpochEvent) => number | null | undefined): Column => ({ title, width: 9, cell: (ev) => formatNumber(pick(ev)) });
    const style = this.out?.style;
    const accuracy = (title: string, prefix: string): Column => ({
      ...metric(title, (ev) => (prefix === '' ? ev.accuracy : ev.val_accuracy)),
      ...(style ? { style: (text: string, ev: EpochEvent) => styleAccuracy(style, text, ev, prefix) } : {}),
    });
    this.columns = [
      { title: 'epoch', width: 5, cell: (ev) => String(ev.epoch) },
      { title: 'rows', width: 11, cell: (ev) => formatCount(ev.rows) },
      { title: 'trained', width: 11, cell: (ev) => formatCount(ev.trained) },
      metric('loss', (ev) => ev.loss),
      ...(classification ? [accuracy('accuracy', '')] : [metric('mae', (ev) => ev.mae), metric('rmse', (ev) => ev.rmse)]),
      ...(e.holdout > 0
        ? [
            metric('val_loss', (ev) => ev.val_loss),
            ...(classification ? [accuracy('val_acc', 'val_')] : [metric('val_mae', (ev) => ev.val_mae), metric('val_rmse', (ev) => ev.val_rmse)]),
          ]
        : []),
      { title: 'rows/s', width: 10, cell: (ev) => formatCount(ev.rows_per_sec) },
      { title: 'time', width: 8, cell: (ev) => formatDuration(ev.elapsed_ms) },
    ];
    this.out?.stream.write(this.out.style.bold(this.columns.map((c) => c.title.padStart(c.width)).join('  ')) + '\n');
  }

  private epoch(e: EpochEvent): void {
    if (!this.out) return;
    const cells = this.columns.map((c) => {
      const cell = c.cell(e).padStart(c.width);
      return c.style ? c.style(cell, e) : cell;
    });
    this.out.stream.write(cells.join('  ') + '\n');
  }

  private summary(e: SummaryEvent): void {
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
    if (e.checkpoint !== null) lines.push(`  checkpoint ${e.checkpoint}`);
    if (e.skipped > 0) {
      const reasons = Object.entries(e.skipped_by_reason).map(([reason, n]) => `${reason} ${formatCount(n)}`);
      lines.push(`  skipped by reason: ${reasons.join(', ')}`);
      for (const example of e.skipped_examples) lines.push(s.dim(`  line ${example.line}: ${example.message}`));
    }
    if (!this.quiet || e.skipped > 0 || e.interrupted) this.err.write(lines.join('\n') + '\n');
  }
}
