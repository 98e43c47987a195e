/**
 * The learning-curve charts: a Vega-Lite specification per metric (one line per learner, epochs and
 * drifts as vertical rules), compiled by vega-lite and drawn to SVG by Vega's headless view, in
 * Node: no browser, no canvas, no network. The SVG is inlined in the HTML report or written alone.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { curvesOf, type Run } from './runs.js';
import { formatCount } from './style.js';

/** Okabe & Ito's colour-blind-safe palette (without its yellow, too pale on white). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** The metrics we know, in chart order; any other numeric field is charted after them. */
/** Axis titles, with units. */
const METRICS: Record<string, string> = {
  accuracy: 'accuracy (fraction)',
  loss: 'log loss (nats/row)',
  balanced_accuracy: 'balanced accuracy (0-1)',
  f1_macro: 'macro F1 (0-1)',
  kappa: "Cohen's kappa (-1 to 1)",
  kappa_m: 'kappa-M (≤ 1)',
  kappa_t: 'kappa-T (≤ 1)',
  mcc: 'MCC (-1 to 1)',
  auc: 'ROC AUC (0-1)',
  mae: 'MAE (target units)',
  rmse: 'RMSE (target units)',
  mse: 'MSE (target units²)',
  r2: 'R² (fraction explained)',
  mape: 'MAPE (fraction of |y|)',
  majority_accuracy: 'majority baseline (fraction right)',
  no_change_accuracy: 'no-change baseline (fraction right)',
  val_loss: 'holdout log loss (nats/row)',
  val_accuracy: 'holdout accuracy (fraction right)',
  val_mae: 'holdout MAE (target units)',
  val_rmse: 'holdout RMSE (target units)',
};

/** Regression's loss is the mean squared error. */
const REGRESSION_LOSS: Record<string, string> = {
  loss: 'MSE (target units²)',
  val_loss: 'holdout MSE (target units²)',
};

/** A metric's axis title, with its unit (a metric we do not know: its name). */
export function axisTitle(name: string, task?: unknown): string {
  const base = name.replace(/^(rolling_|cumulative_)/, '');
  return (task === 'regression' ? REGRESSION_LOSS[base] : undefined) ?? METRICS[base] ?? base.replace(/_/g, ' ');
}

/** A metric's rank in chart order: known metrics first (rolling before cumulative), then the rest by name. */
function rank(name: string, task: unknown): number {
  const base = name.replace(/^rolling_/, '');
  const known = Object.keys(METRICS).indexOf(base);
  // Regression leads with the RMSE, in the target's own units, as the terminal's sparkline does.
  const position = task === 'regression' && base === 'rmse' ? -1 : known < 0 ? 1000 : known;
  return position * 2 + (name.startsWith('rolling_') ? 0 : 1);
}

export interface ChartPlan {
  metric: string;
  title: string;
  /** What the chart's lines are: 'rolling' over the window, 'cumulative' since the start, 'per epoch'. */
  kind: string;
}

/** The rolling window's length, when the start events give it and agree. */
function windowOf(runs: Run[]): number | undefined {
  const windows = new Set(runs.map((r) => r.start?.window));
  const w = windows.size === 1 ? [...windows][0] : undefined;
  return typeof w === 'number' ? w : undefined;
}

/** The charts a set of runs calls for: every metric some learner has a curve of, in chart order. */
export function chartPlans(runs: Run[]): ChartPlan[] {
  const task = taskOf(runs);
  const metrics = new Set<string>();
  for (const run of runs) for (const name of curvesOf(run).keys()) metrics.add(name);
  const perEpoch = runs.every((r) => r.curves.size === 0);
  const window = windowOf(runs);
  const rolling = window === undefined ? 'rolling' : `rolling, last ${formatCount(window)} rows`;
  return [...metrics]
    .sort((a, b) => rank(a, task) - rank(b, task) || a.localeCompare(b))
    .map((metric) => ({
      metric,
      title: axisTitle(metric, task).replace(/ \(.*$/, ''),
      kind: perEpoch ? 'per epoch' : metric.startsWith('rolling_') ? rolling : 'cumulative',
    }));
}

/** The runs' task, when their start events say and agree. */
export function taskOf(runs: Run[]): unknown {
  const tasks = new Set(runs.map((r) => (r.start?.schema as { task?: unknown } | undefined)?.task));
  return tasks.size === 1 ? [...tasks][0] : undefined;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
}

/** The chart's title: the metric and what its lines are. */
function chartTitle(plan: ChartPlan, options: ChartOptions): string {
  return options.title ?? `${plan.title} (${plan.kind})`;
}

/** The points of a chart's lines, every learner's. */
function chartPoints(runs: Run[], plan: ChartPlan): { learner: string; x: number; y: number }[] {
  return runs.flatMap((run) => (curvesOf(run).get(plan.metric)?.points() ?? []).map((p) => ({ learner: run.name, x: p.x, y: p.y })));
}

/** Every learner in its palette colour, named in a legend below the chart. */
function learnerColor(names: string[], labelLimit: number) {
  return { field: 'learner', type: 'nominal' as const, scale: { domain: names, range: PALETTE }, legend: { orient: 'bottom' as const, title: null, labelLimit, columns: 1 } };
}

const CONFIG = { font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif', view: { stroke: '#dddddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } };

/** The Vega-Lite specification of one chart. */
export function chartSpec(runs: Run[], plan: ChartPlan, options: ChartOptions = {}): TopLevelSpec {
  const names = runs.map((r) => r.name);
  const points = chartPoints(runs, plan);
  const drifts = runs.flatMap((run) => run.drifts.map((d) => ({ learner: run.name, x: d.x, detector: d.detector })));
  // Epoch boundaries are the same for every learner of a run: one rule each.
  const epochs = [...new Map(runs.flatMap((run) => run.epochStarts.map((e) => [e.x, e] as const))).values()].map((e) => ({ x: e.x, label: `epoch ${e.epoch}` }));
  const perEpoch = plan.kind === 'per epoch';
  const color = learnerColor(names, 600);
  const x = { field: 'x', type: 'quantitative' as const, title: 'rows seen (count)', axis: { format: '~s', grid: false }, scale: { nice: false } };
  const notes = [drifts.length > 0 ? 'dashed: drift detected' : '', epochs.length > 0 ? 'grey: epoch starts' : ''].filter(Boolean).join('; ');
  const layers: unknown[] = [
    {
      data: { values: points },
      mark: { type: 'line', aria: false, strokeWidth: 1.5, point: perEpoch ? { aria: false } : false, clip: true, invalid: null },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: axisTitle(plan.metric, taskOf(runs)), scale: { zero: false }, axis: { titleLimit: (options.height ?? 240) + 40 } }, color },
    },
  ];
  if (epochs.length > 0) {
    layers.push({ data: { values: epochs }, mark: { type: 'rule', aria: false, color: '#999999', strokeWidth: 1 }, encoding: { x: { field: 'x', type: 'quantitative' } } });
    layers.push({
      data: { values: epochs },
      mark: { type: 'text', aria: false, color: '#666666', align: 'left', baseline: 'top', dx: 3, y: 2, fontSize: 10 },
      encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' } },
    });
  }
  if (drifts.length > 0) {
    layers.push({ data: { values: drifts }, mark: { type: 'rule', aria: false, strokeDash: [4, 3], strokeWidth: 1.2, opacity: 0.9 }, encoding: { x: { field: 'x', type: 'quantitative' }, color } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 540,
    height: options.height ?? 240,
    title: { text: chartTitle(plan, options), subtitle: notes || undefined, anchor: 'start', fontSize: 14 },
    layer: layers,
    config: CONFIG,
  } as TopLevelSpec;
}

/** The [prediction, truth] pairs of a run's summary (regression), when it carries them. */
export function predictionSample(run: Run): [number, number][] {
  const pairs = run.summary?.predictions_sample;
  return Array.isArray(pairs) ? pairs.filter((p): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v))) : [];
}

/**
 * Regression: each learner's sampled predictions against the true values, a point per row, with the
 * diagonal where they would be equal. Null when no run carries a sample.
 */
export function scatterSpec(runs: Run[]): TopLevelSpec | null {
  const points = runs.flatMap((run) => predictionSample(run).map(([predicted, truth]) => ({ learner: run.name, predicted, truth })));
  if (points.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.predicted, p.truth);
    hi = Math.max(hi, p.predicted, p.truth);
  }
  const names = runs.map((r) => r.name);
  const per = Math.max(...runs.map((r) => predictionSample(r).length));
  const color = learnerColor(names, 360);
  const scale = { domain: [lo, hi], nice: false, zero: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 360,
    title: { text: 'predicted against true', subtitle: `a random sample of up to ${formatCount(per)} rows per learner; dashed: prediction = truth`, anchor: 'start', fontSize: 14 },
    layer: [
      {
        data: { values: [{ v: lo }, { v: hi }] },
        mark: { type: 'line', aria: false, color: '#999999', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { x: { field: 'v', type: 'quantitative', scale }, y: { field: 'v', type: 'quantitative', scale } },
      },
      {
        data: { values: points },
        mark: { type: 'circle', aria: false, size: 14, opacity: 0.55 },
        encoding: {
          x: { field: 'truth', type: 'quantitative', title: 'true value (target units)', scale },
          y: { field: 'predicted', type: 'quantitative', title: 'prediction (target units)', scale },
          color,
        },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

/** Renders a Vega-Lite specification to an SVG document's text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Draws the charts of a report: they differ only in their points, title and y-axis title, so the
 * specification is compiled and parsed, and its view made, once (the view's making compiles every
 * expression of the dataflow: together two thirds of a chart's cost); each chart sets its points as
 * the `points` dataset and its titles as signals, and renders. The SVG draws what
 * renderSvg(chartSpec(...)) draws (tested): the same elements, some in another order, and the
 * chart's left margin may come out a pixel wider (the layout's rounding). Call close() when done.
 */
export class ChartRenderer {
  private readonly view: View | undefined;

  constructor(
    private readonly runs: Run[],
    private readonly options: ChartOptions = {},
  ) {
    const first = chartPlans(runs)[0];
    if (first === undefined) return;
    const spec = chartSpec(runs, first, options) as { layer: { data: unknown }[] };
    spec.layer[0]!.data = { name: 'points', format: { parse: null } };
    const vega = compile(spec as TopLevelSpec).spec;
    const title = vega.title as { text: unknown } | undefined;
    const yAxis = vega.axes?.find((a) => a.scale === 'y' && a.title !== undefined);
    if (!title || !yAxis) throw new Error('report: the compiled chart has no title or y-axis title to set');
    title.text = { signal: 'chart_title' };
    yAxis.title = { signal: 'y_title' };
    vega.signals = [...(vega.signals ?? []), { name: 'chart_title', value: '' }, { name: 'y_title', value: '' }];
    this.view = new View(parse(vega), { renderer: 'none' });
  }

  /** One chart's SVG document. */
  render(plan: ChartPlan): Promise<string> {
    const view = this.view;
    if (view === undefined) throw new Error('report: no chart to render');
    view.signal('chart_title', chartTitle(plan, this.options)).signal('y_title', axisTitle(plan.metric, taskOf(this.runs)));
    view.data('points', chartPoints(this.runs, plan));
    // Laid out afresh for these points and titles, not grown from the last chart's layout.
    view.resize();
    return view.toSVG();
  }

  close(): void {
    this.view?.finalize();
  }
}
