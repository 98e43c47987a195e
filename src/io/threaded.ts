/**
 * Parsing on a second core. A worker thread runs openSource and posts record batches back with their
 * typed arrays transferred, not copied, so parsing the next batch overlaps learning from this one.
 * At most IN_FLIGHT batches are on their way at a time, which keeps memory flat however fast the
 * worker reads. The batches are the same ones the in-thread reader makes (a test compares them).
 */
import { stat } from 'node:fs/promises';
import { DataError, UsageError } from '../errors.js';
import { allNull, recycleText, takeText } from './batch.js';
import { openSource, type OpenSourceOptions } from './source.js';
import type { Format, PassOptions, RecordBatch, RecordStream, RowIssue, Source } from './types.js';
import { THREAD_CHUNK_SIZE, type FromWorker, type SerializedError, type ToWorker } from './threaded-protocol.js';
import { coreToSpare, stdinIsPipe, stopUnusedReaderThread, takeReaderThread, THREAD_MIN_BYTES } from './reader-thread.js';

/** Released batches whose arrays are sent back to the worker in one message. */
const RETURN_EVERY = 8;

/**
 * Opens the input, parsing in a worker thread while this one learns, when that pays: `thread` true
 * forces it where possible, false never; undefined (the default) uses it for files of
 * THREAD_MIN_BYTES or more and for piped stdin, on a machine with two cores or more (on a loaded
 * machine the two threads take turns, and `--no-parse-thread` can be faster). Possible means a file,
 * or stdin when it is a pipe: the worker reopens it as /dev/stdin, which a socket or a terminal does
 * not allow, and a caller-supplied stream lives in this thread. Both give the same batches (tested).
 */
export async function openInputSource(thread: boolean | undefined, opts: OpenSourceOptions): Promise<Source> {
  if (await useThread(thread, opts)) return openThreadedSource(opts);
  void stopUnusedReaderThread();
  return openSource(opts);
}

async function useThread(thread: boolean | undefined, opts: OpenSourceOptions): Promise<boolean> {
  if (thread === false || opts.stdin !== undefined) return false;
  if (opts.path === '-' ? !stdinIsPipe() : thread === undefined && (await fileSize(opts.path)) < THREAD_MIN_BYTES) return false;
  return thread === true || coreToSpare();
}

async function fileSize(path: string): Promise<number> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : 0;
  } catch {
    // openSource reports the problem with its own message.
    return 0;
  }
}

export function reviveError(e: SerializedError): Error {
  if (e.kind === 'data') return new DataError(e.location!, e.detail!, e.reason);
  if (e.kind === 'usage') return new UsageError(e.message);
  const error = new Error(e.message);
  if (e.stack) error.stack = e.stack;
  return error;
}

/** Rebuilds a batch from its wire form: text comes as [index, text] pairs for the cells that have text. */
function reviveBatch(m: Extract<FromWorker, { type: 'batch' }>): RecordBatch {
  const cells = m.rows * m.width;
  const { textIndex, textCodes, textValues } = m;
  let text: (string | null)[];
  if (textIndex.length === 0) {
    text = allNull(cells);
  } else {
    text = takeText(cells);
    for (let i = 0; i < textIndex.length; i++) text[textIndex[i]!] = textValues[textCodes[i]!]!;
  }
  const batch: RecordBatch = { rows: m.rows, width: m.width, values: m.values, text, line: m.line, issues: m.issues as (RowIssue | null)[] | null };
  if (m.literal !== undefined) batch.literal = m.literal;
  return batch;
}

export async function openThreadedSource(opts: OpenSourceOptions): Promise<Source> {
  // Credits for batches in flight live in shared memory: a message from this thread per batch costs
  // a third of a millisecond while the worker is busy, an atomic add nothing.
  const { worker, credits } = takeReaderThread();
  const listeners = new Set<(m: FromWorker) => void>();
  let failure: Error | undefined;
  worker.on('message', (m: FromWorker) => {
    for (const listener of listeners) listener(m);
  });
  worker.on('error', (error) => {
    failure = error;
    for (const listener of listeners) listener({ type: 'error', pass: -1, error: { kind: 'other', message: error.message, ...(error.stack ? { stack: error.stack } : {}) } });
  });
  const send = (m: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  let released: ArrayBuffer[] = [];
  const { stop, ...options } = opts;
  send({ type: 'start', options: { ...options, stdin: undefined, chunkSize: THREAD_CHUNK_SIZE } });
  // The worker stops reading when told (see OpenSourceOptions.stop); its batches then end by themselves.
  const onStop = (): void => send({ type: 'stop' });
  if (stop?.aborted === true) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });

  const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
    const listener = (m: FromWorker): void => {
      listeners.delete(listener);
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'error') reject(reviveError(m.error));
    };
    listeners.add(listener);
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });

  let passes = 0;
  let closed = false;
  const source: Source = {
    name: ready.name,
    format: ready.format as Format,
    totalBytes: ready.totalBytes ?? undefined,
    ...(ready.sniffedDelimiter === undefined ? {} : { sniffedDelimiter: ready.sniffedDelimiter }),
    open(options: PassOptions = {}): RecordStream {
      if (closed) throw new Error(`${ready.name}: the source is closed`);
      const pass = ++passes;
      let columns: readonly string[] = [];
      let unnamed: readonly number[] = [];
      let bytesRead = 0;
      let started = false;
      return {
        get columns() {
          return columns;
        },
        get unnamed() {
          return unnamed;
        },
        get bytesRead() {
          return bytesRead;
        },
        release(batch: RecordBatch): void {
          // Arrays go back to the worker a few at a time (a message costs more than an atomic).
          released.push(batch.values.buffer as ArrayBuffer, batch.line.buffer as ArrayBuffer);
          recycleText(batch.text);
          if (released.length >= RETURN_EVERY * 2) {
            send({ type: 'recycle', buffers: released }, released);
            released = [];
          }
        },
        readTextOf(wanted: readonly string[]): void {
          send({ type: 'read-text-of', pass, columns: [...wanted] });
        },
        [Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
          if (started) throw new Error('a RecordStream can be iterated only once: call open() for another pass');
          started = true;
          const queue: FromWorker[] = [];
          let wake: (() => void) | undefined;
          let done = false;
          const listener = (m: FromWorker): void => {
            if (m.pass !== pass && m.pass !== -1) return;
            queue.push(m);
            wake?.();
          };
          listeners.add(listener);
          worker.ref();
          const finish = (): void => {
            done = true;
            listeners.delete(listener);
            worker.unref();
          };
          send({ type: 'open', pass, options: { ...options } });
          return {
            async next(): Promise<IteratorResult<RecordBatch>> {
              if (done) return { done: true, value: undefined };
              while (queue.length === 0) {
                if (failure) {
                  finish();
                  throw failure;
                }
                await new Promise<void>((resolve) => (wake = resolve));
                wake = undefined;
              }
              const m = queue.shift()!;
              if (m.type === 'batch') {
                Atomics.add(credits, 0, 1);
                Atomics.notify(credits, 0);
                if (m.columns) columns = m.columns;
                if (m.unnamed) unnamed = m.unnamed;
                bytesRead = m.bytesRead;
                return { done: false, value: reviveBatch(m) };
              }
              finish();
              if (m.type === 'end') {
                columns = m.columns;
                if (m.unnamed) unnamed = m.unnamed;
                bytesRead = m.bytesRead;
                return { done: true, value: undefined };
              }
              if (m.type === 'error') throw reviveError(m.error);
              throw new Error(`unexpected message from the reader thread: ${m.type}`);
            },
            async return(): Promise<IteratorResult<RecordBatch>> {
              if (!done) {
                send({ type: 'cancel', pass });
                finish();
              }
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stop?.removeEventListener('abort', onStop);
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      send({ type: 'close' });
      await exited;
    },
  };
  return source;
}
