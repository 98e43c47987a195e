/**
 * Writing a report: HTML (the whole page) or SVG (the first learning curve) by the file's extension,
 * through a temporary file and a rename, and never over a file that the report did not make.
 */
import { existsSync, openSync, readSync, closeSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { DataError, UsageError } from '../errors.js';
import { RunCollector, type Event } from './runs.js';
import { importDocument } from './document-import.js';
import type { RunEvent } from '../run/events.js';
import type { Reporter } from './types.js';

export type ReportFormat = 'html' | 'svg';

/** Written into every file the report makes, so that a later run knows it may replace it. */
export const MARK = 'made by inc-learn report';

/** The format a report path asks for, refusing a path the report must not overwrite. */
export function reportTarget(flag: string, path: string): ReportFormat {
  const format = /\.svg$/i.test(path) ? 'svg' : /\.html?$/i.test(path) ? 'html' : undefined;
  if (format === undefined) throw new UsageError(`${flag} ${path}: the report is .html (the whole page) or .svg (the learning curve alone)`);
  if (existsSync(path) && !madeByReport(path)) throw new UsageError(`${flag} ${path}: the file exists and was not made by inc-learn report; choose another name or remove it`);
  return format;
}

/** Whether the file's first 4 kB carry the report's mark. */
function madeByReport(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').includes(MARK);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Renders the collected runs and writes them to `path`. */
export async function writeReport(collector: RunCollector, path: string, format: ReportFormat, generator: string): Promise<void> {
  const runs = collector.result();
  if (runs.length === 0) throw new DataError({ source: path }, 'not written: the events hold no start, epoch, report or summary event');
  const { reportHtml, reportSvg } = await importDocument();
  const text = format === 'html' ? await reportHtml(runs, generator) : await reportSvg(runs);
  if (text === '') throw new DataError({ source: path }, 'not written: the events hold no metric to draw (no epoch or report event)');
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** `train --report FILE`: collects the run's events and writes the report when the run ends, however it ends. */
export class ReportWriter implements Reporter {
  private readonly collector = new RunCollector();
  private seen = false;

  constructor(
    private readonly path: string,
    private readonly format: ReportFormat,
    private readonly source: string,
  ) {}

  on(event: RunEvent): void {
    if (event.event === 'progress') return;
    this.seen = true;
    this.collector.add(event as unknown as Event, this.source);
  }

  close(): void {}

  /** Writes the report if the run got as far as its start. */
  async write(generator: string): Promise<void> {
    if (this.seen) await writeReport(this.collector, this.path, this.format, generator);
  }
}
