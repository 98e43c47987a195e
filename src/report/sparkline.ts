/**
 * The learning curve in the terminal: after the summary, one sparkline per learner of its rolling
 * metric (from the `report` events), in Unicode blocks, or plain ASCII where the terminal or
 * --no-color asks for it.
 */
import type { RunEvent } from '../run/events.js';
import { Downsampler } from './downsample.js';
import { formatCount } from './style.js';
import type { Reporter } from './types.js';

const BLOCKS = '▁▂▃▄▅▆▇█';
const ASCII = '_.-:=+*#';

/** The rolling metrics worth a sparkline, in order of preference. */
const METRICS = ['rolling_accuracy', 'rolling_rmse', 'rolling_mae', 'rolling_loss'];

/** `values` as `width` characters (the mean of each column's values), scaled from their min to their max. */
export function sparkline(values: readonly number[], width: number, ascii: boolean): string {
  const levels = ascii ? ASCII : BLOCKS;
  const columns = Math.min(width, values.length);
  if (columns === 0) return '';
  const means: number[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.floor(((c + 1) * values.length) / columns);
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    means.push(sum / (to - from));
  }
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  return means.map((m) => levels[hi === lo ? levels.length - 1 : Math.round(((m - lo) / (hi - lo)) * (levels.length - 1))]).join('');
}

/** Whether the terminal calls for ASCII: --no-color, NO_COLOR, or TERM=dumb. */
export function wantsAscii(color: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return !color || ('NO_COLOR' in env && env.NO_COLOR !== '') || env.TERM === 'dumb';
}

interface Curve {
  metric: string;
  line: Downsampler;
  last: number;
  min: { x: number; y: number };
  max: { x: number; y: number };
}

export class SparklineReporter implements Reporter {
  private readonly curves = new Map<string, Curve>();
  /** The learners whose summary has come (several learners in one run). */
  private readonly summaries = new Set<string>();
  /** Rows of the epochs before the current one, so that x runs across epochs. */
  private offset = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly ascii: boolean,
    private readonly width = 48,
  ) {}

  on(event: RunEvent): void {
    const e = event as unknown as Record<string, unknown>;
    if (e.event === 'epoch' && typeof e.rows === 'number') this.offset += e.rows;
    else if (e.event === 'report') this.report(e);
    else if (e.event === 'summary' && (e.model === undefined || this.isLastSummary(e))) this.print();
  }

  close(): void {}

  private report(e: Record<string, unknown>): void {
    const learner = typeof e.model === 'string' ? e.model : '';
    const metric = METRICS.find((m) => typeof e[m] === 'number');
    if (metric === undefined || typeof e.rows !== 'number') return;
    const y = e[metric] as number;
    const x = this.offset + e.rows;
    let curve = this.curves.get(learner);
    if (curve === undefined) this.curves.set(learner, (curve = { metric, line: new Downsampler(this.width * 4), last: y, min: { x, y }, max: { x, y } }));
    if (curve.metric !== metric) return;
    curve.line.add(x, y);
    curve.last = y;
    if (y < curve.min.y) curve.min = { x, y };
    if (y > curve.max.y) curve.max = { x, y };
  }

  /** With several learners, each sends its summary: print after the last. */
  private isLastSummary(e: Record<string, unknown>): boolean {
    this.summaries.add(String(e.model));
    return [...this.curves.keys()].every((k) => this.summaries.has(k));
  }

  private print(): void {
    if (this.curves.size === 0) return;
    const nameWidth = Math.max(...[...this.curves.keys()].map((k) => k.length));
    const lines = [...this.curves].map(([learner, c]) => {
      const worst = c.metric === 'rolling_accuracy' ? c.min : c.max;
      const values = c.line.points().map((p) => p.y);
      const name = nameWidth > 0 ? `${learner.padEnd(nameWidth)}  ` : '';
      return `  ${c.metric.replace('_', ' ')}  ${name}${sparkline(values, this.width, this.ascii)}  ${c.last.toFixed(4)} (${c.metric === 'rolling_accuracy' ? 'lowest' : 'highest'} ${worst.y.toFixed(4)} at row ${formatCount(worst.x)})`;
    });
    this.out.write(lines.join('\n') + '\n');
  }
}
