/**
 * The checkpoint directory a run writes (train --save/--resume, predict --learn), claimed before the
 * first row is read and held until the run ends: what is there is checked (a checkpoint, an empty
 * directory or nothing; see `ownership`), and a lock file beside it, DIR.lock, is created exclusively
 * and holds the process id. A second run that would write DIR fails at its start naming the holder;
 * a lock whose process is gone (killed) is taken over. Creating the lock also shows that the
 * location is writable, long before the first save.
 */
import { promises as fsp, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, systemErrorText } from '../errors.js';
import type { CheckpointState } from './state.js';
import { ownership, writeCheckpoint } from './store.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** The process id in a lock file's text, or undefined when the text is not an inc-learn lock. */
function holder(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,9})\n$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class CheckpointTarget {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    /** The directory as the user named it. */
    readonly dir: string,
    private readonly lockPath: string,
    private readonly lockText: string,
    /** Temporary directories of saves that were killed, left alone (another process made them). */
    readonly leftovers: string[],
  ) {
    // A second Ctrl-C exits at once: the lock goes with the process.
    process.on('exit', this.onExit);
  }

  /** Locks `dir` and checks it and its backup; throws a DataError naming what is in the way. */
  static async claim(dir: string): Promise<CheckpointTarget> {
    const target = resolve(dir);
    const parent = dirname(target);
    const lockPath = `${target}.lock`;
    const lockText = `${process.pid}\n`;
    const fail = (what: string): never => {
      throw new DataError({ source: dir }, what, 'unwritable');
    };
    try {
      await fsp.mkdir(parent, { recursive: true });
    } catch (err) {
      // mkdir -p says EEXIST when a part of the path is a file.
      fail(`cannot create the directory the checkpoint goes in: ${(err as { code?: string }).code === 'EEXIST' ? 'a part of the path is a file' : systemErrorText(err)}`);
    }
    await takeLock(dir, lockPath, lockText, fail);
    const claimed = new CheckpointTarget(dir, lockPath, lockText, []);
    try {
      await ownership(target, dir);
      await ownership(`${target}.bak`, `${dir}.bak`);
      const prefix = `${basename(target)}.tmp-`;
      for (const entry of await fsp.readdir(parent)) {
        const pid = Number(entry.slice(prefix.length).split('-')[0]);
        if (entry.startsWith(prefix) && !(Number.isInteger(pid) && pid > 0 && alive(pid))) claimed.leftovers.push(join(dirname(dir), entry));
      }
    } catch (err) {
      claimed.release();
      throw err;
    }
    return claimed;
  }

  /** Writes a checkpoint (atomically, see store.ts). */
  save(state: CheckpointState, writtenBy: string): Promise<void> {
    return writeCheckpoint(this.dir, state, writtenBy);
  }

  /** Removes the lock, if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (readFileSync(this.lockPath, 'utf8') === this.lockText) unlinkSync(this.lockPath);
    } catch {
      // Gone already: nothing to release.
    }
  }
}

/**
 * Creates the lock file exclusively, complete: its text is written to a file of this process, which
 * is then hard-linked to the lock's name (fails if the lock exists), so no run ever sees a lock
 * without its process id. A lock of a process that is gone is moved aside and checked again before
 * it is removed, so that of two runs taking over the same stale lock, one wins.
 */
async function takeLock(dir: string, path: string, text: string, fail: (what: string) => never): Promise<void> {
  const shown = `${dir}.lock`;
  const mine = `${path}.${process.pid}`;
  try {
    const handle = await fsp.open(mine, 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } catch (err) {
    await fsp.rm(mine, { force: true }).catch(() => {});
    fail(`cannot write the checkpoint here: ${systemErrorText(err)} (creating ${shown})`);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fsp.link(mine, path);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') fail(`cannot write the checkpoint here: ${systemErrorText(err)} (creating ${shown})`);
      }
      const found = await readText(path);
      if (found === undefined) continue;
      const pid = holder(found);
      if (pid === undefined) fail(`${shown} exists and is not an inc-learn lock: move it away if nothing uses it`);
      if (pid === process.pid || alive(pid)) {
        fail(`the checkpoint is in use by another inc-learn run (process ${pid}, see ${shown}); wait for it to end, or remove ${shown} if process ${pid} is not inc-learn`);
      }
      const aside = `${path}.stale-${process.pid}`;
      try {
        await fsp.rename(path, aside);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') continue;
        fail(`cannot take over the stale ${shown}: ${systemErrorText(err)}`);
      }
      // Another run may have taken it over in between: then put its lock back.
      if ((await readText(aside)) !== found) await fsp.link(aside, path).catch(() => {});
      await fsp.rm(aside, { force: true });
    }
    fail(`cannot take ${shown}: other runs keep taking it`);
  } finally {
    await fsp.rm(mine, { force: true });
  }
}
