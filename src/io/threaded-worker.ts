/** The reader thread: runs openSource and streams its batches to the main thread (threaded.ts). */
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { DataError, UsageError } from '../errors.js';
import { recycleArrays, recycleText } from './batch.js';
import { openSource, type OpenSourceOptions } from './source.js';
import { IN_FLIGHT, type FromWorker, type SerializedError, type ToWorker } from './threaded-protocol.js';
import type { PassOptions, RecordBatch, RecordStream, Source } from './types.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

function serialize(error: unknown): SerializedError {
  if (error instanceof DataError) return { kind: 'data', message: error.message, location: error.location, detail: error.detail, reason: error.reason };
  if (error instanceof UsageError) return { kind: 'usage', message: error.message };
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'other', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}

function wire(pass: number, batch: RecordBatch, columns: string[] | null, bytesRead: number): [FromWorker, ArrayBuffer[]] {
  const textIndex: number[] = [];
  const textCodes: number[] = [];
  const textValues: string[] = [];
  const text = batch.text;
  // Repeated texts are sent once; a batch whose texts hardly repeat (ids) stops looking them up.
  let seen: Map<string, number> | null = new Map();
  for (let i = 0; i < text.length; i++) {
    const t = text[i];
    if (t !== null && t !== undefined) {
      textIndex.push(i);
      let code = seen?.get(t);
      if (code === undefined) {
        code = textValues.push(t) - 1;
        if (seen !== null) {
          seen.set(t, code);
          if (textValues.length >= 256 && textValues.length * 2 > textIndex.length) seen = null;
        }
      }
      textCodes.push(code);
    }
  }
  // Batches may share a buffer with a larger one when they were sliced; transfer only whole buffers.
  const values = batch.values.byteOffset === 0 && batch.values.byteLength === batch.values.buffer.byteLength ? batch.values : batch.values.slice();
  const line = batch.line.byteOffset === 0 && batch.line.byteLength === batch.line.buffer.byteLength ? batch.line : batch.line.slice();
  // Sent: the batch is gone from this thread, its text array can be filled again.
  recycleText(text);
  const index = Int32Array.from(textIndex);
  const codes = Int32Array.from(textCodes);
  return [
    {
      type: 'batch',
      pass,
      rows: batch.rows,
      width: batch.width,
      values,
      line,
      textIndex: index,
      textCodes: codes,
      textValues,
      issues: batch.issues,
      ...(batch.literal === undefined ? {} : { literal: batch.literal }),
      columns,
      bytesRead,
    },
    [values.buffer as ArrayBuffer, line.buffer as ArrayBuffer, index.buffer as ArrayBuffer, codes.buffer as ArrayBuffer],
  ];
}

/**
 * A worker's process.stdin is not the process's: /dev/stdin opens the same pipe again. Opened
 * non-blocking it is read as a socket, through the event loop, so that closing it ends a read that
 * waits on an idle pipe (a blocking file read would hold the thread, and the process, until data came).
 */
function reopenStdin(): Socket {
  const fd = openSync('/dev/stdin', constants.O_RDONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: true, writable: false });
  // Not destroyed when reading stops: the worker's exit closes it. Node closes such a descriptor
  // again as a worker exits (traced with strace: two close() calls in a row, the second EBADF);
  // destroyed when reading stopped, the first close came long before that second one, and the
  // main thread opened the checkpoint's files and the lock in between, under the same number (node
  // then aborted in readFileSync with "Assertion failed ... uv_fs_close"). Now the two closes are
  // adjacent: the window is microseconds, not the whole checkpoint write.
  socket.destroy = function (this: Socket): Socket {
    this.pause();
    this.removeAllListeners('data');
    return this;
  };
  return socket;
}

const { credits } = workerData as { credits: Int32Array };
/** OpenSourceOptions.stop for the source read here, fired by the main thread's 'stop'. */
const stopper = new AbortController();
let source: Source | undefined;
let current = 0;
let currentStream: RecordStream | undefined;

/** Waits for a credit (a batch the main thread has taken) or for the pass to be cancelled. */
async function takeCredit(pass: number): Promise<boolean> {
  for (;;) {
    if (current !== pass) return false;
    const available = Atomics.load(credits, 0);
    if (available > 0) {
      if (Atomics.compareExchange(credits, 0, available, available - 1) === available) return true;
      continue;
    }
    // Wake up now and then to notice a cancel, which comes as a message.
    await Atomics.waitAsync(credits, 0, available, 50).value;
  }
}

async function runPass(pass: number, options: PassOptions): Promise<void> {
  current = pass;
  // A new pass starts with full credit; a pass it replaces stops at its next credit check.
  Atomics.store(credits, 0, IN_FLIGHT);
  const stream = source!.open(options);
  currentStream = stream;
  const iterator = stream[Symbol.asyncIterator]();
  let sentColumns = 0;
  try {
    for (;;) {
      if (!(await takeCredit(pass))) {
        await iterator.return?.();
        return;
      }
      const next = await iterator.next();
      if (next.done) break;
      const columns = stream.columns.length !== sentColumns ? [...stream.columns] : null;
      sentColumns = stream.columns.length;
      const [message, transfer] = wire(pass, next.value, columns, stream.bytesRead);
      if (columns !== null && message.type === 'batch') message.unnamed = [...(stream.unnamed ?? [])];
      post(message, transfer);
    }
    post({ type: 'end', pass, columns: [...stream.columns], unnamed: [...(stream.unnamed ?? [])], bytesRead: stream.bytesRead });
  } catch (error) {
    post({ type: 'error', pass, error: serialize(error) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      void start(m.options);
      break;
    case 'open':
      void runPass(m.pass, m.options);
      break;
    case 'recycle':
      recycleArrays(m.buffers.map((b) => new Float64Array(b)));
      break;
    case 'read-text-of':
      if (m.pass === current) currentStream?.readTextOf?.(m.columns);
      break;
    case 'cancel':
      if (m.pass === current) current = 0;
      break;
    case 'stop':
      stopper.abort();
      break;
    case 'close':
      current = 0;
      void (source?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      break;
  }
});

async function start(opts: OpenSourceOptions): Promise<void> {
  try {
    // A worker's process.stdin is not the process's: see reopenStdin.
    source = await openSource({ ...opts, ...(opts.path === '-' ? { stdin: reopenStdin() } : {}), stop: stopper.signal });
    post({
      type: 'ready',
      pass: 0,
      name: source.name,
      format: source.format,
      totalBytes: source.totalBytes ?? null,
      ...(source.sniffedDelimiter === undefined ? {} : { sniffedDelimiter: source.sniffedDelimiter }),
    });
  } catch (error) {
    post({ type: 'error', pass: 0, error: serialize(error) });
  }
}
