/** What the numbers were measured on: stored with every result file and printed above the table. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  os: string;
  node: string;
  gcc: string | null;
  python: string | null;
  sklearn: string | null;
  date: string;
}

function firstLine(argv: string[]): string | null {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return null;
  return (r.stdout || r.stderr).split('\n', 1)[0]!.trim() || null;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(python: string): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gcc: firstLine(['gcc', '--version']),
    python: firstLine([python, '--version']),
    sklearn: firstLine([python, '-c', 'import sklearn; print(sklearn.__version__)']),
    date: new Date().toISOString(),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}; Node ${m.node}; ${m.gcc ?? 'no gcc'}; ${m.python ?? 'no python'}${
    m.sklearn ? ` with scikit-learn ${m.sklearn}` : ''
  }; ${m.date.slice(0, 10)}`;
}
