/** `inc-learn inspect`: the schema a run would infer, without training; with --model DIR, what a saved model learned. */
import type { ChalkInstance } from 'chalk';
import { singleLine } from '../errors.js';
import { inferSchema } from '../features/schema.js';
import { DataError } from '../errors.js';
import { learnerByKind } from '../learners/registry.js';
import type { ScaledTargetState } from '../learners/scaled-target.js';
import type { PoolWeight } from '../learners/types.js';
import type { ArfState } from '../learners/tree/arf.js';
import { describeTreeLearner } from '../learners/tree/describe.js';
import type { HtState } from '../learners/tree/ht.js';
import type { HtrState } from '../learners/tree/regressor.js';
import { checkTreeState } from '../learners/tree/state-check.js';
import { readCheckpoint } from '../persist/store.js';
import type { InputConfig, SchemaConfig } from '../run/config.js';
import type { SchemaSummary } from '../run/events.js';
import { columnOrigins, openInput, readPrefix, summarizeSchema } from '../run/train.js';

export interface Inspection extends SchemaSummary {
  input: string;
  format: string;
}

export async function inspect(input: InputConfig, schemaOptions: SchemaConfig, stdin?: NodeJS.ReadableStream): Promise<Inspection> {
  const source = await openInput(input, { stdin, once: true });
  try {
    const stream = source.open();
    const iterator = stream[Symbol.asyncIterator]();
    const { prefix } = await readPrefix(iterator, schemaOptions.inferRows, source.name);
    await iterator.return?.();
    const schema = inferSchema(source.name, stream.columns, prefix, schemaOptions, columnOrigins(input, source, stream));
    return { input: source.name, format: source.format, ...summarizeSchema(schema) };
  } finally {
    await source.close();
  }
}

export function printInspection(result: Inspection, json: boolean, style: ChalkInstance): void {
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'schema', ...result }) + '\n');
    return;
  }
  // A line break in a quoted name would break the table: control characters are shown escaped.
  const names = result.columns.map((c) => singleLine(c.name));
  const width = Math.max(6, ...names.map((n) => n.length));
  const lines = [
    `${style.bold(result.input)} (${result.format}), ${result.rows_inspected} rows inspected`,
    `${style.bold('column'.padEnd(width))}  ${style.bold('type'.padEnd(11))}  ${style.bold('role')}`,
    ...result.columns.map((c, i) => `${names[i]!.padEnd(width)}  ${c.type.padEnd(11)}  ${c.role === 'target' ? style.cyan(c.role) : c.role}${c.note ? style.dim(`  (${c.note})`) : ''}`),
    `target ${style.cyan(singleLine(result.target))}, task ${result.task}`,
  ];
  if (result.task === 'classification') lines.push(`classes seen (${result.classes.length}): ${result.classes.join(', ')}`);
  for (const note of result.notes ?? []) lines.push(style.yellow(`note: ${note}`));
  process.stdout.write(lines.join('\n') + '\n');
}

/** What `inspect --model DIR` reports of a saved model. */
export interface ModelInspection {
  model: string;
  learner: string;
  task: string;
  target: string;
  /** Rows the model has learned from. */
  trained: number;
  /** The learner's own description (a tree's shape and splits), when it has one. */
  structure: Record<string, unknown> | null;
  lines: string[];
}

export async function inspectModel(dir: string): Promise<ModelInspection> {
  const checkpoint = await readCheckpoint(dir);
  const state = checkpoint.state;
  let learner = state.learner;
  while (learner.kind === 'scaled-target') learner = (learner as ScaledTargetState).inner;
  const base = { model: checkpoint.name, learner: learner.kind, task: state.schema.task, target: state.schema.columns[state.schema.target]?.name ?? String(state.schema.target), trained: state.counts.trained };
  if (learner.kind === 'auto') return { ...base, ...describePool((await learnerByKind('auto')!.restore(learner, { model: state.config })).pool?.() ?? []) };
  if (!['ht', 'hat', 'arf'].includes(learner.kind)) return { ...base, structure: null, lines: [] };
  try {
    checkTreeState(learner);
  } catch (err) {
    throw new DataError({ source: checkpoint.name }, `corrupt checkpoint: learner: ${err instanceof Error ? err.message : String(err)}`, 'bad-checkpoint');
  }
  const tree = learner as HtState | HtrState | ArfState;
  const numeric = tree.features.filter((f) => f.kind === 'numeric').length;
  const { json, lines } = describeTreeLearner(tree, {
    ...(state.schema.task === 'classification' ? { classes: state.featurizer.classes } : {}),
    category: (feature, code) => state.featurizer.categories[feature - numeric]?.[code] ?? String(code),
  });
  return { ...base, structure: json, lines };
}

/** auto's mix: each member (and the stack), its weight in the next prediction, and the share of rows it led the mix. */
function describePool(pool: PoolWeight[]): Pick<ModelInspection, 'structure' | 'lines'> {
  const led = Math.max(1, pool.reduce((sum, m) => sum + m.chosen, 0));
  const width = Math.max(6, ...pool.map((m) => m.member.length));
  const lines = [
    `${pool.length} in the mix: each row's prediction mixes theirs by these weights (from their recent errors)`,
    `${'member'.padEnd(width)}  weight  rows led`,
    ...pool.map((m) => `${m.member.padEnd(width)}  ${m.weight.toFixed(4)}  ${m.chosen.toLocaleString('en-US')} (${((100 * m.chosen) / led).toFixed(1)}%)`),
  ];
  return { structure: { pool }, lines };
}

export function printModelInspection(result: ModelInspection, json: boolean, style: ChalkInstance): void {
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'model', model: result.model, learner: result.learner, task: result.task, target: result.target, trained: result.trained, ...(result.structure ?? {}) }) + '\n');
    return;
  }
  const head = `${style.bold(result.model)}: ${result.learner}, ${result.task} of ${style.cyan(result.target)}, ${result.trained.toLocaleString('en-US')} rows learned`;
  const lines = result.structure === null ? [`(${result.learner} has no structure to draw: inspect --model describes trees, forests and auto's pool)`] : result.lines;
  process.stdout.write([head, ...lines].join('\n') + '\n');
}
