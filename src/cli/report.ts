/** `inc-learn report`: the JSON events of one or more runs (files, or '-' for stdin) to an HTML or SVG report. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataError, UsageError } from '../errors.js';
import { reportTarget, writeReport } from '../report/report-file.js';
import { RunCollector } from '../report/runs.js';

export async function runReport(inputs: string[], output: string | undefined, generator: string): Promise<void> {
  if (output === undefined) throw new UsageError('report: give the file to write with -o, e.g. -o report.html (or report.svg for the learning curve alone)');
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError("report: stdin ('-') can be read once");
  const format = reportTarget('-o', output);
  const collector = new RunCollector();
  for (const input of inputs) await readEvents(input, collector);
  await writeReport(collector, output, format, generator);
}

async function readEvents(input: string, collector: RunCollector): Promise<void> {
  const source = input === '-' ? 'stdin' : input;
  const stream = input === '-' ? process.stdin : createReadStream(input);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new DataError({ source }, error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'is a directory, not a file of JSON events' : error.message)));
    stream.once('readable', resolve);
    stream.once('end', resolve);
  });
  await opened;
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw new DataError({ source, line }, `expected a JSON event (inc-learn train --json), found ${JSON.stringify(text.slice(0, 40))}`);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof (event as { event?: unknown }).event !== 'string') {
      throw new DataError({ source, line }, 'expected an inc-learn event: a JSON object with an "event" field (inc-learn train --json)');
    }
    collector.add(event as Record<string, unknown>, source);
  }
}
