/** JSON lines on stdout: the start, every epoch and the summary, one object per line. */
import type { RunEvent } from '../run/events.js';
import type { Reporter } from './types.js';

export class JsonReporter implements Reporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  on(event: RunEvent): void {
    if (event.event === 'progress') return;
    this.out.write(JSON.stringify(event) + '\n');
  }

  close(): void {}
}
