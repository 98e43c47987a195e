/**
 * JSON events as a run of the evaluation contract writes them (PLAN.md contract C: `report` every
 * N rows with cumulative and rolling_ metrics, `drift` events, `model` on per-learner events),
 * computed here from a simulated stream of right and wrong predictions, for the report's tests
 * while `train` itself does not write them all.
 */
import { Random } from '../src/util/random.js';

export interface SimulatedLearner {
  name: string;
  /** Probability of a right prediction before and after the drift. */
  before: number;
  after: number;
  /** Rows it takes to recover after the drift (linear). */
  recovery: number;
}

export interface Simulation {
  rows: number;
  reportEvery: number;
  window: number;
  driftAt: number;
  epochs?: number;
  seed?: number;
  /** Writes `model` on every per-learner event (several learners in one run). */
  modelField?: boolean;
}

/** One run's events per learner (or, with modelField, the learners' events interleaved after one start). */
export function simulatedRuns(learners: SimulatedLearner[], sim: Simulation): string[] {
  const epochs = sim.epochs ?? 1;
  const random = new Random(sim.seed ?? 1);
  const start = (learner: string) => ({
    event: 'start',
    input: 'datasets/sine_drift.csv',
    format: 'csv',
    schema: { columns: [], target: 'class', task: 'classification', classes: ['0', '1'], rows_inspected: 1000 },
    features: 2,
    learner,
    backend: 'js',
    sampler: 'all',
    seed: 1,
    epochs,
    holdout: 0,
    resumed_from: null,
    resumed_rows: 0,
    checkpoint: null,
  });
  const perLearner = learners.map((l) => {
    const lines: object[] = [];
    const model = sim.modelField ? { model: l.name } : {};
    const ring = new Uint8Array(sim.window);
    let right = 0;
    let inWindow = 0;
    let total = 0;
    let detected = false;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let epochRight = 0;
      for (let row = 1; row <= sim.rows; row++) {
        const since = row - sim.driftAt;
        const p = since < 0 ? l.before : since > l.recovery ? l.after : l.before * 0.4 + (l.after - l.before * 0.4) * (since / l.recovery);
        const hit = random.next() < p ? 1 : 0;
        total++;
        right += hit;
        epochRight += hit;
        inWindow += hit - ring[total % sim.window]!;
        ring[total % sim.window] = hit;
        if (!detected && since > 80) {
          detected = true;
          lines.push({ event: 'drift', ...model, epoch, rows: row, stream_rows: row, detector: 'adwin', before: { rolling_accuracy: l.before }, after: { rolling_accuracy: inWindow / sim.window } });
        }
        if (row % sim.reportEvery === 0) {
          const rolling = inWindow / Math.min(total, sim.window);
          lines.push({ event: 'report', ...model, epoch, rows: row, stream_rows: row, elapsed_ms: row / 100, rows_per_sec: 100000, accuracy: epochRight / row, loss: 1 - epochRight / row, rolling_accuracy: rolling, rolling_loss: 1 - rolling });
        }
      }
      lines.push({ event: 'epoch', ...model, epoch, rows: sim.rows, trained: sim.rows, evaluated: sim.rows, held_out: 0, skipped: 0, loss: 1 - epochRight / sim.rows, accuracy: epochRight / sim.rows, rows_per_sec: 100000, elapsed_ms: sim.rows / 100 });
    }
    lines.push({ event: 'summary', ...model, epochs, rows: sim.rows * epochs, trained: sim.rows * epochs, evaluated: sim.rows * epochs, loss: 1 - right / total, accuracy: right / total, majority_accuracy: 0.5, no_change_accuracy: 0.5, rows_per_sec: 100000, elapsed_ms: total / 100, interrupted: false });
    return lines;
  });
  if (!sim.modelField) return learners.map((l, i) => [start(l.name), ...perLearner[i]!].map((e) => JSON.stringify(e)).join('\n') + '\n');
  // One run, several learners: their events interleave as they would from one loop.
  const merged: object[] = [start(learners.map((l) => l.name).join(', '))];
  const longest = Math.max(...perLearner.map((p) => p.length));
  for (let i = 0; i < longest; i++) for (const lines of perLearner) if (i < lines.length) merged.push(lines[i]!);
  return [merged.map((e) => JSON.stringify(e)).join('\n') + '\n'];
}
