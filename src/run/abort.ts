/**
 * Stopping a run: reading waits on the input, which on a live stream (`tail -f | inc-learn ...`) may
 * not deliver anything for a long time, so a stop request must not wait for the next batch.
 */

/** The next batch, or 'aborted' as soon as the signal fires (the pending read is then abandoned). */
export function nextUnlessAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T> | 'aborted'> {
  if (signal === undefined) return iterator.next();
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // After an abort the read was abandoned: its failure (the input closed under it) is moot.
        if (!signal.aborted) reject(error);
      },
    );
  });
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
