/**
 * The report as one self-contained HTML file: the runs' settings, the learning curves as inline
 * SVG, the summary table. No script, no stylesheet or font from elsewhere: it opens from file://,
 * offline, in any browser. Or, for a README or a paper, the first learning curve alone as SVG.
 */
import { formatBytes, formatCount, formatDuration } from './style.js';
import { axisTitle, chartPlans, ChartRenderer, chartSpec, PALETTE, renderSvg, scatterSpec } from './charts.js';
import { MARK } from './report-file.js';
import type { Event, Run } from './runs.js';


const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function value(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (isNumber(v)) return Number.isInteger(v) ? formatCount(v) : Math.abs(v) >= 1000 ? formatCount(v) : v.toPrecision(4);
  if (typeof v === 'object') return escape(JSON.stringify(v));
  return escape(String(v));
}

function settingsRows(run: Run): [string, string][] {
  const s: Event = run.start ?? {};
  const schema = (s.schema ?? {}) as Event;
  const classes = Array.isArray(schema.classes) && schema.classes.length > 0 ? ` (${schema.classes.length} classes: ${schema.classes.slice(0, 12).join(', ')}${schema.classes.length > 12 ? ', …' : ''})` : '';
  const columns = Array.isArray(schema.columns) ? (schema.columns as Event[]).filter((c) => c.role === 'feature').map((c) => `${String(c.name)} (${String(c.type)})`) : [];
  const rows: [string, unknown][] = [
    ['input', s.input === undefined ? run.source : `${String(s.input)}${s.format === undefined ? '' : ` (${String(s.format)})`}`],
    ['target', schema.target === undefined ? undefined : `${String(schema.target)}, ${String(schema.task)}${classes}`],
    ['feature columns', columns.length === 0 ? undefined : `${columns.slice(0, 20).join(', ')}${columns.length > 20 ? `, … (${columns.length})` : ''}`],
    ['features', s.features],
    ['learner', s.learner],
    ['sampler', s.sampler],
    ['seed', s.seed],
    ['epochs', s.epochs],
    ['holdout', s.holdout],
    ['rolling window', s.window === null ? undefined : s.window],
    ['drift detector', s.drift === null ? undefined : s.drift],
    ['events', run.source],
  ];
  return rows.filter(([, v]) => v !== undefined).map(([k, v]) => [k, value(v)]);
}

/** The summary table's columns: the metrics some learner's summary has (known ones first), then throughput. */
function summaryColumns(runs: Run[]): string[] {
  // The cumulative_ metrics repeat the run's own unless a run was resumed from a checkpoint.
  const resumed = runs.some((r) => isNumber(r.summary?.cumulative_rows) && r.summary.cumulative_rows !== r.summary.rows);
  const names = new Set<string>();
  for (const run of runs) {
    for (const [k, v] of Object.entries(run.summary ?? {})) {
      // The rolling_ values at the end are in the curves; the table keeps the run's figures.
      if (k === 'checkpoint' || k.startsWith('rolling_') || (k.startsWith('cumulative_') && !resumed)) continue;
      if ((isNumber(v) || v === null) && !/^(cumulative_(rows|trained|evaluated)|epochs|rows|trained|evaluated|held_out|skipped|missing_imputed|features|checkpoints|rows_per_sec|elapsed_ms|learner_ms|learner_rows_per_sec|model_bytes|peak_model_bytes|peak_rss_bytes)$/.test(k)) names.add(k);
    }
  }
  const order = (k: string): number => (axisTitle(k) === k.replace(/_/g, ' ') ? 1 : 0);
  return [...names].sort((a, b) => order(a) - order(b));
}

/** Bytes as the table shows them, '–' when unknown. */
const bytes = (v: unknown): string => (isNumber(v) ? formatBytes(v) : '–');

/**
 * Per learner: rows, metrics, its rows per second and time (its own, when several shared the pass),
 * its model's peak size, and the process's peak resident set (shared by the learners of one run).
 */
function summaryTable(runs: Run[]): string {
  const columns = summaryColumns(runs);
  const has = (key: string): boolean => runs.some((r) => r.summary !== undefined && key in r.summary);
  const model = has('peak_model_bytes');
  const process = has('peak_rss_bytes');
  const head = ['learner', 'rows', ...columns, 'rows/s', 'time', ...(model ? ['model memory (peak)'] : []), ...(process ? ['process peak RSS'] : [])];
  const body = runs.map((run, i) => {
    const s: Event = run.summary ?? {};
    const swatch = `<span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>`;
    const status = run.summary === undefined ? ' <em>(no summary: the run did not finish)</em>' : s.interrupted === true ? ' <em>(interrupted)</em>' : '';
    const cells = [
      `${swatch}${escape(run.name)}${status}`,
      value(s.rows),
      ...columns.map((c) => value(s[c])),
      value(s.learner_rows_per_sec ?? s.rows_per_sec),
      isNumber(s.learner_ms) ? formatDuration(s.learner_ms) : isNumber(s.elapsed_ms) ? formatDuration(s.elapsed_ms) : '–',
      ...(model ? [bytes(s.peak_model_bytes)] : []),
      ...(process ? [bytes(s.peak_rss_bytes)] : []),
    ];
    return `<tr>${cells.map((c, j) => `<td${j > 0 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
  });
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1400px; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.muted { color: #666; }
table { border-collapse: collapse; margin: 6px 0; }
td:first-child { white-space: nowrap; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.settings th { font-weight: normal; color: #666; }
.runs { display: flex; flex-wrap: wrap; gap: 24px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(640px, 1fr)); gap: 16px; }
figure { margin: 0; } svg { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
`;

/** The whole report page. */
export async function reportHtml(runs: Run[], generator: string): Promise<string> {
  const plans = chartPlans(runs);
  const renderer = new ChartRenderer(runs);
  const charts: string[] = [];
  try {
    for (const plan of plans) charts.push(`<figure class="chart" data-metric="${escape(plan.metric)}">${stripXmlHeader(await renderer.render(plan))}</figure>`);
  } finally {
    renderer.close();
  }
  const settings = runs
    .map((run, i) => `<div><h3><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${escape(run.name)}</h3><table class="settings">${settingsRows(run).map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></div>`)
    .join('');
  const scatter = scatterSpec(runs);
  const predictions = scatter ? `<h2>Predictions</h2>\n<figure class="scatter">${stripXmlHeader(await renderSvg(scatter))}</figure>\n` : '';
  const perEpoch = plans.length > 0 && plans[0]!.kind === 'per epoch';
  const note = perEpoch ? '<p class="muted">These runs have no <code>report</code> events, so each curve has one point per epoch; <code>train --report-every N</code> gives a point every N rows.</p>' : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escape(generator)}">
<title>inc-learn report: ${escape(runs.map((r) => r.name).join(', '))}</title>
<style>${STYLE}</style>
</head>
<body>
<!-- ${MARK} -->
<h1>Learning curves</h1>
<p class="muted">${runs.length} learner${runs.length === 1 ? '' : 's'}; x is the rows seen, across epochs. ${escape(generator)}.</p>
<h2>Summary</h2>
${summaryTable(runs)}
<h2>Curves</h2>
${note}
<div class="charts">${charts.join('\n') || '<p>No metric was reported.</p>'}</div>
${predictions}<h2>Settings</h2>
<div class="runs">${settings}</div>
</body>
</html>
`;
}

/** The first learning curve alone (rolling accuracy or loss when the runs have it), as an SVG file. */
export async function reportSvg(runs: Run[]): Promise<string> {
  const plan = chartPlans(runs)[0];
  if (plan === undefined) return '';
  const svg = await renderSvg(chartSpec(runs, plan, { width: 720, height: 280 }));
  return svg.replace(/^(<svg[^>]*>)/, `$1<!-- ${MARK} -->`) + '\n';
}

function stripXmlHeader(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}
