/** `inc-learn inspect`: the schema a run would infer, without training. */
import type { ChalkInstance } from 'chalk';
import { singleLine } from '../errors.js';
import { inferSchema } from '../features/schema.js';
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
