/**
 * The examples at the end of each command's --help. They are real commands on the datasets bundled
 * in the repository (and on files an earlier example of the same command writes): a test runs every
 * one of them, in order, from a scratch directory holding `datasets/`.
 */
import type { Command } from 'commander';

export interface Example {
  /** What it does, one line. */
  what: string;
  /** The shell command, as typed. */
  run: string;
}

export const EXAMPLES = {
  train: [
    { what: 'logistic regression on the bundled SEA stream, each row tested then trained on', run: 'inc-learn train datasets/sea_drift.csv' },
    { what: 'regression, three passes, a fifth of the rows held out and scored after each pass', run: 'inc-learn train datasets/friedman.csv --epochs 3 --holdout 0.2' },
    { what: 'a small neural network on categorical features, with a sliding-window replay sampler', run: 'inc-learn train datasets/stagger.csv --model mlp --hidden 16 --sampler window --buffer-size 500' },
    { what: 'a generated stream on stdin, JSON events out, the model saved for predict and evaluate', run: 'inc-learn generate hyperplane --rows 20000 | inc-learn train - --json --save hyperplane-model > events.jsonl' },
  ],
  inspect: [
    { what: 'the columns, their types, the target and the classes that train would infer', run: 'inc-learn inspect datasets/stagger.csv' },
    { what: 'another target, one column left out, as JSON', run: 'inc-learn inspect datasets/friedman.csv --target x1 --ignore x10 --json' },
    { what: 'a JSON-lines stream on stdin', run: 'inc-learn generate sea --rows 200 --format jsonl | inc-learn inspect -' },
    { what: 'first, a Hoeffding tree saved by train', run: 'inc-learn train datasets/stagger.csv --model ht --save stagger-tree' },
    { what: 'what it learned: depth, leaves and its splits drawn as a tree', run: 'inc-learn inspect --model stagger-tree' },
  ],
  report: [
    { what: 'a run as JSON events, then its report: a page with the learning curves and the summary', run: 'inc-learn train datasets/sea_drift.csv --json > sea.jsonl && inc-learn report sea.jsonl -o sea-report.html' },
    { what: 'two learners side by side, from two runs; the first curve alone as SVG', run: 'inc-learn train datasets/sea_drift.csv --json --model mlp > mlp.jsonl && inc-learn report sea.jsonl mlp.jsonl -o curve.svg' },
    { what: 'straight from a pipe', run: 'inc-learn train datasets/stagger.csv --json | inc-learn report - -o stagger.html' },
  ],
  generate: [
    { what: '100,000 rows of SEA concepts (sudden drift at each quarter) to a file', run: 'inc-learn generate sea --rows 100000 > sea.csv' },
    { what: 'Friedman #1 regression with noise sd 0.5, as JSON lines', run: 'inc-learn generate friedman --noise 0.5 --seed 7 --format jsonl > friedman.jsonl' },
    { what: 'straight into a learner, with no file in between', run: 'inc-learn generate stagger --rows 30000 --noise 0 | inc-learn train - --epochs 2' },
    { what: 'Agrawal function 1, then function 3 from row 5000 over a 1000-row sigmoid, then function 1 again; the true concept of each row as a column', run: 'inc-learn generate agrawal --rows 12000 --concepts 1,3,1 --drift-at 5000,9000 --drift-width 1000 --concept-column > agrawal.csv' },
  ],
  predict: [
    { what: 'first, a model: train saves a checkpoint directory', run: 'inc-learn train datasets/sea_drift.csv --save sea-model --quiet' },
    { what: 'one prediction and the class probabilities per row, as CSV', run: 'inc-learn predict --model sea-model datasets/sea_drift.csv > predictions.csv' },
    { what: 'JSON lines with 4-digit probabilities, the input column attrib1 copied to each line', run: 'inc-learn predict --model sea-model datasets/sea_drift.csv --output jsonl --keep attrib1 --precision 4 | head -3' },
    { what: 'a live labelled stream: predict each row, then learn from it, checkpoint every 1000 rows', run: 'inc-learn generate sea --rows 5000 --seed 9 | inc-learn predict --model sea-model --learn - --checkpoint-every 1000 > live.csv' },
    { what: 'no model yet: --learn starts one in new-model (the schema from the first 200 rows), as train would make it', run: 'inc-learn generate sea --rows 3000 --seed 4 | inc-learn predict --learn --model new-model - --infer-rows 200 --learner linear --optimizer adam > live-new.csv' },
  ],
  evaluate: [
    { what: 'first, a model: train saves a checkpoint directory', run: 'inc-learn train datasets/friedman.csv --save friedman-model --quiet' },
    { what: "the saved model's loss, MAE and RMSE on a dataset, learning nothing", run: 'inc-learn evaluate --model friedman-model datasets/friedman.csv' },
    { what: 'on fresh rows from the same generator, as one JSON line', run: 'inc-learn generate friedman --rows 2000 --seed 3 --noise 1 | inc-learn evaluate --model friedman-model - --json' },
  ],
} satisfies Record<string, Example[]>;

export type ExampleCommand = keyof typeof EXAMPLES;

export function examplesText(examples: readonly Example[]): string {
  return `\nExamples (datasets/ is in the repository):\n${examples.map((e) => `  # ${e.what}\n  $ ${e.run}`).join('\n')}\n`;
}

/** Ends the command's --help with its examples. */
export function withExamples(cmd: Command, name: ExampleCommand): Command {
  return cmd.addHelpText('after', examplesText(EXAMPLES[name]));
}
