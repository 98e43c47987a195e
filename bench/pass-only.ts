/**
 * The training pass alone: reads a CSV or JSONL file into memory once, then runs the default learner
 * (logistic, sgd) with the default evaluation (catalogue, baselines, `--window` rows) over those
 * batches several times, timing each pass in CPU time (user + sys) per row. No reading, parsing or
 * start-up in the figure: what the per-row path (featurizer, learner, evaluator, loop) costs, with
 * less noise than a whole process on a shared machine. Used to tune the hot path (docs/benchmarks.md).
 *
 *   node dist/bench/pass-only.js FILE [--window N] [--passes N]
 *
 * Prints one line per pass: {"pass":…,"rows":…,"ns_per_row":…,"accuracy":…}.
 */
import { Evaluator } from '../src/eval/metrics.js';
import { StreamEvaluation } from '../src/eval/stream.js';
import { Featurizer } from '../src/features/featurizer.js';
import { inferSchema } from '../src/features/schema.js';
import { openSource } from '../src/io/source.js';
import type { RecordBatch } from '../src/io/types.js';
import { LinearModel } from '../src/learners/linear.js';
import { defaultLearningRate } from '../src/learners/index.js';
import { TrainingPass } from '../src/run/loop.js';
import { AllSampler } from '../src/samplers/all.js';

async function main(argv: string[]): Promise<void> {
  let path: string | undefined;
  let window = 1000;
  let passes = 5;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--window' || arg === '--passes') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg}: a whole number, not ${String(argv[i])}`);
      if (arg === '--window') window = n;
      else passes = n;
    } else if (path === undefined) path = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (path === undefined) throw new Error('usage: pass-only FILE [--window N] [--passes N]');
  const source = await openSource({ path, header: true, delimiter: ',' });
  const batches: RecordBatch[] = [];
  let columns: readonly string[];
  try {
    // Batches are kept, not released: the reader then gives each its own arrays.
    const stream = source.open();
    for await (const batch of stream) batches.push(batch);
    columns = stream.columns;
  } finally {
    await source.close();
  }
  const schema = inferSchema(source.name, columns, batches.slice(0, 1), {});
  if (schema.task !== 'classification') throw new Error('pass-only: a classification stream, please');
  let rows = 0;
  for (const b of batches) rows += b.rows;
  const lr = defaultLearningRate({ model: 'linear', optimizer: 'sgd', batchSize: 1 }, 'classification');
  for (let pass = 1; pass <= passes; pass++) {
    const featurizer = new Featurizer(schema);
    const learner = new LinearModel({ task: 'classification', dim: featurizer.dim, classes: featurizer.classes.length, optimizer: 'sgd', lr, l2: 0 });
    const evaluator = new Evaluator('classification', new StreamEvaluation('classification', { window }));
    const run = new TrainingPass(featurizer, learner, new AllSampler(), evaluator, { source: source.name, onError: 'fail', holdout: 0, seed: 1 });
    const started = process.cpuUsage();
    for (const batch of batches) await run.consume(batch);
    await run.finish();
    const spent = process.cpuUsage(started);
    const accuracy = evaluator.tally.correct / evaluator.tally.rows;
    process.stdout.write(JSON.stringify({ pass, rows, ns_per_row: Math.round(((spent.user + spent.system) * 10_000) / rows) / 10, accuracy }) + '\n');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`pass-only: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
