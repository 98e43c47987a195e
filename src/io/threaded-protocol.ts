/** The messages between the main thread and the reader thread (threaded.ts, threaded-worker.ts). */
import type { DataLocation } from '../errors.js';
import type { RowIssue } from './types.js';

/** Batches on their way to the main thread at once: enough to keep both threads busy, few enough to bound memory. */
export const IN_FLIGHT = 4;

/** Besides these messages, the main thread returns a credit per batch received through a shared counter. */
export type ToWorker =
  | { type: 'open'; pass: number }
  | { type: 'cancel'; pass: number }
  | { type: 'close' }
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
  | { type: 'ready'; pass: 0; name: string; format: string; totalBytes: number | null }
  | {
      type: 'batch';
      pass: number;
      rows: number;
      width: number;
      values: Float64Array;
      line: Float64Array;
      textIndex: Int32Array;
      textValues: string[];
      issues: (RowIssue | null)[] | null;
      /** Sent when the column list has grown since the last batch. */
      columns: string[] | null;
      bytesRead: number;
    }
  | { type: 'end'; pass: number; columns: string[]; bytesRead: number }
  | { type: 'error'; pass: number; error: SerializedError };
