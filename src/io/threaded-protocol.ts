/** The messages between the main thread and the reader thread (threaded.ts, threaded-worker.ts). */
import type { DataLocation } from '../errors.js';
import type { OpenSourceOptions } from './source.js';
import type { PassOptions, RowIssue } from './types.js';

/**
 * Batches on their way to the main thread at once: enough that neither thread waits on the other's
 * wake-up (4 left both idle a third of the time; 16 took the 2M-row run from 0.55 to 0.46 s), few
 * enough to bound memory (a batch is about 160 kB).
 */
export const IN_FLIGHT = 16;

/**
 * The reader thread reads 64 kB at a time: a chunk it still holds when the young generation is
 * collected moves to the old one and is freed late, and with 1 MB chunks those add up to tens of
 * megabytes over a long stream (peak 85 -> 136 MB from 100k to 10M rows; with 64 kB, 79 -> 85 MB).
 */
export const THREAD_CHUNK_SIZE = 1 << 16;

/** Besides these messages, the main thread returns a credit per batch received through a shared counter. */
export type ToWorker =
  /** The first message: what to read. The worker answers 'ready' or 'error'. */
  | { type: 'start'; options: OpenSourceOptions }
  | { type: 'open'; pass: number; options: PassOptions }
  | { type: 'cancel'; pass: number }
  | { type: 'close' }
  /** OpenSourceOptions.stop: stop reading the input for good. */
  | { type: 'stop' }
  /** RecordStream.readTextOf for the pass under way. */
  | { type: 'read-text-of'; pass: number; columns: string[] }
  /** Arrays of batches the main thread has released, for the reader to reuse. */
  | { type: 'recycle'; buffers: ArrayBuffer[] };

export interface SerializedError {
  kind: 'data' | 'usage' | 'other';
  message: string;
  location?: DataLocation;
  detail?: string;
  reason?: string;
  stack?: string;
}

export type FromWorker =
  | { type: 'ready'; pass: 0; name: string; format: string; totalBytes: number | null; sniffedDelimiter?: string }
  | {
      type: 'batch';
      pass: number;
      rows: number;
      width: number;
      values: Float64Array;
      line: Float64Array;
      /** The cells that have text, and each one's text as an index into textValues. */
      textIndex: Int32Array;
      textCodes: Int32Array;
      /** Each distinct text of the batch once (labels, categories): a string is cloned per value, not per cell. */
      textValues: string[];
      issues: (RowIssue | null)[] | null;
      /** RecordBatch.literal, when the pass keeps literals. */
      literal?: (string | null)[];
      /** Sent when the column list has grown since the last batch. */
      columns: string[] | null;
      /** With columns: the ones whose header name was generated. */
      unnamed?: number[];
      bytesRead: number;
    }
  | { type: 'end'; pass: number; columns: string[]; unnamed?: number[]; bytesRead: number }
  | { type: 'error'; pass: number; error: SerializedError };
