/** `inc-learn evaluate --model DIR <input>`: a saved model's metrics on a dataset, learning nothing. */
import type { ChalkInstance } from 'chalk';
import { formatCount, formatDuration, formatNumber, styleAccuracy } from '../report/style.js';
import type { PredictStartEvent, PredictSummaryEvent } from '../run/predict.js';

export function printEvaluation(start: PredictStartEvent, e: PredictSummaryEvent, style: ChalkInstance, out: NodeJS.WritableStream): void {
  const rows: [string, string][] = [
    ['model', `${e.model}: ${start.learner}, trained on ${formatCount(start.model_rows)} rows`],
    ['input', `${e.input} (${start.format})`],
    ['rows', `${formatCount(e.rows)} read, ${formatCount(e.evaluated ?? 0)} scored${e.skipped > 0 ? style.yellow(`, ${formatCount(e.skipped)} skipped`) : ''}`],
  ];
  if (e.unknown_labels) rows.push(['unknown', `${formatCount(e.unknown_labels)} rows with a label the model never saw (scored as wrong)`]);
  rows.push(['loss', formatNumber(e.loss)]);
  if (start.task === 'classification') {
    // Green when it beats both baselines over the same rows, as train's table colours it.
    rows.push(['accuracy', styleAccuracy(style, formatNumber(e.accuracy), e)]);
    if (typeof e.majority_accuracy === 'number' || typeof e.no_change_accuracy === 'number') {
      rows.push(['baseline', `majority class ${formatNumber(e.majority_accuracy as number | null)}, no change ${formatNumber(e.no_change_accuracy as number | null)}`]);
    }
  }
  else rows.push(['mae', formatNumber(e.mae)], ['rmse', formatNumber(e.rmse)]);
  rows.push(['time', `${formatDuration(e.elapsed_ms)}${e.interrupted ? style.yellow(' (interrupted)') : ''}`]);
  if (e.skipped > 0) {
    rows.push(['skipped', Object.entries(e.skipped_by_reason).map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ')]);
  }
  out.write(rows.map(([k, v]) => `${style.bold(k.padEnd(8))}  ${v}`).join('\n') + '\n');
}
