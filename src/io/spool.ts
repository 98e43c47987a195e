/**
 * Stdin (or any input that cannot be reopened) read once and replayed: the decoded bytes are written
 * to a temporary file as they arrive, and every pass reads what is spooled before pulling more from
 * the live input. Memory stays bounded by one chunk. The file is unlinked as soon as it is open, so
 * that no way of ending the process (a signal, a crash, SIGKILL) leaves it behind: the system frees
 * it when its descriptor closes. Where an open file cannot be unlinked, it is removed by close(), or
 * at exit.
 */
import { closeSync, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHUNK_SIZE, toDataError, type ByteCounter } from './bytes.js';

const readAt = promisify(read);

export class Spool {
  /** The temporary directory holding the spool file; undefined once removed. */
  private dir: string | undefined;
  private fd: number | undefined;
  /** Bytes spooled so far. */
  private length = 0;
  private liveDone = false;
  /** What the live input failed with: every later pass fails the same way. */
  private liveError: unknown;
  /** A pull from the live input in progress, so that concurrent passes take turns. */
  private pulling: Promise<void> | undefined;
  private readonly onExit = (): void => this.removeSync();

  constructor(
    private readonly live: AsyncIterator<Buffer>,
    private readonly name: string,
    private readonly chunkSize = CHUNK_SIZE,
  ) {
    try {
      this.dir = mkdtempSync(join(tmpdir(), 'inc-learn-'));
      this.fd = openSync(join(this.dir, 'input.spool'), 'w+', 0o600);
    } catch (err) {
      this.removeSync();
      throw toDataError(`${name} (spool in ${tmpdir()})`, err);
    }
    try {
      rmSync(this.dir, { recursive: true });
      this.dir = undefined;
    } catch {
      process.on('exit', this.onExit);
    }
  }

  /** The spool file's descriptor while it is open (for tests). */
  get descriptor(): number | undefined {
    return this.fd;
  }

  /** One pass from the start: the spooled bytes, then the live input (spooled on the way). */
  async *pass(counter: ByteCounter): AsyncGenerator<Buffer> {
    let pos = 0;
    for (;;) {
      if (this.fd === undefined) throw new Error(`${this.name}: the input was closed`);
      if (pos < this.length) {
        const n = Math.min(this.chunkSize, this.length - pos);
        const buf = Buffer.allocUnsafe(n);
        let got: number;
        try {
          ({ bytesRead: got } = await readAt(this.fd, buf, 0, n, pos));
        } catch (err) {
          throw toDataError(this.name, err);
        }
        if (got === 0) throw toDataError(this.name, new Error('the spool file was truncated'));
        pos += got;
        counter.bytes += got;
        yield got === n ? buf : buf.subarray(0, got);
        continue;
      }
      if (this.liveError !== undefined) throw this.liveError;
      if (this.liveDone) return;
      if (this.pulling !== undefined) {
        await this.pulling;
        continue;
      }
      // Caught up and nobody else is pulling: take the next live chunk, spool it, yield it directly.
      let chunk: Buffer | undefined;
      this.pulling = (async () => {
        let r: IteratorResult<Buffer>;
        try {
          r = await this.live.next();
        } catch (err) {
          this.liveError = toDataError(this.name, err);
          throw this.liveError;
        }
        if (r.done) {
          this.liveDone = true;
          return;
        }
        if (this.fd === undefined) return;
        try {
          let off = 0;
          while (off < r.value.length) {
            off += writeSync(this.fd, r.value, off, r.value.length - off, this.length + off);
          }
        } catch (err) {
          throw toDataError(`${this.name} (spool in ${tmpdir()})`, err);
        }
        this.length += r.value.length;
        chunk = r.value;
      })();
      try {
        await this.pulling;
      } finally {
        this.pulling = undefined;
      }
      if (chunk !== undefined) {
        pos += chunk.length;
        counter.bytes += chunk.length;
        yield chunk;
      }
    }
  }

  /** Closes and removes the spool file, and stops reading the live input. Safe to call twice. */
  async close(): Promise<void> {
    this.removeSync();
    if (!this.liveDone) {
      this.liveDone = true;
      await this.live.return?.();
    }
  }

  private removeSync(): void {
    process.off('exit', this.onExit);
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
    if (this.dir !== undefined) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = undefined;
    }
  }
}
