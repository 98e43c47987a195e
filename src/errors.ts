/**
 * The two kinds of failure a user can cause. Both become one line on stderr and an exit code;
 * anything else is a bug and keeps its stack trace.
 */

/** Bad flags or a bad combination of them: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(singleLine(message));
  }
}

/**
 * Control characters (a line break in a quoted column name, a NUL) written as JSON escapes, so
 * that every error stays one line on stderr whatever the input held.
 */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Where in the input a problem was found; every part is optional except the source. */
export interface DataLocation {
  /** The path as the user gave it, or 'stdin'. */
  source: string;
  /** 1-based line of the input (for CSV, the line the record starts on). */
  line?: number;
  /** Column name, or JSON field name. */
  field?: string;
}

/** The input itself is unusable: exit code 1. The message reads `source:line: field "x": what was wrong`. */
export class DataError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly location: DataLocation,
    readonly detail: string,
    /** A short stable code for counting skips, e.g. 'ragged-row', 'not-a-number'. */
    readonly reason = 'bad-input',
  ) {
    super(singleLine(formatLocation(location) + detail));
  }
}

export function formatLocation({ source, line, field }: DataLocation): string {
  let where = source;
  if (line !== undefined) where += `:${line}`;
  where += ': ';
  if (field !== undefined) where += `field "${field}": `;
  return where;
}

/** What a system call's error code means, in words (`no space left on the device (ENOSPC)`). */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error from the device',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many symbolic links',
  EXDEV: 'not on the same file system',
  EBUSY: 'the device or resource is busy',
};

export function systemErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return SYSTEM_ERRORS[code] === undefined ? code : `${SYSTEM_ERRORS[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}
