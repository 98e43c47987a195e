/** Small helpers shared by the samplers: checkpoint parsing and the fractional replay count. */
import { Random } from '../util/random.js';
import { RowBuffer, type RowBufferState } from './row-buffer.js';
import type { RowScaler } from './types.js';

export function checkpointError(what: string): Error {
  return new Error(`sampler checkpoint: ${what}`);
}

export function readNumber(state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw checkpointError(`"${key}" must be a finite number`);
  return v;
}

export function readRandom(state: Record<string, unknown>): Random {
  const v = state['random'];
  if (!Array.isArray(v) || v.length !== 4 || !v.every((n) => typeof n === 'number' && Number.isInteger(n))) {
    throw checkpointError('"random" must be four integers');
  }
  return Random.fromState(v as number[]);
}

export function readBuffer(state: Record<string, unknown>, capacity: number, scaler: RowScaler | undefined): RowBuffer {
  const v = state['buffer'];
  if (typeof v !== 'object' || v === null) throw checkpointError('"buffer" is missing');
  const buffer = RowBuffer.fromState(v as RowBufferState, scaler);
  if (buffer.capacity !== capacity) {
    throw checkpointError(`the buffer holds ${buffer.capacity} rows but --buffer-size is ${capacity}`);
  }
  return buffer;
}

/**
 * How many extra rows a learning step draws for a replay ratio r, possibly fractional: a
 * deterministic accumulator. Each step adds r and draws the whole part, keeping the remainder, so
 * r=0.5 draws one row every other step and r=1.25 draws 1,1,1,2,... — exactly floor(steps*r) rows
 * in total, with no randomness spent on the count. The epsilon absorbs rounding (0.1 added ten
 * times is 0.9999999999999999).
 */
export class ReplayCount {
  constructor(
    readonly ratio: number,
    public carry = 0,
  ) {}

  step(): number {
    const acc = this.carry + this.ratio;
    const n = Math.floor(acc + 1e-9);
    this.carry = acc - n;
    return n;
  }
}
