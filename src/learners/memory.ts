/**
 * What a learner's model holds in memory (Learner.memoryBytes), as the events' `model_bytes`:
 * the bytes of its typed arrays as allocated (room to grow included), plus, for what is built of
 * objects (tree nodes, a regression tree's per-value observers), a fixed estimate per object, the
 * one the trees' memory limit (--max-size) counts with. It is the model, not the process: the
 * process's peak resident set is `peak_rss_bytes` (docs/json-events.md).
 */

/** A number the model keeps outside arrays. */
export const NUMBER_BYTES = 8;

/** The bytes the typed arrays hold (absent ones count 0). */
export function arrayBytes(...arrays: readonly (ArrayBufferView | null | undefined)[]): number {
  let n = 0;
  for (const a of arrays) if (a) n += a.byteLength;
  return n;
}
