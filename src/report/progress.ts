/**
 * A progress bar per epoch on stderr: `epoch k/N`, bytes of the file (or rows for stdin), rows/s,
 * and the live rolling metric (accuracy, or RMSE for regression, over the last --window rows).
 * `label` names a one-pass command's bar (predict, evaluate) instead of the epoch.
 */
import type CliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import type { RunEvent } from '../run/events.js';
import { formatCount, formatNumber } from './style.js';
import type { Reporter } from './types.js';

export class ProgressReporter implements Reporter {
  private bar: CliProgress.SingleBar | undefined;
  /** Loaded with the first bar: runs without a terminal never pay for it. */
  private lib: typeof CliProgress | undefined;
  private epoch = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label?: string,
  ) {}

  on(event: RunEvent): void {
    if (event.event === 'progress') {
      if (!this.bar || event.epoch !== this.epoch) this.open(event.epoch, event.epochs ?? 1, event.total_bytes);
      const rate = event.elapsed_ms > 0 ? Math.round((event.rows * 1000) / event.elapsed_ms) : 0;
      const rolling =
        event.rolling_accuracy !== undefined ? ` | rolling acc ${formatNumber(event.rolling_accuracy)}` : event.rolling_rmse !== undefined ? ` | rolling rmse ${formatNumber(event.rolling_rmse)}` : '';
      const payload = { rows: formatCount(event.rows), rate: formatCount(rate), rolling };
      if (event.total_bytes !== null) this.bar!.update(Math.min(event.bytes, event.total_bytes), payload);
      else this.bar!.update(event.rows, payload);
    } else if (event.event === 'epoch' || event.event === 'summary') {
      this.stop();
    }
  }

  private open(epoch: number, epochs: number, total: number | null): void {
    this.stop();
    this.epoch = epoch;
    const name = this.label ?? `epoch ${epoch}/${epochs}`;
    const format =
      total !== null ? `${name} [{bar}] {percentage}% | {rows} rows | {rate} rows/s{rolling} | {eta_formatted} left` : `${name} {rows} rows | {rate} rows/s{rolling}`;
    const cliProgress = (this.lib ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress);
    this.bar = new cliProgress.SingleBar({ format, stream: this.stream, hideCursor: true, clearOnComplete: true, fps: 10 }, cliProgress.Presets.shades_classic);
    this.bar.start(total ?? 0, 0, { rows: '0', rate: '0', rolling: '' });
  }

  private stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  close(): void {
    this.stop();
  }
}
