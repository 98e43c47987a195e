/**
 * Whole-process measurements: wall time and peak resident set size of one command, taken by GNU
 * time (`/usr/bin/time -f '%e %M'`) around the measured process only. A producer feeding it through
 * a pipe (`cat FILE |`, `inc-learn generate … |`) runs beside it and is not counted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Command {
  /** The measured process: program and arguments. */
  argv: string[];
  /** A shell pipeline whose stdout feeds the measured process's stdin, e.g. `cat FILE`. */
  producer?: string;
  /** Where the measured process's stdout goes (instead of being captured). */
  stdoutFile?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

export interface Run {
  /**
   * Wall time in seconds from spawning the shell to its exit, by this process's clock: GNU time's own
   * figure has a 10 ms resolution, too coarse for the short runs. Includes the start-up of sh and
   * time (about 2 ms, the same for every command); with a producer, the pipeline's end.
   */
  wall: number;
  /** GNU time's wall time of the measured process alone (10 ms resolution). */
  timeWall: number;
  /** Peak RSS in KiB. */
  rssKb: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Quotes one word for sh. */
export function shq(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function describe(cmd: Command): string {
  const env = Object.entries(cmd.env ?? {}).map(([k, v]) => `${k}=${shq(v)} `).join('');
  const main = env + cmd.argv.map(shq).join(' ') + (cmd.stdoutFile ? ` > ${shq(cmd.stdoutFile)}` : '');
  return cmd.producer ? `${cmd.producer} | ${main}` : main;
}

export function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ['-f', '%e %M', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+\.\d+ \d+\s*$/m.test(r.stderr);
}

let counter = 0;

/** Runs cmd once under GNU time; the time report goes to a file in tmp so stderr stays the program's. */
export function timed(cmd: Command, options: { cwd: string; tmp: string; timeoutMs: number }): Promise<Run> {
  const report = join(options.tmp, `time-${process.pid}-${counter++}.txt`);
  const measured = [GNU_TIME, '-f', '%e %M', '-o', report, ...cmd.argv].map(shq).join(' ') + (cmd.stdoutFile ? ` > ${shq(cmd.stdoutFile)}` : '');
  const script = cmd.producer ? `${cmd.producer} | ${measured}` : `${measured} </dev/null`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], {
      cwd: options.cwd,
      env: { ...process.env, ...cmd.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const t0 = process.hrtime.bigint();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      // Keep the start of stderr only: a misbehaving command must not fill memory.
      if (errBytes < 1 << 16) err.push(b);
      errBytes += b.length;
    });
    const timer = setTimeout(() => {
      // The whole process group of this command (it was started detached): nothing else.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      let stderr = Buffer.concat(err).toString('utf8');
      let timeWall = NaN;
      let rssKb = NaN;
      try {
        const text = readFileSync(report, 'utf8');
        rmSync(report, { force: true });
        // GNU time writes "Command exited with non-zero status N" before the format line.
        const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(text);
        if (m) {
          timeWall = Number(m[1]);
          rssKb = Number(m[2]);
        }
      } catch {
        /* no report: killed before time wrote it */
      }
      if (signal) stderr += `\n(killed by ${signal}${signal === 'SIGKILL' ? `, timeout ${options.timeoutMs / 1000} s?` : ''})`;
      resolve({ wall: Number.isFinite(rssKb) ? wall : NaN, timeWall, rssKb, exitCode: code ?? 128, stdout, stderr });
    });
  });
}

/** Wall time in ms of a short command, measured from this process (spawn included): for start-up. */
export function quickWallMs(argv: string[], cwd: string): { ms: number; ok: boolean } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, ok: r.status === 0 };
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The JSON lines of a command's stdout, ignoring anything that is not a JSON object. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(t) as Record<string, unknown>);
    } catch {
      /* not JSON */
    }
  }
  return lines;
}
