/**
 * Ctrl-C and `kill`: the first SIGINT or SIGTERM asks the run to stop (it finishes the row or batch
 * in hand, writes its checkpoint, reports what it did so far) and the process then exits with 130 or
 * 143; a second one exits at once with that code.
 */
const CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export class Interrupts {
  private readonly controller = new AbortController();
  /** 130 or 143 once a signal came. */
  exitCode: number | undefined;
  private readonly handlers: [NodeJS.Signals, () => void][];

  constructor(readsStdin: boolean) {
    this.handlers = (Object.keys(CODES) as (keyof typeof CODES)[]).map((name) => {
      const handler = (): void => {
        const code = CODES[name];
        if (this.controller.signal.aborted) process.exit(code);
        this.exitCode = code;
        this.controller.abort();
        // Stop reading: a pipe that stays open (`tail -f | ...`) must not keep the process waiting.
        if (readsStdin) process.stdin.destroy();
      };
      process.on(name, handler);
      return [name, handler];
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  release(): void {
    for (const [name, handler] of this.handlers) process.off(name, handler);
  }
}
