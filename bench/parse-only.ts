/**
 * Parsing only: opens a source with the project's own readers (openSource) and walks every record
 * batch, counting rows and cells, without schema inference, features or a learner. Run as its own
 * process by the bench so that its wall time and peak RSS are whole-process numbers comparable with
 * `inc-learn train`.
 *
 *   node dist/bench/parse-only.js FILE|- [--format csv|jsonl]
 *
 * Prints one JSON line: {"rows":…,"numbers":…,"texts":…,"issues":…,"columns":…,"bytes":…,"sum":…,"memory_mib":…}.
 * `sum` adds up the numeric cells so that the values are used (and a bad parse shows); `memory_mib`
 * is process.memoryUsage() at the end (rss, heapTotal, heapUsed, external, arrayBuffers), to tell
 * where a peak RSS comes from.
 */
import { openSource } from '../src/io/source.js';
import type { Format } from '../src/io/types.js';

async function main(argv: string[]): Promise<void> {
  let path: string | undefined;
  let format: Format | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--format') {
      const value = argv[++i];
      if (value !== 'csv' && value !== 'jsonl') throw new Error(`--format: csv or jsonl, not ${String(value)}`);
      format = value;
    } else if (path === undefined) path = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (path === undefined) throw new Error('usage: parse-only FILE|- [--format csv|jsonl]');
  const source = await openSource({ path, header: true, delimiter: ',', ...(format === undefined ? {} : { format }) });
  let rows = 0;
  let numbers = 0;
  let texts = 0;
  let issues = 0;
  let sum = 0;
  let bytes = 0;
  let columns = 0;
  try {
    const stream = source.open();
    for await (const batch of stream) {
      rows += batch.rows;
      const cells = batch.rows * batch.width;
      const { values, text } = batch;
      for (let i = 0; i < cells; i++) {
        const v = values[i]!;
        if (v === v) {
          numbers++;
          sum += v;
        } else if (text[i] !== null) texts++;
      }
      if (batch.issues) for (const issue of batch.issues) if (issue) issues++;
      // As train does: the reader may reuse the batch's arrays.
      stream.release(batch);
    }
    bytes = stream.bytesRead;
    columns = stream.columns.length;
  } finally {
    await source.close();
  }
  const memory_mib = Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round((v / 2 ** 20) * 10) / 10]));
  process.stdout.write(JSON.stringify({ source: source.name, format: source.format, rows, numbers, texts, issues, columns, bytes, sum, memory_mib }) + '\n');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`parse-only: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
