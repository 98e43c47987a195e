/**
 * Stopping a run: the input is opened with the run's signal as its stop (OpenSourceOptions.stop),
 * so that when the signal fires, reading stops at once, even on an idle pipe, and the rows already
 * read still come out before the end: the run learns every row it read, then ends.
 */

/** How long a read may take to settle once the signal fired, before it is abandoned. */
const STOP_GRACE_MS = 1000;

/**
 * The next batch. Once the signal fired, a read that does not settle within STOP_GRACE_MS (a reader
 * that does not stop) is abandoned: 'abandoned'.
 */
export function nextUntilStopped<T>(iterator: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T> | 'abandoned'> {
  const next = iterator.next();
  if (signal === undefined) return next;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => resolve('abandoned'), STOP_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      signal.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
    next.then(
      (result) => {
        settle();
        resolve(result);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/**
 * Lets the event loop run: a run whose batches are always ready (the reader thread well ahead)
 * would otherwise go on in microtasks alone, and a signal would wait for the end of the input.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows [from, to) of a batch, sharing its arrays where they can be shared. */
export function sliceBatch<
  B extends { rows: number; width: number; values: Float64Array; text: (string | null)[]; line: Float64Array; issues: unknown[] | null; literal?: (string | null)[] },
>(batch: B, from: number, to: number): B {
  const w = batch.width;
  return {
    ...batch,
    rows: to - from,
    values: batch.values.subarray(from * w, to * w),
    text: batch.text.slice(from * w, to * w),
    line: batch.line.subarray(from, to),
    issues: batch.issues === null ? null : batch.issues.slice(from, to),
    ...(batch.literal === undefined ? {} : { literal: batch.literal.slice(from * w, to * w) }),
  };
}
