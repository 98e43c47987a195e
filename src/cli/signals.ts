/**
 * Ctrl-C, `kill` and a terminal that goes away: the first SIGINT, SIGTERM or SIGHUP asks the run to
 * stop (reading stops, at once even on an idle pipe; the rows already read are learned and scored;
 * the checkpoint is written; what was done so far is reported, where there is still somewhere to
 * report it) and the process then exits with 130, 143 or 129; a second one exits at once with that
 * code. SIGHUP's default, dying on the spot, lost every row learned since the last checkpoint when an
 * ssh session or a terminal window closed under a run.
 */
const CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

export class Interrupts {
  private readonly controller = new AbortController();
  /** 130, 143 or 129 once a signal came. */
  exitCode: number | undefined;
  constructor() {
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
