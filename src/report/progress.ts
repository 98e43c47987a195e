/**
 * A progress bar per epoch on stderr: bytes of the file, or rows and rows/s for stdin. `label`
 * names a one-pass command's bar (predict, evaluate) instead of the epoch.
 */
import type CliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import type { RunEvent } from '../run/events.js';
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
      if (!this.bar || event.epoch !== this.epoch) this.open(event.epoch, event.total_bytes);
      const rate = event.elapsed_ms > 0 ? Math.round((event.rows * 1000) / event.elapsed_ms) : 0;
      if (event.total_bytes !== null) this.bar!.update(Math.min(event.bytes, event.total_bytes), { rows: event.rows, rate });
      else this.bar!.update(event.rows, { rows: event.rows, rate });
    } else if (event.event === 'epoch' || event.event === 'summary') {
      this.stop();
    }
  }

  private open(epoch: number, total: number | null): void {
    this.stop();
    this.epoch = epoch;
    const name = this.label ?? `epoch ${epoch}`;
    const format =
      total !== null ? `${name} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | {eta_formatted} left` : `${name} {rows} rows | {rate} rows/s`;
    const cliProgress = (this.lib ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress);
    this.bar = new cliProgress.SingleBar({ format, stream: this.stream, hideCursor: true, clearOnComplete: true, fps: 10 }, cliProgress.Presets.shades_classic);
    this.bar.start(total ?? 0, 0, { rows: 0, rate: 0 });
  }

  private stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  close(): void {
    this.stop();
  }
}
