/**
 * The command line: commander parses, options.ts validates, the run yields events and reporters
 * print them. Errors the user caused become one line and an exit code; --verbose adds the stack.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DataError, UsageError } from '../errors.js';
import { JsonReporter } from '../report/json.js';
import { ProgressReporter } from '../report/progress.js';
import { makeChalk } from '../report/style.js';
import { driftLine, TableReporter, tableMetrics } from '../report/table.js';
import type { Reporter } from '../report/types.js';
import type { RunEvent, SummaryEvent } from '../run/events.js';
import { AssertionFailed, AssertionReporter, checkSkips, parseAssertions } from './assertions.js';
import { train } from '../run/train.js';
import { join } from 'node:path';
import { LearnersTarget, pickLearner, readLearnersList } from '../persist/learners.js';
import { CheckpointTarget } from '../persist/target.js';
import { readCheckpoint, type LoadedCheckpoint } from '../persist/store.js';
import { predict, type PredictStartEvent, type PredictSummaryEvent } from '../run/predict.js';
import { printEvaluation } from './evaluate.js';
import { inspect, inspectModel, printInspection, printModelInspection } from './inspect.js';
import { describeNewModel, describePredictSummary, PredictionWriter } from './predict.js';
import { resumeConfig, resumeContendersConfig } from './resume.js';
import { Interrupts } from './signals.js';
import { runReport } from './report.js';
import { ReportWriter, reportTarget } from '../report/report-file.js';
import { SparklineReporter, wantsAscii } from '../report/sparkline.js';
import { checkNoise, generate, GENERATORS, generatorHelp, writeStream, type GeneratorName } from '../synth/generators.js';
import { withExamples } from './examples.js';
import { inputConfig, list, modelConfig, number, oneOf, runConfig, schemaConfig, type RawOptions } from './options.js';
import { allParams, learners, showDefault } from '../learners/registry.js';
import { version } from './version.js';

/**
 * Options shared by every command that reads data and infers its schema. `inspect` reads only the
 * first rows: the second parsing thread is accepted there but not offered.
 */
function inputOptions(cmd: Command, learns = true): Command {
  return schemaOptions(rawInputOptions(cmd, learns), learns);
}

/** What infers the schema of a new model (`learns` false: --hash-bits, which changes no schema, is accepted but not offered). */
function schemaOptions(cmd: Command, learns = true): Command {
  return cmd
    .option('--target <column>', 'target column (default: label, class, target or y, else the last column)')
    .option('--task <task>', 'classification or regression (default: inferred from the target)')
    .option('--features <columns>', 'comma-separated feature columns (default: all but the target)')
    .option('--ignore <columns>', 'comma-separated columns to leave out')
    .option('--infer-rows <n>', 'rows read to infer the schema', '1000')
    .addOption(hiddenUnless(learns, new Option('--hash-bits <bits>', 'hash categorical values into 2^bits slots instead of one-hot')));
}

/** How to read the input (the schema comes from the model, or inputOptions adds what infers it). */
function rawInputOptions(cmd: Command, learns = true): Command {
  return cmd
    .option('--format <format>', 'input format: csv or jsonl (default: from the extension, else sniffed)')
    .option('--no-header', 'CSV: the first line is data, not column names')
    .option('--columns <names>', 'CSV: comma-separated column names')
    .option('--delimiter <char>', "CSV: field delimiter, \\t for tab (default: ',', or ';', tab or '|' when the first line has no comma and splits on one of them)")
    .option('--decimal <mark>', "the decimal mark of the numbers: '.' (default) or ',' (\"1,5\"; then the delimiter is another, e.g. ';')")
    .addOption(hiddenUnless(learns, new Option('--parse-thread', 'always parse on a second thread while learning (default: for files of 8 MB or more and piped stdin, when a core is idle)')))
    .addOption(hiddenUnless(learns, new Option('--no-parse-thread', 'parse and learn on one thread')))
    .option('--max-record-bytes <n>', 'a record (CSV record, JSON line) longer than this is bad input (default 67108864, 64 MiB)');
}

/**
 * The learner and sampler flags that make a new model: train's, and predict --learn's when its
 * --model directory does not exist yet (where --model names the directory and --learner the learner).
 */
/** --model's default; a --model given replaces it, and each one repeated adds a learner. */
const DEFAULT_MODEL = ['linear'];

function learnerOptions(cmd: Command, flag: '--model <model>' | '--learner <name>'): Command {
  cmd
    .addOption(
      flag === '--model <model>'
        ? new Option(flag, `the learner: ${learners().map((e) => e.name).join(', ')} (any case; see docs/learners.md); several side by side: linear,pa or the flag repeated, each with its own options: 'linear(lr=0.5),linear(name=slow,lr=0.01)'`)
            .default(DEFAULT_MODEL, 'linear')
            .argParser((value: string, previous: string[]) => (previous === DEFAULT_MODEL ? [value] : [...previous, value]))
        : new Option(flag, `the learner of a new model: ${learners().map((e) => e.name).join(', ')} (any case; see docs/learners.md); with a --model checkpoint of several learners (train --model a,b --save DIR), the one to predict with`).default('linear'),
    )
    .option('--optimizer <name>', 'sgd, adagrad or adam (default: sgd for linear, adam for mlp)')
    .option('--lr <rate>', 'learning rate (default: sgd 0.13 for classification, 0.01 for regression; adagrad 0.1; adam 0.01; mlp adam 0.005 x sqrt(batch/32))')
    .option('--l2 <lambda>', 'L2 regularisation', '0')
    .option('--batch-size <n>', 'mlp: rows per mini-batch (default 32)')
    .option('--hidden <sizes>', 'mlp: hidden layer sizes', '32')
    .option('--activation <fn>', 'mlp: relu, tanh, sigmoid or elu', 'relu')
    .option('--backend <name>', 'mlp: force a TensorFlow.js backend: tensorflow, wasm or cpu');
  // Each learner's own options (the registry's params), one flag per key, saying which learners take it.
  for (const { param, owners } of allParams()) {
    const defaults = owners.map((e) => `${e.name} ${showDefault(e.params.find((p) => p.key === param.key)!.default)}`).join(', ');
    cmd.option(param.flag, `${owners.map((e) => e.name).join(', ')}: ${param.help} (default: ${defaults})`);
  }
  return cmd
    .option('--sampler <name>', 'all, bernoulli, balanced, shuffle, window or replay', 'all')
    .option('--sample-rate <r>', 'bernoulli: fraction of rows trained on per epoch')
    .option('--buffer-size <k>', 'shuffle, window, replay: rows kept (default 1000)')
    .option('--replay-ratio <r>', 'window, replay: rows replayed per new row (default 1)')
    .option('--class-weights <pairs>', 'balanced: target class weights, e.g. a=1,b=3 (default uniform)');
}

function hiddenUnless(shown: boolean, option: Option): Option {
  return shown ? option : option.hideHelp();
}

/** `quiet`: what --quiet leaves out, or null where it changes nothing (accepted, not offered). */
function outputOptions(cmd: Command, quiet: string | null = 'no header and no progress bar'): Command {
  return cmd
    .option('--json', 'JSON lines on stdout instead of the table')
    .addOption(hiddenUnless(quiet !== null, new Option('-q, --quiet', quiet ?? '')))
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('--verbose', 'stack traces on errors');
}

export function buildProgram(): Command {
  const program = new Command('inc-learn')
    .description('Replay datasets through incremental (online) learners: prequential evaluation from a shell, CI or a live stream.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    // Throw instead of exiting, in every subcommand too, so main() maps usage errors to exit code 2.
    .exitOverride();

  const trainCmd = program
    .command('train')
    .description('stream a dataset through a learner, test-then-train, and report per-epoch metrics')
    .argument('<input>', "a CSV or JSONL file (gzip is detected), or '-' for stdin");
  learnerOptions(inputOptions(trainCmd), '--model <model>')
    .option('--epochs <n>', 'passes over the data', '1')
    .option('--holdout <fraction>', 'fraction of rows held out and evaluated at the end of each epoch', '0')
    .option('--seed <n>', 'random seed: the same seed and input give identical metrics', '1')
    .option('--on-error <mode>', 'bad rows: fail (exit 1) or skip (count them)', 'fail')
    .option('--save <dir>', 'write a checkpoint to this directory at the end (and on Ctrl-C)')
    .option('--resume <dir>', 'continue learning from the checkpoint in this directory (saved back to it unless --save)')
    .option('--checkpoint-every <n>', 'also write the checkpoint every n rows')
    .option('--report <file>', 'write a learning-curve report at the end (also when stopped): .html for the page, .svg for the curve alone')
    .option('--window <n>', 'rows of the rolling metrics (rolling_* fields; 0 for none)', '1000')
    .option('--fading <factor>', 'fading-factor rolling metrics instead of a window, e.g. 0.999')
    .option('--drift <detector>', 'watch the errors for drift: adwin, ddm or ph (Page-Hinkley)')
    .option('--delay <n>', 'delayed labels: predict each row when it arrives, score and learn it n rows later')
    .option('--delay-column <column>', 'a time-based delay: the column of the rows\' times (seconds, or ISO-8601 date-times), in increasing order')
    .option('--delay-seconds <s>', 'with --delay-column: a row is scored and learned once a row at least s seconds later has arrived')
    .option('--delay-max-rows <n>', 'with --delay-column: the most rows that may wait for their label (default 1000000)')
    .option('--on-drift <action>', 'reset: when --drift detects a change, replace the learner by a fresh one (the metrics go on)')
    .option('--report-every <n>', 'a learning-curve point (a table line, a JSON report event, a point of --report) every n rows')
    .option('--metrics <names>', 'table columns, e.g. accuracy,f1_macro,kappa_t,auc (default loss and accuracy, or loss, mae, rmse)')
    .option('--assert <condition>', "fail with exit code 3 unless it holds, e.g. 'accuracy>=0.85' (repeatable; rolling_ ones at every report)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--max-skip-rate <fraction>', 'fail (exit 1) when more than this fraction of the rows is skipped (--on-error skip)');
  outputOptions(trainCmd).action(async (input: string, raw: RawOptions, cmd: Command) => {
    await runTrain(input, raw, explicitOptions(cmd));
  });
  withExamples(trainCmd, 'train');

  const predictCmd = program
    .command('predict')
    .description('one prediction per input row on stdout, in order; with --learn, test then train on a labelled stream')
    .argument('<input>', "a CSV or JSONL file (gzip is detected), or '-' for stdin")
    .requiredOption('--model <dir>', 'the checkpoint directory (train --save); with --learn, a directory that does not exist yet starts a new model there')
    .option('--output <format>', 'csv (a header, then prediction,p_<class>...) or jsonl', 'csv')
    .option('--keep <columns>', 'input columns copied to each output line, e.g. an id')
    .option('--precision <digits>', 'significant digits of the probabilities and values written, 1 to 17 (default: the shortest text that reads back as the same double)')
    .option('--learn', 'learn from each row that has a label, after predicting it; checkpoints go back to --model')
    .option('--save <dir>', 'with --learn: write the checkpoints here instead')
    .option('--checkpoint-every <n>', 'with --learn: also write the checkpoint every n rows')
    .option('--on-error <mode>', 'bad rows: fail (exit 1) or skip (an empty prediction, counted)', 'fail');
  rawInputOptions(predictCmd)
    .option('-q, --quiet', 'no progress bar and no summary on stderr')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('--verbose', 'stack traces on errors')
    .optionsGroup('A new model (--learn, with a --model directory that does not exist yet), as train makes it:');
  learnerOptions(schemaOptions(predictCmd), '--learner <name>')
    .option('--seed <n>', 'random seed: the same seed and input give identical predictions', '1')
    .action(async (input: string, raw: RawOptions, cmd: Command) => {
      await runPredict(input, raw, explicitOptions(cmd));
    });
  withExamples(predictCmd, 'predict');

  const evaluateCmd = program
    .command('evaluate')
    .description("a saved model's metrics on a dataset, without learning")
    .argument('<input>', "a CSV or JSONL file (gzip is detected), or '-' for stdin")
    .requiredOption('--model <dir>', 'the checkpoint directory (train --save)')
    .option('--learner <name>', 'with a checkpoint of several learners (train --model a,b --save DIR): score this one only (default: every one)')
    .option('--on-error <mode>', 'bad rows: fail (exit 1) or skip (count them)', 'fail');
  outputOptions(rawInputOptions(evaluateCmd), 'no progress bar').action(async (input: string, raw: RawOptions) => {
    await runEvaluate(input, raw);
  });
  withExamples(evaluateCmd, 'evaluate');

  const inspectCmd = program
    .command('inspect')
    .description('print the inferred schema (columns, types, target, task, classes) without training; with --model DIR, what a saved model learned (a tree: depth, leaves, its splits)')
    .argument('[input]', "a CSV or JSONL file (gzip is detected), or '-' for stdin")
    .option('--model <dir>', 'describe the model saved in this checkpoint directory (train --save) instead');
  outputOptions(inputOptions(inspectCmd, false), null).action(async (input: string | undefined, raw: RawOptions) => {
    if (raw.model !== undefined) {
      if (input !== undefined) throw new UsageError('inspect takes a dataset or --model DIR, not both');
      printModelInspection(await inspectModel(String(raw.model)), raw.json === true, makeChalk(process.stdout, raw.color !== false));
      return;
    }
    if (input === undefined) throw new UsageError('inspect needs a dataset (a file, or - for stdin) or --model DIR');
    const result = await inspect(inputConfig(input, raw), schemaConfig(raw));
    printInspection(result, raw.json === true, makeChalk(process.stdout, raw.color !== false));
  });
  withExamples(inspectCmd, 'inspect');

  const reportCmd = program
    .command('report')
    .description('a self-contained HTML report (or an SVG learning curve) from the JSON events of one or more runs')
    .argument('<events...>', "JSON-lines files written by train --json, or '-' for stdin; each run is named by its learner")
    .option('-o, --output <file>', 'the file to write: .html for the whole report, .svg for the learning curve alone')
    .option('--verbose', 'stack traces on errors')
    .action(async (inputs: string[], raw: RawOptions) => {
      await runReport(inputs, raw.output === undefined ? undefined : String(raw.output), `inc-learn ${version()}`);
    });
  withExamples(reportCmd, 'report');

  const generateCmd = program
    .command('generate')
    .description('write a synthetic stream to stdout, with concept drift where and how you ask for it')
    .argument('<generator>', Object.keys(GENERATORS).join(', '))
    .option('--rows <n>', 'rows to write', '10000')
    .option('--seed <n>', 'random seed', '1')
    .option('--noise <x>', 'classification: fraction of labels flipped, 0 to 1 (led: of segments); regression: sd of the noise added to y', '0.1')
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--full-precision', 'print every digit of each number (up to 17, as Python prints floats), not a few decimals')
    .option('--concepts <ids>', "the concepts in stream order, e.g. 1,3,1 (a concept may recur; default: the generator's own)")
    .option('--drift-at <rows>', 'row index of each drift, e.g. 25000,50000 (default: equal blocks)')
    .option('--drift-width <rows>', 'rows over which each drift happens (sigmoid, as MOA ConceptDriftStream); one value or one per drift; 0 = abrupt', '0')
    .option('--concept-column', 'add a last column `concept`: the concept each row was drawn from (leave it out of training: --ignore concept)')
    .option('--classes <n>', 'rbf, random-tree: number of classes (default 2)')
    .option('--centroids <n>', 'rbf: number of centroids (default 50)')
    .option('--speed <x>', 'rbf: distance each centroid moves per row (default 0: no incremental drift)')
    .addHelpText('after', generatorHelp())
    .action(async (name: string, raw: RawOptions, cmd: Command) => {
      const generator = oneOf('generator', name, Object.keys(GENERATORS) as GeneratorName[]);
      const rows = number('--rows', raw.rows, { min: 1, integer: true });
      const given = explicitOptions(cmd);
      const noise = number('--noise', raw.noise, { min: 0 });
      checkNoise(generator, noise);
      const ids = (flag: string, value: unknown, min: number) => list(value)?.map((v) => number(flag, v, { min, integer: true }));
      const options = {
        rows,
        seed: number('--seed', raw.seed, { min: 0, integer: true }),
        noise,
        fullPrecision: raw.fullPrecision === true,
        conceptColumn: raw.conceptColumn === true,
        ...(raw.concepts === undefined ? {} : { concepts: ids('--concepts', raw.concepts, 1)! }),
        ...(raw.driftAt === undefined ? {} : { driftAt: ids('--drift-at', raw.driftAt, 1)! }),
        ...(given.has('driftWidth') ? { driftWidth: list(raw.driftWidth)!.map((v) => number('--drift-width', v, { min: 0 })) } : {}),
        ...(raw.classes === undefined ? {} : { classes: number('--classes', raw.classes, { min: 2, max: 1000, integer: true }) }),
        ...(raw.centroids === undefined ? {} : { centroids: number('--centroids', raw.centroids, { min: 1, integer: true }) }),
        ...(raw.speed === undefined ? {} : { speed: number('--speed', raw.speed, { min: 0 }) }),
      };
      await writeStream(generate(generator, options), rows, oneOf('--format', raw.format, ['csv', 'jsonl'] as const), process.stdout);
    });
  withExamples(generateCmd, 'generate');
  return program;
}

/** The option keys given on the command line (not defaults). */
function explicitOptions(cmd: Command): Set<string> {
  return new Set(Object.keys(cmd.opts()).filter((key) => cmd.getOptionValueSource(key) === 'cli'));
}

/** --checkpoint-every n, which needs somewhere to write. */
function checkpointEvery(raw: RawOptions, dir: string | undefined): number | undefined {
  if (raw.checkpointEvery === undefined) return undefined;
  const every = number('--checkpoint-every', raw.checkpointEvery, { min: 1, integer: true });
  if (dir === undefined) throw new UsageError('--checkpoint-every needs a checkpoint directory: give --save DIR');
  return every;
}

/** The exit code of a run stopped by a signal (130, 143 or 129), for main() to return. */
let interruptedExit: number | undefined;

/**
 * Runs `body` with SIGINT, SIGTERM and SIGHUP turned into a stop request, and a closed stdout too when
 * the run writes files (`writesFiles`: a checkpoint, a report).
 */
async function interruptible(body: (signal: AbortSignal) => Promise<void>, writesFiles = false): Promise<void> {
  const interrupts = new Interrupts(writesFiles);
  try {
    await body(interrupts.signal);
  } finally {
    interrupts.release();
    interruptedExit = interrupts.exitCode;
  }
}

/**
 * Claims the checkpoint directory a run writes (checked and locked, see persist/target.ts) before
 * anything is read, runs `body`, and releases it however the run ends.
 */
async function withTarget<T extends CheckpointTarget | LearnersTarget = CheckpointTarget>(
  dir: string | undefined,
  quiet: boolean,
  body: (target: T | undefined) => Promise<void>,
  /** Several learners side by side: their names, each saved in a subdirectory of DIR. */
  learnerNames?: readonly string[],
): Promise<void> {
  const target = (dir === undefined ? undefined : learnerNames ? await LearnersTarget.claim(dir, learnerNames) : await CheckpointTarget.claim(dir)) as T | undefined;
  try {
    if (!quiet) {
      for (const path of target?.leftovers ?? []) process.stderr.write(`inc-learn: ${path}: left by a save that was interrupted; inc-learn does not remove what another process made\n`);
    }
    await body(target);
  } finally {
    target?.release();
  }
}

async function runTrain(input: string, raw: RawOptions, explicit: Set<string>): Promise<void> {
  const resumeDir = raw.resume === undefined ? undefined : String(raw.resume);
  // A checkpoint of several learners side by side (train --model a,b --save DIR): all of them continue.
  const saved = resumeDir === undefined ? undefined : await readLearnersList(resumeDir);
  const saveDir = raw.save === undefined ? resumeDir : String(raw.save);
  const every = checkpointEvery(raw, saveDir);
  // A new run's flags are checked before the checkpoint directory is touched; a resumed run's need the checkpoint.
  const fresh = resumeDir === undefined ? runConfig(input, raw) : undefined;
  const reportEvery = raw.reportEvery === undefined ? undefined : number('--report-every', raw.reportEvery, { min: 1, integer: true });
  const maxSkipRate = raw.maxSkipRate === undefined ? undefined : number('--max-skip-rate', raw.maxSkipRate, { min: 0, max: 1 });
  const assertions = new AssertionReporter(parseAssertions((raw.assert as string[] | undefined) ?? []));
  const quiet = raw.quiet === true;
  await withTarget<CheckpointTarget | LearnersTarget>(saveDir, quiet, async (target) => {
    const checkpoints = resumeDir === undefined ? undefined : saved ? await Promise.all(saved.map((l) => readCheckpoint(join(resumeDir, l.dir)))) : [await readCheckpoint(resumeDir)];
    const checkpoint = checkpoints?.[0];
    const config = fresh ?? (saved ? resumeContendersConfig(checkpoints!, saved, input, raw, explicit) : resumeConfig(checkpoint!, input, raw, explicit));
    let summary: SummaryEvent | undefined;
    const reporters: Reporter[] = [assertions];
    if (raw.json === true) {
      reporters.push(new JsonReporter());
      // The header still goes to stderr for people watching a --json run, unless --quiet.
      if (!quiet) reporters.push(new TableReporter(null, process.stderr, makeChalk(process.stderr, raw.color !== false), false));
    } else {
      reporters.push(
        new TableReporter({ stream: process.stdout, style: makeChalk(process.stdout, raw.color !== false) }, process.stderr, makeChalk(process.stderr, raw.color !== false), quiet, tableMetrics(raw.metrics)),
      );
    }
    // The bar goes first, so that it is cleared before the table prints an epoch's row under it.
    if (!quiet && process.stderr.isTTY) reporters.unshift(new ProgressReporter(process.stderr));
    if (!quiet) reporters.push(new SparklineReporter(process.stderr, wantsAscii(raw.color !== false)));
    const report = raw.report === undefined ? undefined : new ReportWriter(String(raw.report), reportTarget('--report', String(raw.report)), input === '-' ? 'stdin' : input);
    if (report) reporters.push(report);
    let failed = false;
    try {
      await interruptible(async (signal) => {
        const options = {
          signal,
          writtenBy: `inc-learn ${version()}`,
          ...(checkpoint ? { resume: checkpoint } : {}),
          ...(saved ? { resumeContenders: checkpoints! } : {}),
          ...(reportEvery === undefined ? {} : { reportEvery }),
          ...(target === undefined ? {} : { save: { target, ...(every === undefined ? {} : { every }) } }),
        };
        for await (const event of train(config, options)) {
          emit(reporters, event);
          if (event.event === 'summary') summary = event;
        }
      }, target !== undefined || report !== undefined);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      for (const r of reporters) r.close();
      // What the run got to, even when it failed; a failure to write it must not hide the run's own error.
      await report?.write(`inc-learn ${version()}`).catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
    if (interruptedExit !== undefined) return;
    checkSkips(summary, input === '-' ? 'stdin' : input, maxSkipRate);
    assertions.verdict();
  }, fresh?.contenders?.map((c) => c.name) ?? saved?.map((l) => l.name));
}

/** predict's flags that make a new model (its option keys): they apply only when --learn starts one. */
const NEW_MODEL_KEYS = [
  'target', 'task', 'features', 'ignore', 'inferRows', 'hashBits', 'learner', 'optimizer', 'lr', 'l2', 'batchSize', 'hidden', 'activation', 'backend',
  'sampler', 'sampleRate', 'bufferSize', 'replayRatio', 'classWeights', 'seed', ...allParams().map(({ param }) => param.key),
];

async function runPredict(input: string, raw: RawOptions, explicit: Set<string>): Promise<void> {
  const output = oneOf('--output', raw.output ?? 'csv', ['csv', 'jsonl'] as const);
  const onError = oneOf('--on-error', raw.onError ?? 'fail', ['fail', 'skip'] as const);
  const learn = raw.learn === true;
  if (!learn && raw.save !== undefined) throw new UsageError('--save applies to predict --learn (a model that only predicts does not change)');
  // A checkpoint of several learners (train --model a,b --save DIR): --learner NAME picks one, whose subdirectory is the model.
  const several = existsSync(String(raw.model)) ? await readLearnersList(String(raw.model)) : undefined;
  const dir = several ? join(String(raw.model), pickLearner(String(raw.model), several, explicit.has('learner') ? String(raw.learner) : undefined, '--learner').dir) : String(raw.model);
  const saveDir = learn ? (raw.save === undefined ? dir : String(raw.save)) : undefined;
  const every = learn ? checkpointEvery(raw, saveDir) : undefined;
  if (!learn && raw.checkpointEvery !== undefined) throw new UsageError('--checkpoint-every applies to predict --learn');
  const inputConfig_ = inputConfig(input, raw);
  await withTarget(saveDir, raw.quiet === true, async (target) => {
    const newModelFlag = NEW_MODEL_KEYS.find((key) => explicit.has(key) && !(several && key === 'learner'));
    // DIR.bak alone is a checkpoint too (a save stopped between its renames): loading uses it.
    const checkpoint = learn && !existsSync(dir) && !existsSync(`${dir.replace(/[\\/]+$/, '')}.bak`) ? undefined : await readModelDirectory(dir, 'predict');
    const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (checkpoint && newModelFlag !== undefined) {
      throw new UsageError(
        `${flagName(newModelFlag)} applies to a new model (predict --learn with a --model directory that does not exist yet); ${dir} holds one, which keeps its own settings`,
      );
    }
    if (!checkpoint && isLearnerName(dir)) {
      throw new UsageError(`--model ${dir}: --model is the directory of the model; to start a new ${dir} model there, give the learner as --learner ${dir} and a directory, e.g. --model ${dir}-model`);
    }
    const newModel = checkpoint ? undefined : runConfig(input, { ...raw, model: raw.learner });
    const precision = raw.precision === undefined ? undefined : number('--precision', raw.precision, { min: 1, max: 17, integer: true });
    const writer = new PredictionWriter(process.stdout, output, precision);
    const style = makeChalk(process.stderr, raw.color !== false);
    await interruptible(async (signal) => {
      const events = predict(
        {
          ...(checkpoint ? { checkpoint } : { newModel: newModel! }),
          input: inputConfig_,
          onError,
          learn,
          signal,
          writtenBy: `inc-learn ${version()}`,
          ...(raw.keep === undefined ? {} : { keep: list(raw.keep) ?? [] }),
          ...(target === undefined ? {} : { save: { target, ...(every === undefined ? {} : { every }) } }),
        },
        writer,
      );
      const bar = progressBar(raw, 'predict');
      try {
        for await (const event of events) {
          if (event.event === 'progress') bar?.on(event);
          else if (event.event === 'start' && event.new_model && raw.quiet !== true) process.stderr.write(describeNewModel(event as PredictStartEvent, style));
          else if (event.event === 'drift' && raw.quiet !== true) {
            // The line goes where the bar is (stdout has the predictions): the bar starts again at the next progress.
            bar?.close();
            process.stderr.write(style.yellow(driftLine(event)) + '\n');
          }
          else if (event.event === 'summary') {
            bar?.close();
            await writer.flush();
            const e = event as PredictSummaryEvent;
            if (raw.quiet !== true || e.skipped > 0 || e.interrupted) process.stderr.write(describePredictSummary(e, style));
          }
        }
      } finally {
        bar?.close();
      }
    }, target !== undefined);
  });
}

/** A progress bar on stderr when it is a terminal, unless --quiet; train has its own among its reporters. */
function progressBar(raw: RawOptions, label: string): ProgressReporter | undefined {
  return raw.quiet !== true && process.stderr.isTTY ? new ProgressReporter(process.stderr, label) : undefined;
}

async function runEvaluate(input: string, raw: RawOptions): Promise<void> {
  const onError = oneOf('--on-error', raw.onError ?? 'fail', ['fail', 'skip'] as const);
  const inputConfig_ = inputConfig(input, raw);
  // A checkpoint of several learners: every one of them scored, one after the other (or the one --learner names).
  const checkpoints = await readModelDirectories(String(raw.model), raw.learner === undefined ? undefined : String(raw.learner));
  await interruptible(async (signal) => {
    for (const [i, checkpoint] of checkpoints.entries()) {
      if (signal.aborted) break;
      let start: PredictStartEvent | undefined;
      const bar = progressBar(raw, 'evaluate');
      try {
        for await (const event of predict({ checkpoint, input: inputConfig_, onError, signal }, null, 'evaluate')) {
          if (event.event === 'start') start = event;
          else if (event.event === 'progress') bar?.on(event);
          // evaluate learns nothing: no detector runs.
          else if (event.event !== 'drift') {
            bar?.close();
            if (raw.json === true) process.stdout.write(JSON.stringify(event) + '\n');
            else {
              if (i > 0) process.stdout.write('\n');
              printEvaluation(start!, event, makeChalk(process.stdout, raw.color !== false), process.stdout);
            }
          }
        }
      } finally {
        bar?.close();
      }
    }
  });
}

/**
 * evaluate's --model DIR: its checkpoint; for a checkpoint of several learners (train --model a,b
 * --save DIR), the one --learner names, or every one.
 */
async function readModelDirectories(dir: string, learner: string | undefined): Promise<LoadedCheckpoint[]> {
  const several = await readLearnersList(dir);
  if (!several) {
    if (learner !== undefined) throw new UsageError(`--learner picks one learner of a checkpoint of several (train --model a,b --save DIR); ${dir} holds one`);
    return [await readModelDirectory(dir, 'evaluate')];
  }
  const chosen = learner === undefined ? several : [pickLearner(dir, several, learner, '--learner')];
  const out: LoadedCheckpoint[] = [];
  for (const l of chosen) out.push(await readModelDirectory(join(dir, l.dir), 'evaluate'));
  return out;
}

/**
 * predict's and evaluate's --model: a checkpoint directory, where train's --model is a learner. A
 * learner's name that is no directory gets told what to give instead.
 */
async function readModelDirectory(dir: string, command: 'predict' | 'evaluate'): Promise<LoadedCheckpoint> {
  try {
    return await readCheckpoint(dir);
  } catch (error) {
    if (error instanceof DataError && error.reason === 'no-checkpoint' && error.detail.startsWith('no checkpoint here') && isLearnerName(dir)) {
      throw new UsageError(
        `--model ${dir}: no such directory; ${command} takes the checkpoint directory that train --save writes, not a learner: e.g. inc-learn train data.csv --model ${dir} --save ${dir}-model, then inc-learn ${command} --model ${dir}-model`,
      );
    }
    throw error;
  }
}

/** Whether train --model would take this name. */
function isLearnerName(name: string): boolean {
  try {
    modelConfig({ model: name });
    return true;
  } catch {
    return false;
  }
}

function emit(reporters: Reporter[], event: RunEvent): void {
  for (const r of reporters) r.on(event);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const program = buildProgram();
  try {
    interruptedExit = undefined;
    await program.parseAsync(argv, { from: 'user' });
    return interruptedExit ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with code 0; commander already printed the message.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof DataError || error instanceof AssertionFailed) {
      process.stderr.write(`inc-learn: ${error.message}\n`);
      if (verbose && error.stack) process.stderr.write(error.stack + '\n');
      return error.exitCode;
    }
    throw error;
  }
}
