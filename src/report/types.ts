import type { RunEvent } from '../run/events.js';

/** A consumer of run events: it prints, it never computes metrics. */
export interface Reporter {
  on(event: RunEvent): void;
  close(): void;
}
