/**
 * Ctrl-C, `kill` and a terminal that goes away: the first SIGINT, SIGTERM or SIGHUP asks the run to
 * stop (reading stops, at once even on an idle pipe; the rows already read are learned and scored;
 * the checkpoint is written; what was done so far is reported, where there is still somewhere to
 * report it) and the process then exits with 130, 143 or 129; a second one exits at once with that
 * code. SIGHUP's default, dying on the spot, lost every row learned since the last checkpoint when an
 * ssh session or a terminal window closed under a run.
 */
const CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * What bin/inc-learn.js emits on `process` when stdout's reader went away (EPIPE, `| head -1`): a run
 * that writes files (a checkpoint, a report) stops as on a signal, writes them and exits 0; nothing
 * listens otherwise, and the process exits 0 at once.
 */
export const OUTPUT_CLOSED = 'inc-learn:output-closed';

export class Interrupts {
  private readonly controller = new AbortController();
  /** 130, 143 or 129 once a signal came; 0 when stdout's reader went away. */
  exitCode: number | undefined;
  private readonly onOutputClosed = (): void => {
    // A second EPIPE, or one while the run's last output is written, changes nothing.
    if (this.controller.signal.aborted) return;
    this.exitCode = 0;
    this.controller.abort();
  };

  /** `writesFiles`: the run saves a checkpoint or a report, which a closed stdout must not cost. */
  constructor(writesFiles = false) {
    if (writesFiles) process.on(OUTPUT_CLOSED, this.onOutputClosed);
    for (const name of Object.keys(CODES) as (keyof typeof CODES)[]) {
      const handler = (): void => {
        const code = CODES[name];
        if (this.controller.signal.aborted) process.exit(code);
        this.exitCode = code;
        // The input is opened with this signal as its stop: reading ends there (see run/abort.ts).
        this.controller.abort();
      };
      process.on(name, handler);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The run is over: a signal from now on (while the output is written) exits at once with its code. */
  release(): void {
    this.controller.abort();
  }
}
