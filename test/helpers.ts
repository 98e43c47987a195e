/** Shared test helpers: building record batches by hand, running the built CLI, finding shared data. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from '../src/io/types.js';
import type { LearnerOptions } from '../src/learners/types.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/inc-learn.js`;
export const SHARED = `${ROOT}../shared/datasets/`;

/** The shared datasets exist beside the repo in CI and on developer machines, not in a user's clone. */
export function sharedDataset(name: string): string | undefined {
  const path = SHARED + name;
  return existsSync(path) ? path : undefined;
}

export const SHARED_MISSING = 'skipped: ../shared/datasets is not beside this clone';

/** A batch from rows of cells: numbers become values, strings text, null an empty cell. */
export function batchOf(rows: (string | number | null)[][], width = rows[0]?.length ?? 0): RecordBatch {
  const values = new Float64Array(rows.length * width).fill(NaN);
  const text: (string | null)[] = new Array<string | null>(rows.length * width).fill('');
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      const i = r * width + c;
      if (typeof cell === 'number') {
        values[i] = cell;
        text[i] = null;
      } else text[i] = cell ?? '';
    });
  });
  return { rows: rows.length, width, values, text, line: Float64Array.from(rows, (_, r) => r + 2), issues: null };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with optional stdin, like a user in a shell. */
export function runCli(args: string[], options: { stdin?: string | Buffer; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Parses JSON lines output into events. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Options for a small MLP on the wasm backend, for the learner's own tests. */
export function mlpOptions(over: Partial<LearnerOptions> = {}): LearnerOptions {
  return {
    task: 'classification',
    dim: 4,
    classes: 3,
    optimizer: 'adam',
    lr: 0.01,
    l2: 0,
    batchSize: 32,
    hidden: [16],
    activation: 'relu',
    backend: 'wasm',
    seed: 7,
    ...over,
  };
}

/** Writes the header and data rows [from, to) of a CSV file to `out`; returns `out`. */
export function csvPart(path: string, from: number, to: number, out: string): string {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  writeFileSync(out, [lines[0]!, ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
  return out;
}

/** Runs the CLI and asserts exit 0, naming the command and its stderr otherwise. */
export async function cliOk(args: string[], stdin?: string): Promise<CliResult> {
  const result = await runCli(args, stdin === undefined ? {} : { stdin });
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result;
}

/**
 * Bytes written to a named pipe that no reader has taken yet (FIONREAD, asked through python3: node
 * has no ioctl). A run interrupted once this is 0 has its signal handlers in place: inc-learn installs
 * them before it opens its input.
 */
export function unreadInPipe(path: string): number {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import fcntl,termios,array,os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY|os.O_NONBLOCK)\nb=array.array("i",[0])\nfcntl.ioctl(fd,termios.FIONREAD,b)\nprint(b[0])', path]);
  assert.equal(r.status, 0, String(r.stderr));
  return Number(String(r.stdout).trim());
}
