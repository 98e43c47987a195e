/**
 * Bytes in: a file or stdin as a stream of Buffers, gunzipped when the first two bytes are the gzip
 * magic (1f 8b), whatever the name says. Every failure becomes a one-line DataError.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError, singleLine } from '../errors.js';

/** Read size for files: large reads keep the per-chunk overhead negligible. */
export const CHUNK_SIZE = 1 << 20;

/** Counts bytes of the underlying input as they are read, for progress. */
export interface ByteCounter {
  bytes: number;
}

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a parent is not a directory)',
  EISDIR: 'is a directory, expected a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** Turns whatever reading threw into a DataError about `name` (DataErrors pass through). */
export function toDataError(name: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
      return new DataError({ source: name }, 'truncated or corrupt gzip data', 'bad-gzip');
    }
    const known = FS_MESSAGES[code];
    if (known !== undefined) return new DataError({ source: name }, known, 'unreadable');
    return new DataError({ source: name }, `cannot read (${code})`, 'unreadable');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DataError({ source: name }, `cannot read: ${oneLine(message)}`, 'unreadable');
}

/** Text for a message: JSON-quoted (so that control characters and line breaks stay on one line), cut at `max`. */
export function quoteText(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

export function oneLine(s: string, max = 200): string {
  const flat = singleLine(s.replace(/\s+/g, ' ').trim());
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/**
 * The raw chunks of a file, counted as they are read: plain reads, without a stream's machinery per
 * chunk. The next read is under way while the consumer parses a chunk: a read's round trip through
 * libuv's thread pool would otherwise add to every chunk (a third of the time of a 200 MB file read
 * in 64 kB chunks by the reader thread).
 */
export async function* fileChunks(path: string, name: string, counter: ByteCounter, chunkSize = CHUNK_SIZE, stop?: AbortSignal): AsyncGenerator<Buffer> {
  let file: FileHandle | undefined;
  let next: Promise<{ bytesRead: number; buffer: Buffer }> | undefined;
  try {
    const handle = await open(path, 'r');
    file = handle;
    const read = (): Promise<{ bytesRead: number; buffer: Buffer }> => handle.read(Buffer.allocUnsafe(chunkSize), 0, chunkSize, null);
    next = read();
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0 || stop?.aborted === true) return;
      next = read();
      counter.bytes += bytesRead;
      yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
    }
  } catch (err) {
    throw toDataError(name, err);
  } finally {
    // A consumer that stops early leaves a read under way: it must end before the file closes.
    await next?.catch(() => undefined);
    await file?.close();
  }
}

/**
 * The chunks of a readable stream (stdin, a named pipe, a terminal), counted as they are read. When
 * `stop` fires, what the stream already holds still comes out, then the chunks end (at once, even
 * while the stream is idle) and the stream is destroyed.
 */
export async function* streamChunks(stream: NodeJS.ReadableStream, name: string, counter: ByteCounter, stop?: AbortSignal): AsyncGenerator<Buffer> {
  let wake: (() => void) | undefined;
  let ended = false;
  let closed = false;
  let failure: unknown;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onClose = (): void => {
    closed = true;
    notify();
  };
  const onError = (err: unknown): void => {
    failure ??= err;
    notify();
  };
  stream.on('readable', notify);
  stream.on('end', onEnd);
  stream.on('close', onClose);
  stream.on('error', onError);
  stop?.addEventListener('abort', notify);
  if ((stream as { readableEnded?: boolean }).readableEnded === true) ended = true;
  try {
    for (;;) {
      const chunk = stream.read() as Buffer | string | null;
      if (chunk !== null) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        counter.bytes += buf.length;
        yield buf;
        continue;
      }
      if (ended || stop?.aborted === true) return;
      if (failure !== undefined) throw toDataError(name, failure);
      if (closed) throw toDataError(name, new Error('the input was closed before its end'));
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', notify);
    stream.off('end', onEnd);
    stream.off('close', onClose);
    stream.off('error', onError);
    stop?.removeEventListener('abort', notify);
    if (!ended) (stream as { destroy?: () => void }).destroy?.();
  }
}

/** Yields `first` (when not empty) and then the rest of `it`, closing `it` when stopped early. */
async function* prepend(first: Buffer, it: AsyncIterator<Buffer>, done: boolean): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      if (r.value.length > 0) yield r.value;
    }
  } finally {
    if (!done) await it.return?.();
  }
}

/** Reads until `min` bytes (or the end) are in hand; returns them and whether the input ended. */
async function peek(it: AsyncIterator<Buffer>, min: number): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < min) {
    const r = await it.next();
    if (r.done) return { head: Buffer.concat(parts), done: true };
    parts.push(r.value);
    len += r.value.length;
  }
  return { head: parts.length === 1 ? parts[0]! : Buffer.concat(parts), done: false };
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The decoded bytes of a raw chunk stream: gunzipped when it starts with the gzip magic. After
 * `stop` fired, the raw input ends where it was cut: what gunzip made of it comes out, and the
 * truncated gzip stream is not an error.
 */
export async function* decodeChunks(raw: AsyncIterable<Buffer>, name: string, stop?: AbortSignal): AsyncGenerator<Buffer> {
  const it = raw[Symbol.asyncIterator]();
  let head: Buffer;
  let done: boolean;
  try {
    ({ head, done } = await peek(it, 2));
  } catch (err) {
    throw toDataError(name, err);
  }
  const all = prepend(head, it, done);
  if (!isGzip(head)) {
    yield* all;
    return;
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(all, { objectMode: false });
  // Every byte gunzip produced is handed out before its error: iterating the stream would drop what
  // it buffered when a truncated file fails, so which error a run reports (the gzip one, or one in
  // the data before it) would depend on timing.
  const queue: Buffer[] = [];
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  gunzip.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 8) gunzip.pause();
    notify();
  });
  // The pipeline's callback can come before gunzip's own error (a truncated file): watch gunzip.
  gunzip.on('error', (err) => {
    failure ??= err;
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  pipeline(input, gunzip, () => {
    /* an input error destroys gunzip with it, which reports it above */
  });
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        if (queue.length < 4 && gunzip.isPaused()) gunzip.resume();
        yield chunk;
      } else if (failure !== undefined) {
        if (stop?.aborted === true) return;
        throw toDataError(name, failure);
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    gunzip.destroy();
    input.destroy();
  }
}

/**
 * Removes a UTF-8 byte order mark at the very start, and refuses input whose first line holds a NUL
 * byte, which no text has, as far as the first chunk read shows it: a binary file (or /dev/zero)
 * fails at once, before the end of its first "line", which may never come. Later lines are the
 * readers' business (a bad row). `name`: the source, for the message.
 */
export async function* stripBom(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  const { head, done } = await peek(it, 3);
  const body = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  const nul = body.indexOf(0);
  if (nul !== -1 && body.lastIndexOf(0x0a, nul) === -1) {
    if (!done) await it.return?.();
    throw new DataError({ source: name }, 'expected text (CSV or JSON lines), found a NUL byte in the first bytes (a binary file, or compressed other than by gzip?)', 'binary');
  }
  yield* prepend(body, it, done);
}

/** The first byte that is not whitespace (space, tab, CR, LF), or -1. */
export function firstSignificantByte(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}
