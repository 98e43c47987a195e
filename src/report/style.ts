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

/**
 * 1234567 → "1,234,567" (rounded to a whole number). Not toLocaleString: its first call loads ICU
 * data, about 10 ms of start-up.
 */
export function formatCount(n: number): string {
  const whole = Math.round(n);
  if (!Number.isSafeInteger(whole)) return String(n);
  const digits = String(Math.abs(whole));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return whole < 0 ? `-${out}` : out;
}

/** Bytes in binary units: "72 B", "9.2 KiB", "97.8 MiB" (three significant digits from KiB on). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toPrecision(3)} ${units[unit]}`;
}

/**
 * An accuracy is worth a colour only when it says something: green when it beats both baselines
 * that need no learning (always the majority class so far, and the previous row's label), plain
 * otherwise, also when the baselines are not known. `fields` holds `<prefix>accuracy`,
 * `<prefix>majority_accuracy` and `<prefix>no_change_accuracy`.
 */
export function styleAccuracy(style: ChalkInstance, text: string, fields: object, prefix = ''): string {
  const f = fields as Record<string, unknown>;
  const accuracy = f[`${prefix}accuracy`];
  const majority = f[`${prefix}majority_accuracy`];
  const noChange = f[`${prefix}no_change_accuracy`];
  const beats = typeof accuracy === 'number' && typeof majority === 'number' && typeof noChange === 'number' && accuracy > majority && accuracy > noChange;
  return beats ? style.green(text) : text;
}
