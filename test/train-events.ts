/** A training run in this process, for tests: its events, without what depends on the machine. */
import { runConfig, type RawOptions } from '../src/cli/options.js';
import { readCheckpoint } from '../src/persist/store.js';
import { CheckpointTarget } from '../src/persist/target.js';
import type { RunEvent } from '../src/run/events.js';
import { train, type TrainOptions } from '../src/run/train.js';

export type Event = Record<string, any>;

/** Fields measured on the machine: wall times and the process's memory. */
const MEASURED = new Set(['elapsed_ms', 'rows_per_sec', 'learner_ms', 'learner_rows_per_sec', 'peak_rss_bytes']);

/**
 * The events of `train` over the file with these flags, without progress events (they come by the
 * clock) and measured fields; `save` writes a checkpoint to `save.dir`, resuming from `save.resume`.
 */
export async function trainEvents(path: string, options: RawOptions, save?: { dir: string; resume?: string }, more: Pick<TrainOptions, 'reportEvery'> = {}): Promise<Event[]> {
  const target = save ? await CheckpointTarget.claim(save.dir) : undefined;
  const events: Event[] = [];
  try {
    const resume = save?.resume === undefined ? undefined : await readCheckpoint(save.resume);
    for await (const e of train(runConfig(path, options), { ...more, ...(target ? { save: { target } } : {}), ...(resume ? { resume } : {}) })) {
      if (e.event !== 'progress') events.push(withoutMeasured(e));
    }
  } finally {
    target?.release();
  }
  return events;
}

function withoutMeasured(e: RunEvent): Event {
  return Object.fromEntries(Object.entries(e).filter(([k]) => !MEASURED.has(k)));
}
