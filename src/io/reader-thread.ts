/**
 * The reader thread's worker (threaded-worker.ts), and when to have one. A worker takes about 30 ms
 * to boot and load its modules; started by the executable before the CLI's own modules load (as
 * long again), that time overlaps instead of adding to every threaded run. The worker then waits
 * for its options (the 'start' message), which only the parsed command line gives.
 *
 * This module imports only node: modules, so that the executable can load it first, at little cost.
 */
import { fstatSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this size a file is read in the main thread: the worker's start-up would cost more than it saves. */
export const THREAD_MIN_BYTES = 8 << 20;

/**
 * The reader thread allocates briskly (chunks, batches), and V8 would let its young generation grow
 * to tens of megabytes over a long stream; a small fixed one keeps the peak flat in the stream's
 * length at no measured cost in speed.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

export interface ReaderThread {
  worker: Worker;
  /** Batches the main thread has taken and the reader may replace (see threaded.ts). */
  credits: Int32Array;
}

/** The commands that read their input through openInputSource (threaded.ts). */
const READING_COMMANDS = new Set(['train', 'predict', 'evaluate', 'inspect']);

let started: ReaderThread | undefined;

function startReaderThread(): ReaderThread {
  const credits = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./threaded-worker.js', import.meta.url), {
    workerData: { credits },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  // The worker must not keep the process alive on its own; passes keep it referenced while reading.
  worker.unref();
  return { worker, credits };
}

/**
 * Starts the reader thread early when the command line looks like a run that will use one (the
 * same rules as openInputSource, guessed from the raw arguments). A wrong guess costs little:
 * openInputSource starts one itself, or stops the unused one.
 */
export function startReaderThreadFor(args: readonly string[]): boolean {
  if (started !== undefined || !READING_COMMANDS.has(args[0] ?? '') || !coreToSpare()) return false;
  if (args.some((a) => a === '--no-parse-thread' || a === '--help' || a === '-h')) return false;
  const forced = args.includes('--parse-thread');
  const reads = args.slice(1).some((a) => (a === '-' ? stdinIsPipe() : !a.startsWith('-') && fileBytes(a) >= (forced ? 1 : THREAD_MIN_BYTES)));
  if (!reads) return false;
  const thread = startReaderThread();
  // A worker that fails to boot is left for openInputSource to start again, and to report.
  thread.worker.once('error', () => {
    if (started === thread) started = undefined;
  });
  started = thread;
  return true;
}

/** The reader thread started early, or a new one. */
export function takeReaderThread(): ReaderThread {
  const thread = started ?? startReaderThread();
  started = undefined;
  return thread;
}

/** Stops a reader thread started early that the run turned out not to need; resolves once it has exited. */
export async function stopUnusedReaderThread(): Promise<void> {
  const thread = started;
  started = undefined;
  if (thread !== undefined) await thread.worker.terminate();
}

/** A second core, at least. Load is not looked at: the one-minute average lags, and the choice should not change from run to run. */
export function coreToSpare(): boolean {
  return availableParallelism() >= 2;
}

export function stdinIsPipe(): boolean {
  try {
    return fstatSync(0).isFIFO();
  } catch {
    return false;
  }
}

function fileBytes(path: string): number {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isFile() ? stats.size : 0;
  } catch {
    return 0;
  }
}
