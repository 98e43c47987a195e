/** Colour only where a person reads it: off for NO_COLOR, --no-color, and streams that are not terminals. */
import { Chalk, type ChalkInstance } from 'chalk';

export function makeChalk(stream: NodeJS.WriteStream, color: boolean): ChalkInstance {
  const enabled = color && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && (stream.isTTY === true || process.env.FORCE_COLOR !== undefined);
  return new Chalk({ level: enabled ? 1 : 0 });
}

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  return value.toFixed(digits);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
