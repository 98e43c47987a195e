/**
 * V8's young generation (two semi-spaces) starts at 1 MB a semi-space and doubles, up to 16 MB,
 * whenever the bytes that survived scavenges since the last doubling exceed its size. A loop that
 * allocates steadily therefore keeps growing it long after start-up: with the MLP (TensorFlow.js
 * allocates objects for every op) from 8 MB semi-spaces when training starts to 16 MB a few hundred
 * thousand rows later, so a long stream peaked 10-15 MB above a 100,000-row one. The maximum can
 * only be set when node starts (`--max-semi-space-size`; 1 MB made the default learner 8% slower),
 * but the growth factor is read at each doubling, so setting it to 1 stops the growth where it is.
 *
 * The size kept is SETTLED_BYTES, or what start-up left when that is more (the MLP's 8 MB): the
 * per-row learners reach 4 MB semi-spaces within a stream's first 100,000 rows, whether the parser
 * runs in this thread or not, and stopping them at 2 MB made the one-thread parse 6% slower.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The new space (both semi-spaces) at which growth stops, unless it is larger already. */
const SETTLED_BYTES = 8 << 20;

let settled = false;

/**
 * Stops the young generation from growing once it has reached SETTLED_BYTES, for the rest of the
 * process. Call it when the stream starts and then now and then (each progress tick); true once done.
 */
export function settleYoungGeneration(): boolean {
  if (settled) return true;
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (space !== undefined && space.space_size < SETTLED_BYTES) return false;
  settled = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
